// The admin's view of a student's shots and confirmation (issue 9 section 4): the student's shots with their
// reports (listStudentPhotos), the standard image on demand (getPhotoImage — every view is an audit event),
// voiding the active confirmation with a reason (voidPhotoConfirmation), and the student's history read from
// the audit log filtered by target (listAuditEvents: the photo events target the photo, the refusals and
// check-in events name the student).
import { AuditListSchema, type AuditEventView } from '../../contracts/audit.js';
import { PhotoListSchema, PhotoReportSchema } from '../../contracts/photo.js';
import { api, toQuery } from './client.js';

export const studentPhotosApi = {
  /** listStudentPhotos: newest first, each with its checks report */
  list: (studentId: string) => api(`/api/students/${encodeURIComponent(studentId)}/photos`, { schema: PhotoListSchema }),
  /** getPhotoImage: same-origin, the session cookie goes with it; the server answers no-store and audits the view */
  imageUrl: (photoId: string) => `/api/photos/${encodeURIComponent(photoId)}/image`,
  /** voidPhotoConfirmation: the server refuses a reason under 2 characters with its own message */
  voidConfirmation: (photoId: string, reason: string) =>
    api(`/api/photos/${encodeURIComponent(photoId)}/void-confirmation`, { method: 'POST', body: { reason }, schema: PhotoReportSchema }),
  /** listAuditEvents of each target (the student and each of their photos), merged newest first */
  history: async (targetIds: string[]): Promise<AuditEventView[]> => {
    const pages = await Promise.all(targetIds.map((targetId) => api(`/api/audit${toQuery({ targetId, pageSize: 500 })}`, { schema: AuditListSchema })));
    const seen = new Set<number>();
    return pages
      .flatMap((p) => p.items)
      .filter((e) => (seen.has(e.seq) ? false : (seen.add(e.seq), true)))
      .sort((a, b) => b.seq - a.seq);
  },
};

export const studentPhotosKeys = {
  /** every query of this page's photos starts with 'student-photos' */
  photos: (studentId: string) => ['student-photos', studentId] as const,
  history: (studentId: string, targetIds: string[]) => ['student-photos', studentId, 'history', ...targetIds] as const,
};
