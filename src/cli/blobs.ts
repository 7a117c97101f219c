// `gradphoto blobs migrate --to URL [--json]` (issue 11 section 1; docs/decisions/0029-s3-blob-store.md): copies
// the local photo blobs to an S3-compatible store, each checked, resumable (run it again after an interruption:
// what is already there with the right checksum is skipped), then says how to switch BLOB_STORE_URL. The local
// files are kept until the admin removes them.
import type { Command } from 'commander';
import { loadConfig } from '../config/config.js';
import type { Lang } from '../domain/i18n.js';
import type { BlobMigrationResult } from '../services/blob-migrate.service.js';
import type { Actor, ServiceDeps } from '../services/deps.js';

interface BlobsCliContext {
  withRuntime<T>(work: (deps: ServiceDeps) => Promise<T>): Promise<T>;
  actor(): Actor;
  lang(): Lang;
}

function printResult(r: BlobMigrationResult, url: string): void {
  const lines = [
    `目标 / to: ${r.to}`,
    `已复制 / copied: ${r.copied}（${(r.bytes / 1024 / 1024).toFixed(1)} MB）   已在存储中，跳过 / already there, skipped: ${r.skipped}   缺失 / missing: ${r.missing.length}   共 / of ${r.total}`,
  ];
  if (r.missing.length) {
    lines.push(
      '',
      `以下 ${r.missing.length} 个照片文件在本地目录和对象存储中都不存在，无法迁移 / these ${r.missing.length} blobs are neither in the local directory nor in the store:`,
      ...r.missing.slice(0, 20).map((id) => `  ${id}`),
      ...(r.missing.length > 20 ? [`  … (${r.missing.length - 20} more / 另有 ${r.missing.length - 20} 个)`] : []),
    );
  } else {
    lines.push(
      '',
      '下一步 / next:',
      '  1. 停止所有 gradphoto serve，再运行一次本命令（补齐期间新上传的照片）/ stop every `gradphoto serve` and run this command once more (it copies what arrived meanwhile);',
      `  2. 为每个 gradphoto serve 设置 / set for every \`gradphoto serve\`: BLOB_STORE_URL='${url}' （及 / and AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY），然后启动 / then start them.`,
    );
  }
  lines.push(`本地文件仍保留在 ${r.from}，确认对象存储可提供所有照片后由管理员自行删除 / the local files are kept in ${r.from}: remove them yourself once the store serves every photo.`);
  process.stdout.write(lines.join('\n') + '\n');
}

export function addBlobsCommands(blobs: Command, ctx: BlobsCliContext): void {
  blobs
    .command('migrate')
    .description('copy the local photo blobs to an S3-compatible store (resumable; the local files are kept)')
    .requiredOption('--to <url>', 's3://bucket/prefix?endpoint=…&region=…&forcePathStyle=true (credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { to: string; json?: boolean }, cmd: Command) => {
      // A data directory that does not exist is refused before the runtime would create a new installation there.
      const service = await import('../services/blob-migrate.service.js');
      service.assertBlobMigrationSource(loadConfig(process.env, { dataDir: cmd.optsWithGlobals<{ data?: string }>().data }).dataDir);
      await ctx.withRuntime(async (deps) => {
        let every = 1;
        const r = await service.migrateBlobsToStore(deps, ctx.actor(), {
          to: opts.to,
          onProgress: (p) => {
            every = Math.max(1, Math.floor(p.total / 100));
            if (p.done % every === 0 || p.done === p.total) process.stderr.write(`复制 / copying ${p.done}/${p.total}\n`);
          },
        });
        if (opts.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
        else printResult(r, opts.to);
        if (r.missing.length) process.exitCode = 1;
      });
    });
}
