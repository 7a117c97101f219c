// `gradphoto export registry --recipient KEY.asc [--sign KEY.asc] --out DIR [--pattern P] [--json]`
// (issue 10 section 1, A1; docs/decisions/0023-registry-export.md): one batch of every confirmed, valid, not yet
// exported standard photo, encrypted to the registry's public key. Exit 0 with "nothing to export" when nothing
// is new; a batch left by a killed run is abandoned (its files removed) and built again.
import fs from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import type { RegistryAnswerImport, Retake } from '../contracts/registry-answer.js';
import type { CreateExportResponse } from '../contracts/registry-export.js';
import { AppError } from '../domain/errors.js';
import { campaignDateTime } from '../domain/prints.js';
import type { Lang } from '../domain/i18n.js';
import type { Actor, ServiceDeps } from '../services/deps.js';
import type { KeyInput } from '../services/registry-export.service.js';
// The services are loaded by the command that runs (the other commands of `gradphoto` start without them).
const registryExport = () => import('../services/registry-export.service.js');
const registryAnswer = () => import('../services/registry-answer.service.js');
const getActiveCampaign: typeof import('../services/campaign.service.js').getActiveCampaign = async (...args) => (await import('../services/campaign.service.js')).getActiveCampaign(...args);

/**
 * Tests only: stop (without exiting) after this many photos went into the package and say so on stderr, so that
 * a test can kill -9 the process in the middle of a batch (src/cli/export-registry.cli.test.ts).
 */
export const PAUSE_AFTER_ENV = 'GRADPHOTO_TEST_EXPORT_PAUSE_AFTER';

interface ExportCliContext {
  withRuntime<T>(work: (deps: ServiceDeps) => Promise<T>): Promise<T>;
  actor(): Actor;
  lang(): Lang;
}

function readKeyFile(file: string, lang: Lang): KeyInput {
  const full = path.resolve(file);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(full);
  } catch {
    throw new AppError('VALIDATION_FAILED', { params: { detail: lang === 'en' ? `cannot read the key file ${file}` : `无法读取密钥文件 ${file}` } });
  }
  return { bytes, source: file };
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${(n / 1024).toFixed(1)} KB`;
}

function printHuman(r: CreateExportResponse, outDir: string): void {
  const lines: string[] = [];
  for (const id of r.abandoned) lines.push(`上次中断的一批已放弃并删除其文件，本批重新生成 / an interrupted batch was abandoned (its files removed) and is rebuilt: ${id}`);
  if (!r.export) {
    lines.push('没有需要导出的新照片，也没有需要撤回的照片；未写入任何文件 / nothing to export: no photo confirmed since the last batch, none withdrawn; nothing was written');
  } else {
    const e = r.export;
    lines.push(
      `学信网上传包 / registry package: ${path.join(outDir, e.fileName)}`,
      `  照片 / photos: ${e.photoCount}   撤回 / withdrawn: ${e.withdrawnCount}   ${formatBytes(e.bytes ?? 0)}`,
      `  SHA-256: ${e.sha256}`,
      `  接收方公钥 / recipient key: ${e.recipientFingerprint}`,
      ...(e.signerFingerprint ? [`  签名密钥 / signed with: ${e.signerFingerprint}`] : []),
      `  批次 / batch: ${e.id}`,
    );
  }
  process.stdout.write(lines.join('\n') + '\n');
}

function printAnswer(r: RegistryAnswerImport): void {
  process.stdout.write(
    [
      `学信网反馈已导入 / registry answer imported: ${r.fileName}`,
      `  行数 / rows: ${r.rows}   通过 / accepted: ${r.accepted}   有误 / rejected: ${r.rejected}   此前已导入 / already known: ${r.alreadyKnown}`,
      `  作废的确认（需补拍）/ confirmations voided (need a make-up): ${r.voided}`,
      `  导入 / import: ${r.id}`,
    ].join('\n') + '\n',
  );
}

/** The list for a person: times as the campaign's wall clock (2026-12-04 07:22), as on the page and in the XLSX. */
function printRetakes(items: Retake[], timezone: string): void {
  const at = (iso: string) => campaignDateTime(iso, timezone);
  if (items.length === 0) {
    process.stdout.write('重拍名单为空 / nobody needs a re-take\n');
    return;
  }
  const lines = items.map((i) => [i.studentNo, i.name, i.department, at(i.answeredAt), i.bookedAt ? `已预约 booked ${at(i.bookedAt)}` : '', i.rephotographedAt ? `已重拍 re-photographed ${at(i.rephotographedAt)}` : ''].filter(Boolean).join('  '));
  process.stdout.write([`重拍名单 / re-takes: ${items.length}`, ...lines].join('\n') + '\n');
}

export function addExportCommands(exportCmd: Command, ctx: ExportCliContext): void {
  exportCmd
    .command('registry')
    .description('one batch for the registry (学信网, A1): every confirmed, valid, not yet exported standard photo with manifest.csv, withdrawn.csv and SHA256SUMS, zipped and encrypted with OpenPGP to the recipient\'s public key')
    .requiredOption('--recipient <key.asc>', 'the registry\'s OpenPGP public key (armored or binary)')
    .option('--sign <key.asc>', 'sign with this private key (passphrase in GRADPHOTO_SIGN_PASSPHRASE if it has one)')
    .requiredOption('--out <dir>', 'where the .zip.gpg is written (created if missing)')
    .option('--pattern <pattern>', 'file names in the package: <studentNo> and <department>, ending in .jpg', '<studentNo>.jpg')
    .option('--json')
    .action(async (opts: { recipient: string; sign?: string; out: string; pattern: string; json?: boolean }) => {
      const lang = ctx.lang();
      const recipient = readKeyFile(opts.recipient, lang);
      const signer = opts.sign ? { ...readKeyFile(opts.sign, lang), passphrase: process.env.GRADPHOTO_SIGN_PASSPHRASE || undefined } : undefined;
      const pauseAfter = Number(process.env[PAUSE_AFTER_ENV] ?? 0);
      const showBar = !opts.json && process.stderr.isTTY;
      const bar = new cliProgress.SingleBar({ stream: process.stderr, format: '学信网上传包 / registry package [{bar}] {value}/{total} photos', hideCursor: true }, cliProgress.Presets.shades_classic);
      let started = false;
      const stopBar = () => {
        if (started) bar.stop();
        started = false;
      };
      await ctx.withRuntime(async (deps) => {
        try {
          const r = await (await registryExport()).createRegistryExport(deps, ctx.actor(), {
            recipient,
            signer,
            outDir: opts.out,
            filePattern: opts.pattern,
            onProgress: (p) => {
              if (!showBar) return;
              if (!started) {
                bar.start(p.total, p.done);
                started = true;
              }
              bar.setTotal(p.total);
              bar.update(p.done);
            },
            afterPhoto:
              pauseAfter > 0
                ? async (n) => {
                    if (n !== pauseAfter) return;
                    process.stderr.write(`paused after ${n} photos\n`);
                    await new Promise<void>(() => setInterval(() => {}, 60_000));
                  }
                : undefined,
          });
          stopBar();
          if (opts.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
          else printHuman(r, path.resolve(opts.out));
        } finally {
          stopBar();
        }
      });
    });

  exportCmd
    .command('answer <file>')
    .description('imports the registry\'s answer (学信网反馈, A1): a CSV or XLSX with the student number and the status (通过/accepted or 有误/rejected); all rows or nothing; 有误 voids that photo\'s confirmation (the student needs a make-up)')
    .option('--json')
    .action(async (file: string, opts: { json?: boolean }) => {
      const lang = ctx.lang();
      let size: number;
      try {
        size = fs.statSync(file).size;
      } catch {
        throw new AppError('VALIDATION_FAILED', { params: { detail: lang === 'en' ? `cannot read the file ${file}` : `无法读取文件 ${file}` } });
      }
      const { importRegistryAnswer, MAX_ANSWER_BYTES } = await registryAnswer();
      if (size > MAX_ANSWER_BYTES) throw new AppError('FILE_TOO_LARGE', { params: { limit: `${MAX_ANSWER_BYTES / 1024 / 1024} MB` } });
      const buffer = fs.readFileSync(file);
      await ctx.withRuntime(async (deps) => {
        const r = await importRegistryAnswer(deps, ctx.actor(), { buffer, fileName: path.basename(file) }, lang);
        if (opts.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
        else printAnswer(r);
      });
    });

  exportCmd
    .command('retakes')
    .description('the re-take list: students whose latest registry answer is 有误 and who have no confirmed photo since (→ make-up)')
    .option('--xlsx <file>', 'write it as an .xlsx file')
    .option('--json')
    .action(async (opts: { xlsx?: string; json?: boolean }) => {
      const { exportRetakes, listRetakes } = await registryAnswer();
      await ctx.withRuntime(async (deps) => {
        if (opts.xlsx) {
          const f = await exportRetakes(deps, ctx.actor());
          fs.writeFileSync(opts.xlsx, f.body);
          process.stdout.write(`${path.resolve(opts.xlsx)}\n`);
          return;
        }
        const { items } = await listRetakes(deps, ctx.actor());
        if (opts.json) process.stdout.write(JSON.stringify(items, null, 2) + '\n');
        else printRetakes(items, (await getActiveCampaign(deps)).timezone);
      });
    });
}
