// Eligibility alone for 1,000,000 students in memory: decisions/s, beside a baseline loop that touches
// the same objects without deciding (so the ratio shows the cost of the rules themselves).
import { demoCampaign } from '../src/services/campaign.service.js';
import type { EligibilityFacts } from '../src/domain/eligibility.js';
import { decideEligibility } from '../src/domain/eligibility.js';
import { fmt, median, report, timeRuns } from './lib.js';

const N = Number(process.env.BENCH_ELIGIBILITY_N ?? 1_000_000);

export async function benchEligibility(): Promise<void> {
  const campaign = demoCampaign(new Date());
  const t = campaign.targetTerms;
  const departments = campaign.days.flatMap((d) => d.departments);
  const facts: EligibilityFacts[] = [];
  for (let i = 0; i < N; i++) {
    const k = i % 20;
    facts.push({
      department: departments[i % departments.length]!,
      certificate: k === 0 ? 'single' : 'dual',
      expectedTerm: k === 1 ? '2030-01' : t[i % t.length]!,
      finish: k === 2 ? 'complete' : 'graduate',
      studyCity: k === 3 ? 'shenzhen' : null,
      priorCaptureTerm: k === 4 ? campaign.retakeBefore : null,
      deferredTo: k === 5 ? campaign.deferTerms[0]! : null,
      convertingFromCompletion: k === 6,
    });
  }
  let sink = 0;
  const baseline = median(
    await timeRuns(5, () => {
      for (const f of facts) sink += f.expectedTerm.length + f.department.length;
    }),
  );
  const decide = median(
    await timeRuns(5, () => {
      for (const f of facts) sink += decideEligibility(f, campaign).decision.length;
    }),
  );
  if (sink === 0) throw new Error('unreachable');
  report({
    name: `eligibility for ${fmt(N)} students in memory`,
    figure: `${fmt((N / decide) * 1000)} decisions/s (median ${fmt(decide)} ms of 5; each with rule, site and zh/en reason)`,
    baseline: `a loop reading the same objects: ${fmt(baseline, 1)} ms`,
    ratio: `${fmt(decide / baseline, 1)}× the bare loop`,
    raw: { n: N, decideMs: decide, baselineMs: baseline },
  });
}
