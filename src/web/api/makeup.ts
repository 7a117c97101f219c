// Make-up captures (issue 10 section 3, S6; docs/decisions/0026-makeup.md), typed by the make-up contracts.
import type { CreateOutletRequest, UpdateMakeUpSettingsRequest, UpdateOutletRequest } from '../../contracts/makeup.js';
import { MakeUpSettingsSchema, MyMakeUpSchema, OutletListSchema, OutletSchema, OutstandingMakeUpListSchema } from '../../contracts/makeup.js';
import { api, download, toQuery } from './client.js';

export const makeupKeys = {
  all: ['makeup'] as const,
  outlets: ['makeup', 'outlets'] as const,
  settings: ['makeup', 'settings'] as const,
  outstanding: (department: string | undefined) => ['makeup', 'outstanding', department ?? ''] as const,
  mine: ['makeup', 'mine'] as const,
};

export const makeupApi = {
  outlets: () => api('/api/makeup/outlets', { schema: OutletListSchema }),
  createOutlet: (body: CreateOutletRequest) => api('/api/makeup/outlets', { method: 'POST', body, schema: OutletSchema }),
  updateOutlet: (id: string, body: UpdateOutletRequest) => api(`/api/makeup/outlets/${encodeURIComponent(id)}`, { method: 'PATCH', body, schema: OutletSchema }),
  settings: () => api('/api/makeup/settings', { schema: MakeUpSettingsSchema }),
  updateSettings: (body: UpdateMakeUpSettingsRequest) => api('/api/makeup/settings', { method: 'PUT', body, schema: MakeUpSettingsSchema }),
  outstanding: (department?: string) => api(`/api/makeup/outstanding${toQuery({ department })}`, { schema: OutstandingMakeUpListSchema }),
  exportOutstanding: (department?: string) => download(`/api/makeup/outstanding.xlsx${toQuery({ department })}`, 'makeups.xlsx'),
  mine: () => api('/api/me/makeup', { schema: MyMakeUpSchema }),
};
