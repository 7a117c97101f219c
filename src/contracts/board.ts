import { z } from 'zod';
import { DateSchema, RuleSchema, SiteSchema } from './common.js';
import { QueueStudentSchema, TicketSchema } from './queue.js';

/**
 * The public call board of a site (issue 9 section 2; C4; docs/decisions/0021-call-board.md), the desk's look
 * at a student before the code is scanned, and a student's own ticket. The board carries ticket numbers and
 * station names only: no name, student number or anything else about a person.
 */

/** How many calls the board shows (the newest first, large). */
export const BOARD_CALLS = 8;

/**
 * The number a station shows as on the board and in the spoken call: the digits at the end of its id
 * ("beijing-2" → 2 → "2 号机位" / "Station 2"); null when the id does not end in 1–3 digits (the board then shows the id).
 */
export function stationNumberOf(stationId: string): number | null {
  const m = /(?:^|[^0-9])([0-9]{1,3})$/.exec(stationId);
  return m ? Number(m[1]) : null;
}

export const BoardCallSchema = z.object({
  /** B-037 */
  number: z.string(),
  stationId: z.string(),
  /** see stationNumberOf */
  stationNo: z.number().int().nullable(),
  calledAt: z.string(),
  /** times the station called it again (a recall is shown and spoken again) */
  recalls: z.number().int(),
  /** still called (the student is expected at the station); false once served */
  current: z.boolean(),
});
export type BoardCall = z.infer<typeof BoardCallSchema>;

export const BoardSchema = z.object({
  site: SiteSchema,
  date: DateSchema,
  /** the last calls of the day, the newest (or newest recalled) first, at most BOARD_CALLS */
  calls: z.array(BoardCallSchema).max(BOARD_CALLS),
  /** tickets waiting to be called */
  waiting: z.number().int(),
  /** minutes a student who checks in now waits (the same estimate as a ticket's) */
  etaMinutes: z.number().int(),
  stations: z.number().int(),
  /** when the server read it */
  readAt: z.string(),
});
export type Board = z.infer<typeof BoardSchema>;

/** Any text: an unknown site is 404, not a validation error. */
export const BoardParamsSchema = z.object({ site: z.string().min(1).max(32) });

export const CheckInPreviewQuerySchema = z.object({ studentNo: z.string().trim().min(1).max(32) });

/** What the desk may see of a student before scanning the code: never an ID number, phone or e-mail. */
export const CheckInPreviewSchema = z.object({
  student: QueueStudentSchema,
  /** the rule behind the decision (E1–E6), null when none */
  rule: RuleSchema.nullable(),
  /** the student's own site (S4) */
  site: SiteSchema,
  paid: z.boolean(),
  /** the student's site asks for payment before the ticket (P1) */
  paymentBeforeQueue: z.boolean(),
  /** the campaign's price, fen (what the desk records; not editable) */
  priceFen: z.number().int(),
  photoConfirmed: z.boolean(),
  /** the last 4 characters of the collection code already bound to the student, if any */
  codeLast4: z.string().nullable(),
  /** today's ticket the student already holds (waiting or called) */
  ticket: TicketSchema.nullable(),
});
export type CheckInPreview = z.infer<typeof CheckInPreviewSchema>;

/** The signed-in student's ticket of today (waiting or called), or null. */
export const MyTicketSchema = z.object({ ticket: TicketSchema.nullable() });
export type MyTicket = z.infer<typeof MyTicketSchema>;
