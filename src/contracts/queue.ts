import { z } from 'zod';
import { DateSchema, DecisionSchema, SiteSchema } from './common.js';
import { StationIdSchema } from './station.js';

/** Check-in with the collection code and the queue (issue 9 sections 1 and 2; rules C1, C4). */

/**
 * The desk's check-in: the student number, the collection code as scanned or typed (an opaque string; the
 * service trims it and refuses anything but 1–2,048 printable characters with COLLECTION_CODE_INVALID), the site.
 */
export const CheckInRequestSchema = z.object({
  studentNo: z.string().trim().min(1).max(32),
  // a generous bound for the body; the 2,048-character rule and its message are the service's
  collectionCode: z.string().max(65_536),
  site: SiteSchema,
});
export type CheckInRequest = z.infer<typeof CheckInRequestSchema>;

export const TicketStatusSchema = z.enum(['waiting', 'called', 'served', 'removed']);

export const TicketSchema = z.object({
  id: z.string(),
  /** B-037: the site's letter and the ticket's number of the day */
  number: z.string(),
  site: SiteSchema,
  date: DateSchema,
  status: TicketStatusSchema,
  /** 1 = next to be called; 0 when called; null when served or removed */
  position: z.number().int().nullable(),
  /** minutes until called (rolling median of the site's last 20 service times × position ÷ stations); null when not waiting */
  etaMinutes: z.number().int().nullable(),
  /** the station that called it (null while waiting) */
  stationId: z.string().nullable(),
  skips: z.number().int(),
  calledAt: z.string().nullable(),
});
export type Ticket = z.infer<typeof TicketSchema>;

/** The student behind a ticket as the desk and the stations see them: masked name (张*三), never an ID, phone or e-mail. */
export const QueueStudentSchema = z.object({
  studentNo: z.string(),
  name: z.string(),
  nameMasked: z.boolean(),
  department: z.string(),
  decision: DecisionSchema,
});
export type QueueStudent = z.infer<typeof QueueStudentSchema>;

export const CheckInResponseSchema = z.object({
  ticket: TicketSchema,
  student: QueueStudentSchema,
  /** the last 4 characters of the bound code, for the desk to compare with the phone */
  codeLast4: z.string(),
});
export type CheckInResponse = z.infer<typeof CheckInResponseSchema>;

export const CallNextRequestSchema = z.object({
  stationId: StationIdSchema,
  /**
   * The operator ends the turn of the student the station called before although their photo is not confirmed
   * (they left, or come back later): that ticket is served, audited as without a confirmed photo. Without it such
   * a call is refused STATION_STUDENT_UNCONFIRMED (C4: a second press of N, a second tab or a script must not end
   * a student's turn before their photo is confirmed).
   */
  releasePrevious: z.boolean().optional(),
});
export const CalledTicketSchema = z.object({ ticket: TicketSchema, student: QueueStudentSchema });
export type CalledTicket = z.infer<typeof CalledTicketSchema>;

/**
 * Transfers a called ticket to another station of its site (the student is called there). The station id's
 * form (lowercase letters, digits and -) is checked by the service, which names the value it refused.
 */
export const TransferTicketRequestSchema = z.object({ stationId: z.string().max(200) });
export type TransferTicketRequest = z.infer<typeof TransferTicketRequestSchema>;

export const QueueSiteParamsSchema = z.object({ site: SiteSchema });
export const TicketIdParamsSchema = z.object({ id: z.string().min(1).max(64) });

export const QueueListSchema = z.object({
  site: SiteSchema,
  date: DateSchema,
  /** called first (newest call first), then waiting in queue order */
  items: z.array(CalledTicketSchema),
  waiting: z.number().int(),
  called: z.number().int(),
  /** the median service time of the site's last 20 served tickets, seconds; null before the first */
  medianServiceSeconds: z.number().nullable(),
  stations: z.number().int(),
});
export type QueueList = z.infer<typeof QueueListSchema>;
