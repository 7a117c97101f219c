import { z } from 'zod';
import { DateSchema, SiteSchema } from './common.js';

/** The capacity planner (issue #3 part 4): a proposed department → day table beside today's. */
export const PlanQuerySchema = z.object({
  /** default: the site's current settings */
  stations: z.coerce.number().int().min(1).max(100).optional(),
  minutesPerStudent: z.coerce.number().int().min(1).max(120).optional(),
});

export const PlanWindowLoadSchema = z.object({ start: z.string(), end: z.string(), load: z.number(), capacity: z.number(), ratio: z.number() });

export const PlanDaySchema = z.object({
  date: DateSchema,
  weekend: z.boolean(),
  departments: z.array(z.object({ name: z.string(), required: z.number(), pinned: z.boolean() })),
  load: z.number(),
  capacity: z.number(),
  windows: z.array(PlanWindowLoadSchema),
});

export const BusiestWindowSchema = z.object({ date: DateSchema, start: z.string(), end: z.string(), load: z.number(), capacity: z.number(), ratio: z.number() }).nullable();

export const PlanResponseSchema = z.object({
  site: SiteSchema,
  stations: z.number(),
  minutesPerStudent: z.number(),
  proposal: z.array(PlanDaySchema),
  busiest: BusiestWindowSchema,
  current: z.object({ table: z.array(PlanDaySchema), busiest: BusiestWindowSchema }),
  /** departments whose day changes */
  moves: z.array(z.object({ name: z.string(), from: DateSchema, to: DateSchema })),
  /** busiest ratio of today's table minus the proposal's (≥ 0) */
  improvement: z.number(),
});
export type PlanResponse = z.infer<typeof PlanResponseSchema>;
