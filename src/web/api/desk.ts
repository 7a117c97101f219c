// The desk, the public call board and the student's own ticket (issue 9 sections 1 and 2): API calls typed
// with the contracts' schemas.
import type { z } from 'zod';
import { BoardSchema, CheckInPreviewSchema, MyTicketSchema } from '../../contracts/board.js';
import type { RecordPaymentRequestSchema } from '../../contracts/payment.js';
import { PaymentSchema } from '../../contracts/payment.js';
import type { CheckInRequest } from '../../contracts/queue.js';
import { CheckInResponseSchema } from '../../contracts/queue.js';
import { api, toQuery } from './client.js';

export const deskKeys = {
  board: (site: string) => ['board', site] as const,
  myTicket: ['me', 'ticket'] as const,
};

export const deskApi = {
  /** previewCheckIn: the student as the desk may see them (masked), before the code */
  preview: (studentNo: string) => api(`/api/checkins/preview${toQuery({ studentNo })}`, { schema: CheckInPreviewSchema }),
  /** checkIn: 201 new ticket, 200 the ticket already held */
  checkIn: (body: CheckInRequest) => api('/api/checkins', { method: 'POST', body, schema: CheckInResponseSchema }),
  /** recordPayment: WeChat Pay or Alipay, the campaign's price */
  recordPayment: (body: z.input<typeof RecordPaymentRequestSchema>) => api('/api/payments', { method: 'POST', body, schema: PaymentSchema }),
  /** getBoard: public */
  board: (site: string) => api(`/api/board/${encodeURIComponent(site)}`, { schema: BoardSchema }),
  /** the board's live stream (EventSource; public) */
  boardStreamUrl: (site: string) => `/api/board/${encodeURIComponent(site)}/stream`,
  /** getMyTicket: the signed-in student's ticket of today, or null */
  myTicket: () => api('/api/me/ticket', { schema: MyTicketSchema }),
};
