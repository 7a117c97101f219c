// `gradphoto retention run [--dry-run] [--json]`, `gradphoto retention policy [--originals-days N] [--standard-days N]`,
// `gradphoto retention record --out FILE` and `gradphoto campaign close [--dry-run] [--json]` (issue 10 section 5,
// A3; docs/decisions/0027-retention.md).
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline/promises';
import type { Command } from 'commander';
import type { CampaignClosePreview, ClosingReport, RetentionPreview, RunRetentionResponse } from '../contracts/retention.js';
import { AppError } from '../domain/errors.js';
import type { Lang } from '../domain/i18n.js';
// The services are loaded by the command that runs (the other commands of `gradphoto` start without them).
const campaignClose = () => import('../services/campaign-close.service.js');
const recordOfProcessing = () => import('../services/record-of-processing.service.js');
const retentionService = () => import('../services/retention.service.js');
import type { Actor, ServiceDeps } from '../services/deps.js';

interface RetentionCliContext {
  withRuntime<T>(work: (deps: ServiceDeps) => Promise<T>): Promise<T>;
  actor(): Actor;
  lang(): Lang;
}

function out(lines: string[]): void {
  process.stdout.write(lines.join('\n') + '\n');
}

function json(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function countsLine(c: { originals: number; standards: number; photos: number; bytes: number }): string {
  return `原始照片 / camera originals: ${c.originals}   标准照片 / standard photos: ${c.standards}   照片 / photos: ${c.photos}   ${mb(c.bytes)}`;
}

function printPreview(p: RetentionPreview): void {
  out([
    '预览（未删除任何内容）/ dry run (nothing was deleted):',
    `  ${countsLine(p.counts)}`,
    `  确认早于 / confirmed before: ${p.originalsConfirmedBefore}   接收并交付早于 / accepted and handed over before: ${p.standardsServedBefore}`,
    ...(p.filesPending > 0 ? [`  密钥已销毁、文件待删除 / files whose key is destroyed, still on disk: ${p.filesPending}`] : []),
  ]);
}

function printRun(r: RunRetentionResponse): void {
  out([
    `已按保留策略删除（密钥已销毁，文件已删除）/ purged (keys destroyed, files removed): run ${r.run.id}`,
    `  ${countsLine(r.run.counts)}`,
    `  删除文件 / files removed: ${r.run.filesRemoved}${r.leftoverFilesRemoved > 0 ? `（其中上次中断遗留 / of which left by an interrupted run: ${r.leftoverFilesRemoved}）` : ''}`,
  ]);
}

function printReport(r: ClosingReport): void {
  const lines = [`关闭报告 / closing report: ${r.campaignName} (${r.campaignId})${r.closedAt ? `, closed ${r.closedAt}` : ''}`];
  lines.push('  院系 / department: required photographed confirmed exported accepted printed handedOver');
  for (const d of r.departments) lines.push(`  ${d.department}: ${d.required} ${d.photographed} ${d.confirmed} ${d.exported} ${d.accepted} ${d.printed} ${d.handedOver}`);
  const t = r.totals;
  lines.push(`  合计 / total: ${t.required} ${t.photographed} ${t.confirmed} ${t.exported} ${t.accepted} ${t.printed} ${t.handedOver}`);
  lines.push(`  上传包 / registry packages: ${r.exports.batches} (${r.exports.photos} photos, ${r.exports.withdrawn} withdrawn)`);
  lines.push(`  缴费 / payments: ${r.payments.count}, ${(r.payments.sumFen / 100).toFixed(2)} 元`);
  lines.push(`  删除 / purged: ${countsLine(r.purged)}   身份信息 / identities: ${r.purged.identities}`);
  if (r.forcedReason) lines.push(`  强制关闭原因 / closed despite open make-ups: ${r.forcedReason}`);
  out(lines);
}

function printClosePreview(p: CampaignClosePreview): void {
  if (p.closed) {
    out([`采集活动已于 ${p.closedAt} 关闭 / the campaign was closed on ${p.closedAt}`]);
    printReport(p.report);
    return;
  }
  const lines = ['预览（未关闭，未删除任何内容）/ dry run (nothing closed, nothing deleted):'];
  for (const b of p.blockers) lines.push(`  未完成 / open: ${b.kind} × ${b.count}${b.until ? ` (until ${b.until})` : ''}`);
  if (p.blockers.length === 0) lines.push('  没有未完成的事项 / nothing open');
  lines.push(`  关闭将删除 / closing would purge: ${countsLine(p.wouldPurge)}   身份信息 / identities: ${p.wouldPurge.identities}`);
  out(lines);
  printReport(p.report);
}

function parseDays(value: string, flag: string): number {
  const n = Number(value);
  if (!/^-?\d+(\.\d+)?$/.test(value.trim())) throw new AppError('RETENTION_DAYS_INVALID', { params: { fieldZh: flag, fieldEn: flag, value }, details: { field: flag, value } });
  return n;
}

export function addRetentionCommands(retention: Command, campaignCmd: Command, ctx: RetentionCliContext): void {
  retention
    .command('run')
    .description('one purge by the retention policy: keys destroyed (crypto-shredding), then files removed; one audit event with the counts')
    .option('--dry-run', 'only say what would be deleted; writes nothing')
    .option('--json')
    .action(async (opts: { dryRun?: boolean; json?: boolean }) => {
      await ctx.withRuntime(async (deps) => {
        if (opts.dryRun) {
          const preview = await (await retentionService()).previewRetentionRun(deps, ctx.actor());
          if (opts.json) json(preview);
          else printPreview(preview);
          return;
        }
        const result = (await (await retentionService()).runRetention(deps, ctx.actor(), { trigger: 'cli' }))!;
        if (opts.json) json(result);
        else printRun(result);
      });
    });

  retention
    .command('policy')
    .description('show the retention policy, or change it (whole days 0–3650)')
    .option('--originals-days <n>', 'camera originals: days after the confirmation')
    .option('--standard-days <n>', 'standard photos: days after the registry accepted them and the prints were handed over')
    .option('--json')
    .action(async (opts: { originalsDays?: string; standardDays?: string; json?: boolean }) => {
      const lang = ctx.lang();
      await ctx.withRuntime(async (deps) => {
        const { getRetentionPolicy, updateRetentionPolicy } = await retentionService();
        let policy = await getRetentionPolicy(deps, ctx.actor(), lang);
        if (opts.originalsDays !== undefined || opts.standardDays !== undefined) {
          policy = await updateRetentionPolicy(
            deps,
            ctx.actor(),
            {
              originalsDays: opts.originalsDays === undefined ? policy.originalsDays : parseDays(opts.originalsDays, '--originals-days'),
              standardDays: opts.standardDays === undefined ? policy.standardDays : parseDays(opts.standardDays, '--standard-days'),
            },
            lang,
          );
        }
        if (opts.json) json(policy);
        else out([`保留策略 / retention policy (${policy.campaignId}): originals ${policy.originalsDays} d, standard photos ${policy.standardDays} d`, ...policy.sentences.map((s) => `  ${s}`)]);
      });
    });

  retention
    .command('record')
    .description('the record of processing (个人信息处理活动记录): PDF, or JSON when FILE ends in .json')
    .requiredOption('--out <file>', 'where to write it (.pdf or .json)')
    .option('--json', 'print a summary as JSON')
    .action(async (opts: { out: string; json?: boolean }) => {
      const lang = ctx.lang();
      const format = opts.out.toLowerCase().endsWith('.json') ? 'json' : 'pdf';
      await ctx.withRuntime(async (deps) => {
        const file = await (await recordOfProcessing()).generateRecordOfProcessing(deps, ctx.actor(), lang, format);
        const target = path.resolve(opts.out);
        fs.writeFileSync(target, file.pdf ?? JSON.stringify(file.json, null, 2) + '\n', { mode: 0o600 });
        if (opts.json) json({ file: target, format, counts: file.json.counts });
        else out([`个人信息处理活动记录 / record of processing: ${target}`]);
      });
    });

  campaignCmd
    .command('close')
    .description('close the active campaign: refuses while a registry package builds or hand-overs are open; purges ID numbers, contact details, originals and served photos; prints the closing report')
    .option('--dry-run', 'only show what is open and what would be purged; writes nothing')
    .option('--confirm <campaignId>', 'the campaign id (asked for on a terminal when missing)')
    .option('--force', 'close although students may still have a make-up or confirmed photos are not yet exported (needs --reason)')
    .option('--reason <text>', 'why closing with open make-ups')
    .option('--json')
    .action(async (opts: { dryRun?: boolean; confirm?: string; force?: boolean; reason?: string; json?: boolean }) => {
      const lang = ctx.lang();
      await ctx.withRuntime(async (deps) => {
        const preview = await (await campaignClose()).previewCampaignClose(deps, ctx.actor(), lang);
        if (opts.dryRun) {
          if (opts.json) json(preview);
          else printClosePreview(preview);
          return;
        }
        let confirm = opts.confirm;
        if (confirm === undefined && !preview.closed && process.stdin.isTTY) {
          const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
          confirm = await rl.question(`关闭后将删除身份证件号码、联系方式和原始照片，无法恢复。请输入采集活动编号“${preview.campaignId}”确认 / this deletes ID numbers, contact details and originals for good; type the campaign id to confirm: `);
          rl.close();
        }
        const result = await (await campaignClose()).closeCampaign(deps, ctx.actor(), { confirm: confirm ?? '', ...(opts.force ? { force: true } : {}), ...(opts.reason ? { reason: opts.reason } : {}) }, lang);
        if (opts.json) json(result);
        else {
          if (result.alreadyClosed) out([`采集活动已关闭（${result.report.closedAt}），无需再次关闭 / the campaign is already closed (${result.report.closedAt})`]);
          printReport(result.report);
        }
      });
    });
}
