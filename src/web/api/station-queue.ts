// The station's side of the queue (issue 9 sections 2 and 5; C4): the queue of the station's site, calling the
// next ticket, recalling, skipping (no-show) and transferring the called ticket to another station.
import { CalledTicketSchema, QueueListSchema, type CalledTicket, type QueueList } from '../../contracts/queue.js';
import type { z } from 'zod';
import type { SiteSchema } from '../../contracts/common.js';
import { api } from './client.js';

export type Site = z.infer<typeof SiteSchema>;

const ticketUrl = (id: string, action: 'recall' | 'skip' | 'transfer') => `/api/tickets/${encodeURIComponent(id)}/${action}`;

export const stationQueueApi = {
  /** listQueue: called tickets (newest call first), then the waiting ones in order; masked names */
  list: (site: Site): Promise<QueueList> => api(`/api/queue/${encodeURIComponent(site)}`, { schema: QueueListSchema }),
  /**
   * callNext: the called ticket, or null when the queue is empty (204). `releasePrevious`: the operator ends the
   * turn of the station's student although their photo is not confirmed (else 409 STATION_STUDENT_UNCONFIRMED).
   */
  callNext: async (site: Site, stationId: string, releasePrevious = false): Promise<CalledTicket | null> =>
    (await api(`/api/queue/${encodeURIComponent(site)}/next`, { method: 'POST', body: releasePrevious ? { stationId, releasePrevious } : { stationId }, schema: CalledTicketSchema })) ?? null,
  /** recallTicket */
  recall: (id: string): Promise<CalledTicket> => api(ticketUrl(id, 'recall'), { method: 'POST', schema: CalledTicketSchema }),
  /** skipTicket: back of the queue, removed at the second skip */
  skip: (id: string): Promise<CalledTicket> => api(ticketUrl(id, 'skip'), { method: 'POST', schema: CalledTicketSchema }),
  /** transferTicket: called at the other station, which names the student from now on */
  transfer: (id: string, stationId: string): Promise<CalledTicket> => api(ticketUrl(id, 'transfer'), { method: 'POST', body: { stationId }, schema: CalledTicketSchema }),
};

export const stationQueueKeys = {
  queue: (site: Site) => ['station-queue', site] as const,
};
