// `gradphoto backup --out FILE [--without-keys --keys-out FILE] [--json]`, `gradphoto backup verify FILE [--keys FILE]
// [--all] [--json]` and `gradphoto restore FILE --data DIR [--keys FILE] [--json]` (issue 11 section 2;
// docs/decisions/0030-backup-restore.md).
import type { Command } from 'commander';
import type { AppConfig } from '../config/config.js';
import { AppError, isAppError } from '../domain/errors.js';
import type { Lang } from '../domain/i18n.js';
import type { RestoreResult, VerifyBackupResult } from '../services/backup.service.js';

// Loaded by the backup commands only (the other commands of `gradphoto` start without it).
const backupService = () => import('../services/backup.service.js');
import type { Actor, ServiceDeps } from '../services/deps.js';
import { EXIT_CODE } from './exit-codes.js';

interface BackupCliContext {
  config(): AppConfig;
  /** the runtime of the configured installation (the data directory and DATABASE_URL) */
  withRuntime<T>(work: (deps: ServiceDeps) => Promise<T>): Promise<T>;
  actor(): Actor;
  /** true when the data directory was given (--data or GRADPHOTO_DATA), not the default ./data */
  dataDirGiven(): boolean;
  lang(): Lang;
}

function json(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

function out(lines: string[]): void {
  process.stdout.write(lines.join('\n') + '\n');
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function printVerify(r: VerifyBackupResult): void {
  const lines = [
    `${r.ok ? '备份完好 / backup OK' : '备份有问题 / backup has PROBLEMS'}: ${r.id} (${r.engine}, ${r.createdAt})`,
    `  文件校验 / checksums: ${r.files.checked} files, ${r.files.problems.length} problems`,
    `  密钥 / keys: ${r.keys === 'included' ? '在备份中 / in the backup' : r.keys === 'separate-file' ? '单独的密钥文件 / separate keys file' : '没有 / none'}`,
    `  数据库 / database: ${r.databaseOpened ? '已打开 / opened' : '未打开（PostgreSQL 备份请加 --scratch-database URL）/ not opened (a PostgreSQL backup needs --scratch-database URL)'}`,
  ];
  if (r.audit) lines.push(`  审计链 / audit chain: ${r.audit.ok ? 'OK' : 'BROKEN'}, ${r.audit.checked} events, ${r.audit.checkpoints} checkpoints`);
  const b = r.blobs;
  lines.push(
    `  照片文件 / blobs: ${b.named} named by rows, ${b.present} present, ${b.missing} missing, ${b.shreddedAfterSnapshot} shredded after the snapshot; ` +
      `${b.decrypted} decrypted (${b.originalsMatched} originals equal to the uploaded bytes), ${b.decryptFailed} failed`,
  );
  for (const p of r.problems) lines.push(`  问题 / problem: ${p}`);
  out(lines);
}

export function addBackupCommands(program: Command, ctx: BackupCliContext): void {
  const backup = program
    .command('backup')
    .description('a backup of the whole installation (database, photo blobs, keys) into one file; `backup verify FILE` checks one')
    .option('--out <file>', 'the backup file to write (never overwritten)')
    .option('--without-keys', 'leave the keys out of the backup: they go to --keys-out, to be kept apart')
    .option('--keys-out <file>', 'with --without-keys: the file the keys go to')
    .option('--json')
    .action(async (opts: { out?: string; withoutKeys?: boolean; keysOut?: string; json?: boolean }) => {
      if (!opts.out) throw new AppError('VALIDATION_FAILED', { params: { detail: ctx.lang() === 'en' ? '--out FILE is required' : '请用 --out FILE 指定备份文件' }, details: { field: 'out' } });
      if (opts.withoutKeys && !opts.keysOut) throw new AppError('VALIDATION_FAILED', { params: { detail: ctx.lang() === 'en' ? '--without-keys needs --keys-out FILE: keys left out of a backup must go somewhere' : '--without-keys 需要 --keys-out FILE：不放进备份的密钥必须另存' }, details: { field: 'keys-out' } });
      if (opts.keysOut && !opts.withoutKeys) throw new AppError('VALIDATION_FAILED', { params: { detail: '--keys-out goes with --without-keys' }, details: { field: 'keys-out' } });
      const cfg = ctx.config();
      const { createBackup, recordBackupEvent, blobsMissingAtBackup } = await backupService();
      const r = await createBackup({ dataDir: cfg.dataDir, databaseUrl: cfg.databaseUrl, masterKey: cfg.masterKey, auditKey: cfg.auditKey, photoKey: cfg.photoKey, blobStoreUrl: cfg.blobStoreUrl, out: opts.out, keysOut: opts.keysOut });
      await ctx.withRuntime((deps) => recordBackupEvent(deps, ctx.actor(), { action: 'backup.created', backup: r }));
      // Blobs named by rows but missing from the store: the file is written (it holds everything else) but the backup
      // is incomplete, and a scheduled job must see it: exit 7 (outside test: it exited 0 with only a warning).
      const missing = blobsMissingAtBackup(r.blobsNotCopied);
      if (missing) process.exitCode = EXIT_CODE.BACKUP_DAMAGED;
      if (opts.json) return json(r);
      const lines = [
        `备份已写入 / backup written: ${r.file} (${mb(r.bytes)}, ${(r.durationMs / 1000).toFixed(1)} s)`,
        `  ${r.engine}: ${r.photos} photos, ${r.blobs - r.blobsNotCopied.length} blobs, audit events up to ${r.auditSeq}`,
        r.keysFile
          ? `  密钥单独保存在 / keys kept apart in: ${r.keysFile} — 丢失密钥即丢失全部照片 / losing the keys loses every photo`
          : '  密钥在备份中：请像保管照片本身一样保管此文件 / the keys are in this file: guard it as you would the photos',
      ];
      const shredded = r.blobsNotCopied.length - missing;
      if (shredded) lines.push(`  ${shredded} blobs were crypto-shredded by a retention run after the snapshot (not copied)`);
      if (missing) lines.push(`  备份不完整 / INCOMPLETE: ${missing} 个照片文件在照片存储中缺失，未能备份 / ${missing} blobs named by rows are missing from the photo store and are not in this backup (exit 7)`);
      out(lines);
    });

  backup
    .command('verify <file>')
    .description('check a backup: every checksum, the database opens, every row\'s blob is there, a sample (or all) decrypts to the uploaded bytes, the audit chain verifies')
    .option('--keys <file>', 'the keys file of a backup made with --without-keys')
    .option('--all', 'decrypt every blob, not a sample')
    .option('--sample <n>', 'photos to decrypt when not --all (default 100)')
    .option('--scratch-database <url>', 'PostgreSQL backups: an EMPTY database to restore the dump into for the checks (emptied afterwards)')
    .option('--json')
    .action(async (file: string, opts: { keys?: string; all?: boolean; sample?: string; scratchDatabase?: string; json?: boolean }) => {
      let sample: number | undefined;
      if (opts.sample !== undefined) {
        if (!/^\d+$/.test(opts.sample) || Number(opts.sample) < 1) throw new AppError('VALIDATION_FAILED', { params: { detail: `--sample: "${opts.sample}" is not a positive whole number` }, details: { field: 'sample', value: opts.sample } });
        sample = Number(opts.sample);
      }
      const { verifyBackup } = await backupService();
      const r = await verifyBackup({ file, keysFile: opts.keys, all: opts.all === true, sample, scratchDatabaseUrl: opts.scratchDatabase });
      // `backup verify FILE --json`: commander gives --json to `backup`, which declares it too
      if (opts.json || backup.opts<{ json?: boolean }>().json) json(r);
      else printVerify(r);
      if (!r.ok) process.exitCode = r.audit && !r.audit.ok && r.problems.length === 1 ? EXIT_CODE.AUDIT_CHAIN_BROKEN : EXIT_CODE.BACKUP_DAMAGED;
    });

  program
    .command('restore <file>')
    .description('restore a backup into an EMPTY data directory (--data DIR) and, for a PostgreSQL backup, an empty database (DATABASE_URL)')
    .option('--keys <file>', 'the keys file of a backup made with --without-keys')
    .option('--json')
    .action(async (file: string, opts: { keys?: string; json?: boolean }) => {
      if (!ctx.dataDirGiven()) throw new AppError('VALIDATION_FAILED', { params: { detail: ctx.lang() === 'en' ? 'give the (empty) directory to restore into: --data DIR' : '请用 --data DIR 指定要恢复到的空目录' }, details: { field: 'data' } });
      const cfg = ctx.config();
      const { restoreBackup, recordBackupEvent } = await backupService();
      // Opens the restored installation as `serve` will (migrations, the keys against the data) and records the restore in
      // its chain; when that fails the restore removes what it wrote, so that it can be run again.
      const afterRestore = (restored: RestoreResult) => ctx.withRuntime((deps) => recordBackupEvent(deps, ctx.actor(), { action: 'backup.restored', restore: restored }));
      const r = await restoreBackup({ file, keysFile: opts.keys, dataDir: cfg.dataDir, databaseUrl: cfg.databaseUrl, blobStoreUrl: cfg.blobStoreUrl, afterRestore }).catch((e: unknown) => {
        const fromEnv = (['GRADPHOTO_MASTER_KEY', 'GRADPHOTO_AUDIT_KEY', 'GRADPHOTO_PHOTO_KEY'] as const).filter((name) => process.env[name]);
        if (isAppError(e) || fromEnv.length === 0) throw e;
        throw new Error(
          `${e instanceof Error ? e.message : String(e)}\n` +
            `恢复未完成，本次写入的内容已删除。环境变量 ${fromEnv.join('、')} 会覆盖备份中恢复的密钥：请取消设置（或设为备份中的密钥）后重试。\n` +
            `The restore did not complete and what it wrote was removed. Key variables in the environment (${fromEnv.join(', ')}) override the keys restored from the backup: unset them (or set them to the backup's keys) and run it again.`,
        );
      });
      if (opts.json) return json(r);
      out([
        `已恢复 / restored: backup ${r.id} into ${r.dataDir}${r.engine === 'postgres' ? ' and the PostgreSQL database of DATABASE_URL' : ''} (${(r.durationMs / 1000).toFixed(1)} s)`,
        `  ${r.photos} photos, ${r.blobs} blobs, audit events up to ${r.auditSeq}`,
        ...(r.blobsMissing ? [`  注意 / NOTE: ${r.blobsMissing} 个照片文件在备份时已缺失，未恢复 / ${r.blobsMissing} blobs were missing when the backup was made and are not restored`] : []),
        `  启动 / start: gradphoto --data ${r.dataDir} serve`,
      ]);
    });
}
