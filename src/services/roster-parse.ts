/**
 * Reads and validates a whole roster file, row by row. This runs inside the roster worker thread
 * (roster-worker.ts): a hostile file costs that thread, never the event loop that answers everyone
 * else (issue 8 finding 6). Valid students are handed to `onStudents` in batches as they are read,
 * so neither thread holds a copy of the whole roster twice.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { OpenedRosterFile, RosterSource } from '../adapters/roster-file.js';
import { openRosterFile } from '../adapters/roster-file.js';
import type { RosterLimits } from '../adapters/roster-limits.js';
import type { CampaignDefinition } from '../domain/campaign.js';
import type { EligibilityResult } from '../domain/eligibility.js';
import { decideEligibility } from '../domain/eligibility.js';
import type { RosterField, RosterIssue, RosterStudent } from '../domain/roster.js';
import { campaignDepartmentSet, fieldLabel, fileIssue, mapHeaders, rowIssue, validateRosterRow } from '../domain/roster.js';

/** At most this many problems are kept and listed; the count covers all of them. */
export const MAX_LISTED_ISSUES = 10_000;
/** Students handed over per batch (one structured clone each between the threads). */
const STUDENT_BATCH = 1_000;

export interface ParsedRosterStudent {
  row: number;
  student: RosterStudent;
  decision: EligibilityResult;
}

/** Everything about a parsed file except its students (those go to `onStudents`). */
export interface ParsedRosterSummary {
  format: OpenedRosterFile['format'];
  encoding: string | null;
  sha256: string;
  rows: number;
  issues: RosterIssue[];
  issueCount: number;
  unknownColumns: string[];
}

export type ProgressListener = (p: { phase: 'parse' | 'write'; done: number; total?: number }) => void;

export interface ParseRosterOptions {
  maxBytes?: number | undefined;
  limits?: Partial<RosterLimits> | undefined;
  onProgress?: ProgressListener | undefined;
}

async function sha256Of(source: RosterSource): Promise<string> {
  const hash = crypto.createHash('sha256');
  if ('buffer' in source) return hash.update(source.buffer).digest('hex');
  for await (const chunk of fs.createReadStream(source.path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Every problem is collected, not only the first (issue 8 finding 13): a row is checked in full, and a
 * student number is compared with every earlier row, valid or not. The caller writes nothing unless
 * there are none (all-or-nothing).
 */
export async function parseRosterFile(
  source: RosterSource,
  campaign: CampaignDefinition,
  onStudents: (batch: ParsedRosterStudent[]) => void,
  opts: ParseRosterOptions = {},
): Promise<ParsedRosterSummary> {
  const file = await openRosterFile(source, { ...(opts.maxBytes ? { maxBytes: opts.maxBytes } : {}), ...(opts.limits ? { limits: opts.limits } : {}) });
  const mapping = mapHeaders(file.headers);
  const issues: RosterIssue[] = [];
  let issueCount = 0;
  const report = (issue: RosterIssue) => {
    issueCount++;
    if (issues.length < MAX_LISTED_ISSUES) issues.push(issue);
  };
  for (const field of mapping.missing) {
    const label = fieldLabel(field);
    report(
      fileIssue(
        {
          zh: `缺少必填列 “${label.zh}”（第 ${file.headerRow} 行应为表头）`,
          en: `Missing required column "${label.en}" (row ${file.headerRow} should be the header)`,
        },
        label.zh,
      ),
    );
  }
  for (const header of mapping.duplicated) {
    report(fileIssue({ zh: `第 ${file.headerRow} 行: 列 “${header}” 重复`, en: `Row ${file.headerRow}: column "${header}" appears twice` }, header));
  }

  const ctx = { departments: campaignDepartmentSet(campaign), headerText: mapping.headerText };
  const studentNoHeader = mapping.headerText.get('studentNo') ?? '学号';
  /** student number → the first row that has it, whether that row is valid or not */
  const firstRowOf = new Map<string, number>();
  let batch: ParsedRosterStudent[] = [];
  let rows = 0;
  for await (const { row, cells } of file.rows) {
    rows++;
    if (mapping.missing.length > 0) continue; // the missing columns are the error; rows can't be read
    const byField: Partial<Record<RosterField, string>> = {};
    for (const [index, field] of mapping.columns) byField[field] = cells[index] ?? '';
    const result = validateRosterRow(row, byField, ctx);
    if (!result.ok) result.issues.forEach(report);
    const studentNo = (byField.studentNo ?? '').trim();
    const first = studentNo === '' ? undefined : firstRowOf.get(studentNo);
    if (first !== undefined) report(rowIssue(row, studentNoHeader, studentNo, 'duplicateStudentNo', { other: first }));
    else if (studentNo !== '') firstRowOf.set(studentNo, row);
    if (result.ok && first === undefined) {
      batch.push({ row, student: result.student, decision: decideEligibility(result.student, campaign) });
      if (batch.length >= STUDENT_BATCH) {
        onStudents(batch);
        batch = [];
      }
    }
    if (opts.onProgress && rows % 5000 === 0) opts.onProgress({ phase: 'parse', done: rows });
  }
  if (batch.length > 0) onStudents(batch);
  opts.onProgress?.({ phase: 'parse', done: rows });
  if (rows === 0 && mapping.missing.length === 0) {
    report(fileIssue({ zh: '名单中没有学生（表头下没有数据行）', en: 'The roster holds no students (no rows below the header)' }));
  }
  return {
    format: file.format,
    encoding: file.encoding,
    sha256: await sha256Of(source),
    rows,
    issues,
    issueCount,
    unknownColumns: mapping.unknown,
  };
}
