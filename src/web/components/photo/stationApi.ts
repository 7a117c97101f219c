// The station screen's calls (issue #4 parts 1, 5 and 8; C3): the station's current student, the student's
// shots, confirming one, and a manual upload for stations without the hot-folder agent.
import { PhotoListSchema, PhotoReportSchema, type PhotoReport } from '../../../contracts/photo.js';
import { StationSchema } from '../../../contracts/station.js';
import { acceptLanguage, api, ApiError, errorFromResponse } from '../../api/client.js';
import i18n from '../../i18n/index.js';

export const stationApi = {
  /** getStation */
  station: (stationId: string) => api(`/api/stations/${encodeURIComponent(stationId)}`, { schema: StationSchema }),
  /** setStationStudent */
  setStudent: (stationId: string, studentNo: string) =>
    api(`/api/stations/${encodeURIComponent(stationId)}/current-student`, { method: 'PUT', body: { studentNo }, schema: StationSchema }),
  /** clearStationStudent */
  clearStudent: (stationId: string) => api(`/api/stations/${encodeURIComponent(stationId)}/current-student`, { method: 'DELETE', schema: StationSchema }),
  /** listStudentPhotos: newest first */
  photos: (studentId: string) => api(`/api/students/${encodeURIComponent(studentId)}/photos`, { schema: PhotoListSchema }),
  /** confirmPhoto (C3) */
  confirm: (photoId: string) => api(`/api/photos/${encodeURIComponent(photoId)}/confirm`, { method: 'POST', schema: PhotoReportSchema }),
  /** getPhotoImage: same-origin, the session cookie goes with it; the server answers no-store */
  imageUrl: (photoId: string) => `/api/photos/${encodeURIComponent(photoId)}/image`,
};

export const stationKeys = {
  station: (stationId: string) => ['station', stationId] as const,
  photos: (studentId: string) => ['station', 'photos', studentId] as const,
};

/** SHA-256 of the file in hex, when the browser offers it (only in a secure context: https or localhost). */
async function sha256Hex(file: File): Promise<string | undefined> {
  if (!globalThis.crypto?.subtle) return undefined;
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * uploadPhoto from the station screen: the same request as the hot-folder agent (studentNo, sha256, station,
 * then the file), with upload progress. Answers the checks report.
 */
export async function uploadStationPhoto(file: File, studentNo: string, stationId: string, onProgress?: (fraction: number) => void): Promise<PhotoReport> {
  const sha256 = await sha256Hex(file);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/photos');
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Accept-Language', acceptLanguage());
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress?.(event.loaded / event.total);
    };
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', i18n.t('errors.network')));
    xhr.onload = () => {
      if (xhr.status < 200 || xhr.status >= 300) return reject(errorFromResponse(xhr.status, xhr.responseText, '/api/photos'));
      try {
        const checked = PhotoReportSchema.safeParse(JSON.parse(xhr.responseText));
        if (checked.success) resolve(checked.data);
        else reject(new ApiError(xhr.status, 'CONTRACT_MISMATCH', i18n.t('errors.contract', { url: '/api/photos' }), checked.error.issues));
      } catch {
        reject(new ApiError(xhr.status, 'BAD_JSON', i18n.t('errors.http', { status: xhr.status })));
      }
    };
    const form = new FormData();
    form.append('studentNo', studentNo);
    if (sha256) form.append('sha256', sha256);
    form.append('station', stationId);
    // A neutral name: whatever the file was called stays on the station's computer.
    form.append('file', file, 'photo.jpg');
    xhr.send(form);
  });
}
