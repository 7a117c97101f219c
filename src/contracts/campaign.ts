import { z } from 'zod';
import { DateSchema, SiteSchema, TermSchema, TextSchema } from './common.js';

/** An IANA time zone this runtime knows (Asia/Shanghai); Intl refuses any other. */
function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const TimeSchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM');

/** The campaign document: docs/rules/campaign-file.md. */
export const CampaignDefinitionSchema = z
  .object({
    id: z.string().min(1).max(64).regex(/^[A-Za-z0-9._-]+$/),
    name: TextSchema,
    targetTerms: z.array(TermSchema).min(1),
    retakeBefore: TermSchema,
    deferTerms: z.array(TermSchema).default([]),
    timezone: z
      .string()
      .default('Asia/Shanghai')
      .superRefine((tz, ctx) => {
        if (!isTimeZone(tz)) ctx.addIssue({ code: 'custom', message: `unknown time zone: ${tz}`, params: { reason: 'time-zone', value: tz } });
      }),
    price: z.object({
      amount: z.number().nonnegative(),
      currency: z.string(),
      unit: z.string(),
      methods: z.array(z.string()),
    }),
    windows: z.array(z.object({ start: TimeSchema, end: TimeSchema })).min(1),
    sites: z
      .array(z.object({ id: SiteSchema, city: z.string(), rooms: z.array(z.string()), place: z.string() }))
      .min(1),
    weekendDays: z.array(DateSchema).default([]),
    makeUp: z.object({ city: z.string(), where: z.string(), fee: z.number(), deadline: DateSchema.optional(), deadlines: z.record(TermSchema, DateSchema).optional() }),
    days: z.array(z.object({ date: DateSchema, departments: z.array(z.string().min(1)) })).min(1),
    departmentSites: z.record(z.string(), SiteSchema).optional(),
  })
  .superRefine((c, ctx) => {
    for (const field of ['targetTerms', 'deferTerms'] as const) {
      const term = c[field].find((t, i, all) => all.indexOf(t) !== i);
      if (term !== undefined) ctx.addIssue({ code: 'custom', message: `term listed twice: ${term}`, path: [field] });
    }
    const seen = new Set<string>();
    for (const d of c.days) {
      for (const dep of d.departments) {
        if (seen.has(dep)) ctx.addIssue({ code: 'custom', message: `department listed twice: ${dep}`, path: ['days'] });
        seen.add(dep);
      }
    }
  });
export type CampaignDefinitionInput = z.input<typeof CampaignDefinitionSchema>;

export const CampaignDepartmentSchema = z.object({ name: z.string(), day: DateSchema, site: SiteSchema });

export const CampaignSchema = z.object({
  id: z.string(),
  name: TextSchema,
  targetTerms: z.array(TermSchema),
  retakeBefore: TermSchema,
  deferTerms: z.array(TermSchema),
  timezone: z.string(),
  price: z.object({ amount: z.number(), currency: z.string(), unit: z.string(), methods: z.array(z.string()) }),
  windows: z.array(z.object({ start: z.string(), end: z.string() })),
  sites: z.array(z.object({ id: SiteSchema, city: z.string(), rooms: z.array(z.string()), place: z.string() })),
  weekendDays: z.array(DateSchema),
  makeUp: z.object({ city: z.string(), where: z.string(), fee: z.number() }),
  days: z.array(z.object({ date: DateSchema, weekend: z.boolean(), departments: z.array(z.string()) })),
  departments: z.array(CampaignDepartmentSchema),
});
export type Campaign = z.infer<typeof CampaignSchema>;

export const DecisionCountsSchema = z.object({
  required: z.number(),
  excluded: z.number(),
  notInCampaign: z.number(),
  total: z.number(),
});

export const CampaignOverviewSchema = z.object({
  campaignId: z.string(),
  totals: DecisionCountsSchema,
  byRule: z.record(z.string(), z.number()),
  days: z.array(
    z.object({
      date: DateSchema,
      weekend: z.boolean(),
      departments: z.array(z.object({ name: z.string(), site: SiteSchema, counts: DecisionCountsSchema })),
      counts: DecisionCountsSchema,
    }),
  ),
});
export type CampaignOverview = z.infer<typeof CampaignOverviewSchema>;

export const UpdateCampaignTermsRequestSchema = z.object({
  targetTerms: z.array(TermSchema).min(1),
  retakeBefore: TermSchema,
  deferTerms: z.array(TermSchema).default([]),
});
export const UpdateCampaignTermsResponseSchema = z.object({ decisionsChanged: z.number() });
