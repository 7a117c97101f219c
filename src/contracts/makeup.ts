import { z } from 'zod';
import { OUTLET_ID_PATTERN } from '../domain/makeup.js';
import { DateSchema, TermSchema, TextSchema } from './common.js';

/** Make-up captures (issue 10 section 3, S6; docs/decisions/0026-makeup.md). */

export const OutletIdSchema = z.string().regex(OUTLET_ID_PATTERN, 'lowercase letters and digits, 1–20');
export const OutletIdParamsSchema = z.object({ outletId: OutletIdSchema });

const text = (max: number) => z.string().trim().min(1).max(max);

export const OutletSchema = z.object({
  id: OutletIdSchema,
  name: TextSchema,
  address: z.string(),
  /** the city as typed (the editor shows it) */
  city: z.string(),
  /** the city in each language (北京 / Beijing for Beijing, BEIJING, Peking, 北京市): what pages show */
  cityName: TextSchema,
  /** opening hours as the outlet states them (e.g. 周一至周五 9:00–17:00) */
  hours: z.string(),
  stations: z.number().int(),
  /** the ids of its stations: makeup-<id>-1 … */
  stationIds: z.array(z.string()),
  active: z.boolean(),
  /** whether make-ups may be recorded here now: active and in the campaign's make-up city (S6) */
  usable: z.boolean(),
  /** make-up photos taken here, and how many of them are confirmed now */
  photos: z.number().int(),
  confirmed: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Outlet = z.infer<typeof OutletSchema>;

/** `fee`: the make-up price per set (yuan), recorded at the outlet's station as a payment (recordPayment with stationId). */
export const OutletListSchema = z.object({ items: z.array(OutletSchema), makeUpCity: z.string(), makeUpCityName: TextSchema, fee: z.number() });
export type OutletList = z.infer<typeof OutletListSchema>;

export const CreateOutletRequestSchema = z.object({
  id: OutletIdSchema,
  nameZh: text(60),
  nameEn: text(80),
  address: text(200),
  city: text(40),
  hours: text(200),
  stations: z.number().int().min(1).max(20).default(1),
  active: z.boolean().default(true),
});
export type CreateOutletRequest = z.input<typeof CreateOutletRequestSchema>;

export const UpdateOutletRequestSchema = CreateOutletRequestSchema.omit({ id: true })
  .partial()
  .refine((v) => Object.keys(v).length > 0, { message: 'nothing to change' });
export type UpdateOutletRequest = z.input<typeof UpdateOutletRequestSchema>;

export const MakeUpSettingsSchema = z.object({
  city: z.string(),
  fee: z.number(),
  targetTerms: z.array(TermSchema),
  /** the campaign's single deadline of the campaign file, when set */
  deadline: DateSchema.nullable(),
  /** the deadline per target term (a term's own wins over `deadline`) */
  deadlines: z.record(z.string(), DateSchema),
  /** the usual pattern (30 Nov for January, 30 Apr for July), offered by the page */
  suggested: z.record(z.string(), DateSchema),
  lastDay: DateSchema,
  opensOn: DateSchema,
  /** today in the campaign's time zone */
  today: DateSchema,
});
export type MakeUpSettings = z.infer<typeof MakeUpSettingsSchema>;

/** Each target term → its deadline (YYYY-MM-DD); a term left out has no deadline of its own. Checked by the service. */
export const UpdateMakeUpSettingsRequestSchema = z.object({ deadlines: z.record(z.string(), z.string()) });
export type UpdateMakeUpSettingsRequest = z.infer<typeof UpdateMakeUpSettingsRequestSchema>;

export const OutstandingMakeUpSchema = z.object({
  studentId: z.string(),
  studentNo: z.string(),
  name: z.string(),
  department: z.string(),
  term: z.string(),
  deadline: DateSchema.nullable(),
  deadlinePassed: z.boolean(),
  /** their confirmation was voided (e.g. the registry's 有误 answer) */
  voided: z.boolean(),
});
export type OutstandingMakeUp = z.infer<typeof OutstandingMakeUpSchema>;

export const OutstandingMakeUpListSchema = z.object({
  /** the campaign's last day has passed: these students must go to an outlet */
  campaignEnded: z.boolean(),
  opensOn: DateSchema,
  total: z.number().int(),
  byDepartment: z.array(z.object({ department: z.string(), outstanding: z.number().int() })),
  items: z.array(OutstandingMakeUpSchema),
});
export type OutstandingMakeUpList = z.infer<typeof OutstandingMakeUpListSchema>;

export const OutstandingMakeUpQuerySchema = z.object({ department: z.string().min(1).max(100).optional() });

/** What the student's /my page says about a make-up (S6). */
export const MyMakeUpSchema = z.object({
  /**
   * not-needed: they have a valid confirmed photo, or must not be photographed; campaign: the campaign is still
   * running (they book or come on a listed day); open: go to an outlet by the deadline; deadline-passed: too late;
   * closed: the campaign was closed (no photo can be taken any more: contact the graduate school)
   */
  state: z.enum(['not-needed', 'campaign', 'open', 'deadline-passed', 'closed']),
  /** the day the campaign was closed (its wall clock), or null while it is open */
  closedOn: DateSchema.nullable(),
  term: z.string().nullable(),
  deadline: DateSchema.nullable(),
  opensOn: DateSchema,
  voided: z.boolean(),
  city: z.string(),
  fee: z.number(),
  currency: z.string(),
  outlets: z.array(z.object({ id: z.string(), name: TextSchema, address: z.string(), hours: z.string() })),
});
export type MyMakeUp = z.infer<typeof MyMakeUpSchema>;
