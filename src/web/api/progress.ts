// The progress slice's API calls (issue 9, "Progress everywhere"), typed with the contracts' schemas.
import type { z } from 'zod';
import { ProgressSchema, RemindStudentsResponseSchema, type ProgressQuery, type RemindStudentsRequest } from '../../contracts/progress.js';
import type { ProgressFilterSchema } from '../../contracts/progress.js';
import type { StudentListQuery } from '../../contracts/student.js';
import { api, download, toQuery } from './client.js';

export type ProgressFilter = z.infer<typeof ProgressFilterSchema>;
export const PROGRESS_FILTERS: ProgressFilter[] = ['not-booked', 'booked', 'no-show', 'checked-in', 'photographed', 'confirmed'];

export const progressApi = {
  /** getProgress: counts per department and day (a secretary: own departments) */
  progress: (query: ProgressQuery = {}) => api(`/api/progress${toQuery(query)}`, { schema: ProgressSchema }),
  /** remindStudents: one mail per student of the department who has not booked / did not come */
  remind: (body: RemindStudentsRequest) => api('/api/progress/reminders', { method: 'POST', body, schema: RemindStudentsResponseSchema }),
  /** exportStudents with the list's filters, progress and paid included */
  exportStudents: (filters: Partial<Record<'department' | 'decision' | 'progress' | 'paid', string>>) => download(`/api/students/export.xlsx${toQuery(filters)}`, 'students.xlsx'),
};

export const progressKeys = {
  all: ['progress'] as const,
  progress: (query: ProgressQuery) => ['progress', query] as const,
};

export type StudentProgressFilters = Pick<StudentListQuery, 'progress' | 'paid'>;
