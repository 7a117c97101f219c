import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline/promises';
import { fileURLToPath } from 'node:url';
import cliProgress from 'cli-progress';
import { Command, CommanderError, Option } from 'commander';
import { loadConfig } from '../config/config.js';
import type { AppConfig } from '../config/config.js';
import { CreateUserRequestSchema, UpdateUserRequestSchema } from '../contracts/user.js';
import { AppError, isAppError, schemaIssues } from '../domain/errors.js';
import type { Lang } from '../domain/i18n.js';
import { translateAppError, translateError } from '../domain/i18n.js';
import { wallClockOf } from '../domain/wall-clock.js';
import { startAuditCheckpoints, verifyAuditChain } from '../services/audit.service.js';
import { purgeIdempotencyKeys } from '../services/change.js';
import { demoCampaign, ensureActiveCampaign, findActiveCampaign, loadCampaign, parseCampaignDefinition, toCampaignView } from '../services/campaign.service.js';
import type { Actor, ServiceDeps } from '../services/deps.js';
import { cliActor, SYSTEM } from '../services/deps.js';
import type { ProgressListener } from '../services/roster.service.js';
import type * as RosterService from '../services/roster.service.js';
import { openRuntime, peekActiveCampaign } from '../services/runtime.js';
import { createUser, ensureFirstAdmin, listUsers, updateUser } from '../services/user.service.js';
import { EXIT_CODE } from './exit-codes.js';
import { addStationWatchCommand } from './station-watch.js';
import { addExportCommands } from './export-registry.js';
import { addRetentionCommands } from './retention.js';
import { addBlobsCommands } from './blobs.js';
import { addBackupCommands } from './backup.js';
import { acquireServeLock, explainStartFailure } from './serve-start.js';

// Services only some commands use are loaded by those commands, so that `gradphoto users add` (which tests and
// scripts spawn many times) starts without the roster parser, the photo, payment, reminder and retention code.
const lazy = {
  auth: () => import('../services/auth.service.js'),
  demo: () => import('../services/demo.service.js'),
  jobs: () => import('../services/job-runner.js'),
  payment: () => import('../services/payment.service.js'),
  photo: () => import('../services/photo.service.js'),
  planner: () => import('../services/planner.service.js'),
  reminders: () => import('../services/reminder.service.js'),
  retention: () => import('../services/retention.service.js'),
  roster: () => import('../services/roster.service.js'),
  signinLinks: () => import('../services/signin-link.service.js'),
};

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

interface GlobalOptions {
  data?: string;
  lang: Lang;
}

const program = new Command();
program
  .name('gradphoto')
  .description('研究生学历学位证书图像采集 — graduate diploma-photo campaign')
  .option('--data <dir>', 'data directory (SQLite file, keys); default $GRADPHOTO_DATA or ./data')
  .addOption(new Option('--lang <lang>', 'language of messages').choices(['zh', 'en']).default(process.env.GRADPHOTO_LANG === 'en' ? 'en' : 'zh'))
  .showHelpAfterError()
  // A usage error (a missing option or argument, an unknown option) is bad input: exit 2, and with --json the
  // error body on stdout, not commander's text (outside test M7). Inherited by every command defined below.
  .exitOverride()
  .configureOutput({ writeErr: (text) => void (process.argv.includes('--json') ? undefined : process.stderr.write(text)) });

function globals(): GlobalOptions {
  return program.opts<GlobalOptions>();
}

function config(): AppConfig {
  return loadConfig(process.env, { dataDir: globals().data });
}

async function withRuntime<T>(work: (deps: ServiceDeps, cfg: AppConfig) => Promise<T>): Promise<T> {
  const cfg = config();
  const deps = await openRuntime({ dataDir: cfg.dataDir, databaseUrl: cfg.databaseUrl, masterKey: cfg.masterKey, auditKey: cfg.auditKey, auditCheckpointUrl: cfg.auditCheckpointUrl, photoKey: cfg.photoKey, blobStoreUrl: cfg.blobStoreUrl, mail: { smtpUrl: cfg.smtpUrl, from: cfg.mailFrom }, publicUrl: cfg.publicUrl ?? `http://localhost:${cfg.port}` });
  try {
    return await work(deps, cfg);
  } finally {
    await deps.close();
  }
}

function actor(): Actor {
  return cliActor(os.userInfo().username);
}

function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function progressBar(enabled: boolean): { listener: ProgressListener | undefined; stop(): void } {
  if (!enabled || !process.stderr.isTTY) return { listener: undefined, stop: () => {} };
  const bar = new cliProgress.SingleBar({ stream: process.stderr, format: '{phase} [{bar}] {value} rows', hideCursor: true }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    listener: (p) => {
      if (!started) {
        bar.start(p.total ?? p.done, p.done, { phase: p.phase });
        started = true;
      }
      if (p.total) bar.setTotal(p.total);
      else if (p.done > bar.getTotal()) bar.setTotal(p.done);
      bar.update(p.done, { phase: p.phase === 'parse' ? '读取 / reading' : '写入 / writing' });
    },
    stop: () => started && bar.stop(),
  };
}

// ---- serve ----------------------------------------------------------------------------------------

program
  .command('serve')
  .description('start the server (API + web app) on $PORT (default 8080)')
  .option('--port <port>', 'port (overrides $PORT)')
  .action(async (opts: { port?: string }) => {
    // A failure before the server listens is said in both languages, naming the setting to change (serve-start.ts).
    let lock: { release(): void; note(url: string): void } | null = null;
    try {
      await serve(opts, (l) => (lock = l));
    } catch (e) {
      (lock as { release(): void } | null)?.release();
      throw explainStartFailure(e, { port: opts.port ? Number(opts.port) : Number(process.env.PORT ?? 8080), host: process.env.HOST, dataDir: path.resolve(globals().data ?? process.env.GRADPHOTO_DATA ?? 'data') });
    }
  });

/** How long a stop asked for during the start waits for the start to finish (see serve). */
const START_STOP_WAIT_MS = 10_000;

async function serve(opts: { port?: string }, locked: (lock: { release(): void; note(url: string): void }) => void): Promise<void> {
    const cfg = config();
    // One listener per signal for the life of the process, which changes what it does once the server runs. Swapping
    // listeners loses a signal that arrives while the start-up's last synchronous steps run: libuv queues it for
    // the listener's handle, and removing that listener closes the handle with the signal still queued (the
    // server then ran on, about one SIGTERM in five sent right after "is running").
    // Ctrl-C while starting: the server stops as soon as it has started (exiting in the middle of the start could
    // abort the process: the photo analysis thread may be loading ONNX Runtime and sharp, whose native code aborts
    // when its thread is torn down under it). A second Ctrl-C exits at once (the lock is released by its own 'exit'
    // listener; the migrations are one transaction, so nothing is left half-done).
    // A start that hangs (a database that accepts the connection and never answers) is left after 10 s.
    let stopRequested = false;
    let onSignal: () => void = () => {
      if (stopRequested) process.exit(130);
      stopRequested = true;
      process.stderr.write(
        `正在启动：启动完成后即停止，${START_STOP_WAIT_MS / 1000} 秒内未完成则直接退出（再次发送停止信号或按 Ctrl-C 立即退出）/ stopping as soon as started, or in ${START_STOP_WAIT_MS / 1000} s if the start has not finished (a second signal or Ctrl-C quits at once)\n`,
      );
      setTimeout(() => process.exit(130), START_STOP_WAIT_MS).unref();
    };
    const signalled = () => onSignal();
    process.on('SIGINT', signalled);
    process.on('SIGTERM', signalled);
    // One server per SQLite data directory; several processes share a PostgreSQL database instead.
    const lock = cfg.databaseUrl ? null : acquireServeLock(cfg.dataDir);
    if (lock) locked(lock);
    const deps = await openRuntime({ dataDir: cfg.dataDir, databaseUrl: cfg.databaseUrl, masterKey: cfg.masterKey, auditKey: cfg.auditKey, auditCheckpointUrl: cfg.auditCheckpointUrl, photoKey: cfg.photoKey, blobStoreUrl: cfg.blobStoreUrl, photoAnalysis: 'thread', orphanGraceMinutes: cfg.orphanGraceMinutes, auth: { sessionIdleMinutes: cfg.sessionIdleMinutes, sessionAbsoluteHours: cfg.sessionAbsoluteHours, maxLiveStreamsPerUser: cfg.liveStreamsPerUser }, oidc: cfg.oidc, mail: { smtpUrl: cfg.smtpUrl, from: cfg.mailFrom }, publicUrl: cfg.publicUrl ?? `http://localhost:${opts.port ?? cfg.port}` });
    const [{ purgeExpiredAuthRecords }, { purgeFinishedJobs, startJobRunner }, { purgeSigninLinks }, { sweepOrphanBlobs }, { startRetentionScheduler }, { runReminders }] = await Promise.all([
      lazy.auth(),
      lazy.jobs(),
      lazy.signinLinks(),
      lazy.photo(),
      lazy.retention(),
      lazy.reminders(),
    ]);
    // The photo analysis thread loads sharp, ONNX Runtime and the face model now, beside the rest of the start-up,
    // and not on the first upload after a restart (T10: issue 11 section 3). A failure is the first upload's to report.
    const warm = deps.photos.warmUp().catch((e: unknown) => e);
    const { campaign, created } = await ensureActiveCampaign(deps, SYSTEM);
    await purgeExpiredAuthRecords(deps);
    await purgeIdempotencyKeys(deps);
    await Promise.all([purgeFinishedJobs(deps), purgeSigninLinks(deps)]);
    // Blobs of uploads interrupted before their row was committed (kill -9, power cut): issue #4 part 7.
    await sweepOrphanBlobs(deps, SYSTEM);
    // The address users open is also the origin state-changing requests may come from (as for mail links).
    // Fastify and every route (~0.3–0.5 s to load) only for `serve`: the other commands start without them.
    const { buildApp } = await import('../http/app.js');
    const app = await buildApp({ deps, config: { ...cfg, publicUrl: deps.publicUrl }, webRoot: path.join(REPO_ROOT, 'dist', 'web') });
    // Costs of a first use, paid here at start-up and not by whoever asks first (T10: issue 11 section 3): the
    // campaign's clock (ICU loads the time zone: ~25 ms), and one request through the whole stack (Node loads
    // its fetch internals, ~20 ms, on the first reply the compression hook looks at; hooks, logger and
    // serializers compile on first use).
    // A warm-up that fails (a campaign stored with a zone this runtime does not know) is the first request's to report.
    try {
      wallClockOf(Date.now(), campaign.timezone);
      await app.inject({ method: 'GET', url: '/api/health' });
    } catch (e) {
      app.log.warn({ err: e }, 'start-up warm-up failed');
    }
    const port = opts.port ? Number(opts.port) : cfg.port;
    const address = await app.listen({ port, host: cfg.host }).catch(async (e: unknown) => {
      await app.close().catch(() => undefined);
      await deps.close().catch(() => undefined);
      throw e;
    });
    const url = address.replace('127.0.0.1', 'localhost');
    lock?.note(url);
    // The first admin is made once the server listens, so that a start that fails before (a busy port) does not
    // make an account whose password was never shown.
    const admin = await ensureFirstAdmin(deps, SYSTEM);
    const lines = [
      '',
      `gradphoto 已启动 / is running: ${url}`,
      `数据 / data: ${cfg.databaseUrl ? 'PostgreSQL' : cfg.dataDir}`,
      `照片存储 / photo store: ${deps.photos.blobs.location}`,
      `采集活动 / campaign: ${campaign.name.zh}${created ? '（演示活动已载入 / demo campaign loaded）' : ''}`,
    ];
    if (admin) {
      lines.push(
        '',
        '首个管理员账号（密码只显示这一次，请登录后修改）/ first admin login (the password is shown only this once):',
        `  用户名 / username: ${admin.username}`,
        `  密码 / password:   ${admin.password}`,
      );
    }
    process.stdout.write(lines.join('\n') + '\n\n');
    void warm.then((e) => e && app.log.warn({ err: e }, 'the photo analysis did not load; uploads will try again'));
    const timer = setInterval(() => void purgeExpiredAuthRecords(deps).catch((e) => app.log.error(e)), 3_600_000);
    timer.unref();
    // Idempotency-Key answers are replayed for 24 h, then forgotten.
    // … and, in the same hourly purge, mail jobs finished 30 days ago and expired sign-in links (docs/decisions/0007).
    const idemTimer = setInterval(() => void Promise.all([purgeIdempotencyKeys(deps), purgeFinishedJobs(deps), purgeSigninLinks(deps)]).catch((e) => app.log.error(e)), 3_600_000);
    idemTimer.unref();
    // Reminders and other mail: a scheduler pass and the due jobs every minute (issue #3 part 7; docs/decisions/0007).
    const mailRunner = deps.mailer
      ? startJobRunner(() => runReminders(deps, SYSTEM, { log: app.log }), { intervalMs: 60_000, onError: (e) => app.log.error(e) })
      : (app.log.warn('SMTP_URL is not set: reminders and sign-in links are queued but not sent'), null);
    // Audit checkpoints outside the database: due after 100 events or 5 minutes, looked for every 30 s
    // (docs/decisions/0002); deps.close() writes a last one at shutdown.
    // Retention (issue 10 section 5, A3): a purge by the policy once a day; one serve process of several runs it.
    const retentionScheduler = startRetentionScheduler(deps, SYSTEM, { onError: (e) => app.log.error({ code: (e as { code?: unknown }).code ?? 'INTERNAL' }, 'retention run failed') });
    const checkpoints = startAuditCheckpoints(deps, 30_000, (r) =>
      r instanceof Error ? app.log.error(r) : app.log.error({ problem: r.problem, sinkError: r.sinkError }, 'audit checkpoint'),
    );
    const stop = async () => {
      clearInterval(timer);
      clearInterval(idemTimer);
      checkpoints.stop();
      await retentionScheduler.stop();
      await mailRunner?.stop();
      await app.close();
      await deps.close();
      process.exit(0); // releases the lock (its 'exit' listener)
    };
    // the first signal stops gracefully; a second one while stopping exits at once
    onSignal = () => {
      onSignal = () => process.exit(130);
      void stop();
    };
    if (stopRequested) onSignal();
}

// ---- demo -----------------------------------------------------------------------------------------

program
  .command('demo')
  .description('load the demo campaign and a realistic synthetic roster covering every eligibility case')
  .option('--students <n>', 'number of synthetic students', '500')
  .option('--as-published', "the notice's original dates (2023) instead of dates moved forward")
  .option('--json', 'print the result as JSON')
  .action(async (opts: { students: string; asPublished?: boolean; json?: boolean }) => {
    const n = Number(opts.students);
    if (!Number.isInteger(n) || n < 0 || n > 1_000_000) throw new AppError('VALIDATION_FAILED', { params: { detail: `--students ${opts.students}` } });
    await withRuntime(async (deps) => {
      const wanted = demoCampaign(deps.clock(), opts.asPublished === true);
      const active = await findActiveCampaign(deps);
      if (!active || active.id !== wanted.id || JSON.stringify(active.days) !== JSON.stringify(wanted.days)) await loadCampaign(deps, actor(), wanted);
      const result = n > 0 ? await (await lazy.demo()).loadDemoRoster(deps, actor(), wanted, n, globals().lang) : null;
      if (opts.json) printJson({ campaign: wanted.id, firstDay: wanted.days[0]?.date, targetTerms: wanted.targetTerms, import: result });
      else {
        process.stdout.write(`采集活动 / campaign ${wanted.id}: ${wanted.days[0]?.date} … ${wanted.days.at(-1)?.date}, terms ${wanted.targetTerms.join(', ')}\n`);
        if (result) process.stdout.write(`演示名单 / demo roster: ${JSON.stringify(result.summary)}\n`);
      }
    });
  });

// ---- eligibility ----------------------------------------------------------------------------------

program
  .command('eligibility <file>')
  .description('decide a roster file (.csv/.xlsx) without storing anything')
  .option('--campaign <file>', 'campaign JSON (docs/rules/campaign-file.md; default: the data directory’s active campaign)')
  .option('--json', 'print a JSON array of { studentNo, decision, rule, site }')
  .action(async (file: string, opts: { campaign?: string; json?: boolean }) => {
    const lang = globals().lang;
    let campaign;
    if (opts.campaign) {
      campaign = readCampaignFile(opts.campaign);
    } else {
      const cfg = config();
      campaign = (await peekActiveCampaign({ dataDir: cfg.dataDir, databaseUrl: cfg.databaseUrl, masterKey: cfg.masterKey })) ?? demoCampaign(new Date());
    }
    ensureReadable(file);
    const { decideRosterFile, translateIssues } = await lazy.roster();
    const { parsed, items } = await decideRosterFile({ path: file }, campaign);
    if (parsed.issueCount > 0) {
      const errors = translateIssues(parsed.issues, lang);
      if (opts.json) printJson(errors);
      else {
        process.stderr.write(translateError('ROSTER_INVALID', { count: parsed.issueCount }, lang) + '\n');
        for (const e of errors) process.stderr.write(`  ${e.message}\n`);
      }
      process.exitCode = 2;
      return;
    }
    if (opts.json) printJson(items);
    else {
      for (const i of items) process.stdout.write(`${i.studentNo}\t${i.decision}\t${i.rule ?? '-'}\t${i.site}\n`);
      const counts = items.reduce<Record<string, number>>((acc, i) => ((acc[i.decision] = (acc[i.decision] ?? 0) + 1), acc), {});
      process.stderr.write(`${items.length} students: ${JSON.stringify(counts)}\n`);
    }
  });

/** A campaign document (docs/rules/campaign-file.md); unreadable or invalid → exit 2 with the reason. */
function readCampaignFile(file: string) {
  ensureReadable(file);
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new AppError('VALIDATION_FAILED', { params: { detail: `${file}: ${(e as Error).message}` } });
  }
  return parseCampaignDefinition(json);
}

function ensureReadable(file: string): void {
  const en = globals().lang === 'en';
  if (!fs.existsSync(file)) throw new AppError('VALIDATION_FAILED', { params: { detail: en ? `no such file: ${file}` : `文件不存在：${file}` } });
  if (!fs.statSync(file).isFile()) {
    throw new AppError('VALIDATION_FAILED', { params: { detail: en ? `${file} is a folder, not a file: name one file in it` : `${file} 是文件夹，不是文件：请指定其中的一个文件` } });
  }
}

// ---- roster ---------------------------------------------------------------------------------------

const roster = program.command('roster').description('the roster of the active campaign');
roster
  .command('import <file>')
  .description('import a roster file: shows the changes, then applies them in one transaction')
  .option('--yes', 'apply without asking')
  .option('--confirm-removals <n>', 'the number of students the import removes, confirmed (needed when it removes more than 20% of them)', (v: string) => {
    if (!/^\d+$/.test(v)) throw new AppError('VALIDATION_FAILED', { params: { detail: `--confirm-removals: "${v}" is not a count` } });
    return Number(v);
  })
  .option('--json', 'print the preview / result as JSON')
  .action(async (file: string, opts: { yes?: boolean; json?: boolean; confirmRemovals?: number }) => {
    const lang = globals().lang;
    ensureReadable(file);
    await withRuntime(async (deps) => {
      await ensureActiveCampaign(deps, SYSTEM);
      const fileName = path.basename(file);
      const big = fs.statSync(file).size > 512 * 1024;
      const p1 = progressBar(big && !opts.json);
      const { previewRosterImport, applyRosterImport } = await lazy.roster();
      const preview = await previewRosterImport(deps, actor(), { path: file }, fileName, lang, p1.listener ? { onProgress: p1.listener } : {});
      p1.stop();
      if (!preview.valid) {
        throw new AppError('ROSTER_INVALID', { params: { count: preview.errorCount }, details: { errorCount: preview.errorCount, errors: preview.errors } });
      }
      if (!opts.json) printPreview(preview, lang);
      if (!opts.yes) {
        if (!process.stdin.isTTY) throw new AppError('VALIDATION_FAILED', { params: { detail: lang === 'en' ? 'not a terminal: add --yes to apply' : '非交互终端：请加 --yes 以确认导入' } });
        const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
        const answer = await rl.question(lang === 'en' ? 'Apply these changes? [y/N] ' : '确认导入以上变更？[y/N] ');
        rl.close();
        if (!/^y(es)?$/i.test(answer.trim())) {
          process.stdout.write(lang === 'en' ? 'Nothing was imported.\n' : '未导入任何数据。\n');
          return;
        }
      }
      // Removing many students needs the count itself typed a second time (issue 8 finding 13).
      let confirmRemovals = opts.confirmRemovals;
      if (preview.removals.needsConfirmation && confirmRemovals === undefined && !opts.yes && process.stdin.isTTY) {
        const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
        const answer = await rl.question(
          lang === 'en'
            ? `\x1b[31mThis removes ${preview.removals.count} of ${preview.removals.stored} students.\x1b[0m Type that number to confirm: `
            : `\x1b[31m将移除 ${preview.removals.count} 名学生（现有 ${preview.removals.stored} 名）。\x1b[0m请输入移除人数以确认：`,
        );
        rl.close();
        confirmRemovals = /^\d+$/.test(answer.trim()) ? Number(answer.trim()) : -1;
      }
      const p2 = progressBar(big && !opts.json);
      const result = await applyRosterImport(deps, actor(), { path: file }, fileName, lang, { ...(p2.listener ? { onProgress: p2.listener } : {}), confirmRemovals });
      p2.stop();
      if (opts.json) printJson({ preview: { ...preview, added: undefined, changed: undefined, removed: undefined }, result });
      else process.stdout.write(result.applied ? (lang === 'en' ? 'Imported.\n' : '导入完成。\n') : lang === 'en' ? 'Nothing changed.\n' : '名单无变化。\n');
    });
  });

function printPreview(p: Awaited<ReturnType<typeof RosterService.previewRosterImport>>, lang: Lang): void {
  const s = p.summary;
  const out = (line: string) => process.stdout.write(line + '\n');
  out(
    lang === 'en'
      ? `${p.fileName} (${p.format}${p.encoding ? `, ${p.encoding}` : ''}): ${s.rows} students — ${s.added} added, ${s.changed} changed, ${s.removed} removed, ${s.unchanged} unchanged; ${s.decisionChanged} decisions change`
      : `${p.fileName}（${p.format}${p.encoding ? `，${p.encoding}` : ''}）：共 ${s.rows} 名学生 — 新增 ${s.added}，变更 ${s.changed}，移除 ${s.removed}，未变 ${s.unchanged}；资格变化 ${s.decisionChanged}`,
  );
  if (p.unknownColumns.length) out((lang === 'en' ? 'Ignored unknown columns: ' : '已忽略未知列：') + p.unknownColumns.join(', '));
  for (const c of p.changed.slice(0, 20)) {
    const fields = c.fields.map((f) => `${f.field}: ${f.before ?? '∅'} → ${f.after ?? '∅'}`).join('; ');
    const decision = c.before && c.after && (c.before.decision !== c.after.decision || c.before.rule !== c.after.rule) ? `  [${c.before.decision}/${c.before.rule ?? '-'} → ${c.after.decision}/${c.after.rule ?? '-'}]` : '';
    out(`  ~ ${c.studentNo} ${c.name}: ${fields}${decision}`);
  }
  for (const c of p.removed.slice(0, 20)) out(`  - ${c.studentNo} ${c.name}`);
  if (p.changed.length + p.removed.length > 40) out('  …');
  if (p.removals.needsConfirmation) {
    const red = (t: string) => (process.stdout.isTTY ? `\x1b[31m${t}\x1b[0m` : t);
    out(
      red(
        lang === 'en'
          ? `Warning: ${p.removals.count} of ${p.removals.stored} students would be removed (more than ${p.removals.thresholdPercent}%): confirm with --confirm-removals ${p.removals.count}`
          : `注意：将移除 ${p.removals.count} 名学生（现有 ${p.removals.stored} 名，超过 ${p.removals.thresholdPercent}%），须以 --confirm-removals ${p.removals.count} 确认`,
      ),
    );
  }
}

// ---- users ----------------------------------------------------------------------------------------

const users = program.command('users').description('accounts and roles');
users
  .command('add')
  .description('create an account; the password is read from standard input')
  .requiredOption('--username <name>')
  .addOption(new Option('--role <role>').choices(['admin', 'secretary', 'operator', 'cashier', 'student']).makeOptionMandatory())
  .option('--department <name>', 'a department of a secretary (repeat for several)', (v: string, prev: string[]) => [...prev, v], [] as string[])
  .option('--display-name <name>')
  .option('--password-stdin', 'read the password from standard input')
  .option('--json')
  .action(async (opts: { username: string; role: string; department: string[]; displayName?: string; passwordStdin?: boolean; json?: boolean }) => {
    if (!opts.passwordStdin) throw new AppError('VALIDATION_FAILED', { params: { detail: globals().lang === 'en' ? '--password-stdin is required (passwords are never taken as arguments)' : '须使用 --password-stdin 从标准输入读取密码（密码从不作为命令行参数）' } });
    const password = (await readStdin()).replace(/\r?\n$/, '');
    const parsed = CreateUserRequestSchema.safeParse({ username: opts.username, role: opts.role, departments: opts.department, displayName: opts.displayName, password });
    if (!parsed.success) {
      // the schema's problems in the command's language, as the API says them (password：至少 10 个字符)
      throw new AppError('VALIDATION_FAILED', { params: { detail: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') }, issues: schemaIssues(parsed.error.issues) });
    }
    await withRuntime(async (deps) => {
      await ensureActiveCampaign(deps, SYSTEM);
      const user = await createUser(deps, actor(), parsed.data);
      if (opts.json) printJson(user);
      else process.stdout.write(`${user.username} (${user.role}${user.departments.length ? `: ${user.departments.join(', ')}` : ''})\n`);
    });
  });

users
  .command('update')
  .description('switch an account off or on, and/or set a new password (read from standard input); its sessions end')
  .requiredOption('--username <name>')
  .option('--disable', 'switch the account off (a departing operator)')
  .option('--enable', 'switch it on again')
  .option('--password-stdin', 'a new password, read from standard input')
  .option('--json')
  .action(async (opts: { username: string; disable?: boolean; enable?: boolean; passwordStdin?: boolean; json?: boolean }) => {
    if (opts.disable && opts.enable) throw new AppError('VALIDATION_FAILED', { params: { detail: '--disable and --enable: one or the other' } });
    const newPassword = opts.passwordStdin ? (await readStdin()).replace(/\r?\n$/, '') : undefined;
    const parsed = UpdateUserRequestSchema.safeParse({ ...(opts.disable || opts.enable ? { disabled: Boolean(opts.disable) } : {}), ...(newPassword !== undefined ? { newPassword } : {}) });
    if (!parsed.success) {
      throw new AppError('VALIDATION_FAILED', { params: { detail: parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; ') }, issues: schemaIssues(parsed.error.issues) });
    }
    await withRuntime(async (deps) => {
      const target = (await listUsers(deps, SYSTEM)).find((u) => u.username === opts.username);
      if (!target) throw new AppError('USER_NOT_FOUND', { params: { username: opts.username } });
      const user = await updateUser(deps, actor(), target.id, parsed.data);
      if (opts.json) printJson(user);
      else process.stdout.write(`${user.username}: ${user.disabled ? 'disabled / 已停用' : 'active / 可用'}${parsed.data.newPassword ? ', new password / 已重设密码' : ''}\n`);
    });
  });

users
  .command('list')
  .option('--json')
  .action(async (opts: { json?: boolean }) => {
    await withRuntime(async (deps) => {
      const list = await listUsers(deps, SYSTEM);
      if (opts.json) printJson(list);
      else for (const u of list) process.stdout.write(`${u.username}\t${u.role}\t${u.departments.join(',')}\n`);
    });
  });

// ---- campaign ---------------------------------------------------------------------------------------

const campaignCmd = program.command('campaign').description('the active campaign');
campaignCmd
  .command('show')
  .option('--json')
  .action(async (opts: { json?: boolean }) => {
    await withRuntime(async (deps) => {
      const c = await findActiveCampaign(deps);
      if (!c) throw new AppError('CAMPAIGN_NOT_FOUND');
      const view = toCampaignView(c);
      if (opts.json) printJson(view);
      else {
        process.stdout.write(`${view.id}: ${view.name.zh}\n`);
        for (const d of view.days) process.stdout.write(`  ${d.date}${d.weekend ? ' (周末)' : ''}: ${d.departments.join('、')}\n`);
      }
    });
  });
campaignCmd
  .command('load <file>')
  .description('load a campaign JSON (docs/rules/campaign-file.md) and make it active')
  .option('--json', 'print { id, decisionsChanged }')
  .action(async (file: string, opts: { json?: boolean }) => {
    const definition = readCampaignFile(file);
    await withRuntime(async (deps) => {
      const r = await loadCampaign(deps, actor(), definition);
      if (opts.json) printJson({ id: definition.id, decisionsChanged: r.decisionsChanged });
      else process.stdout.write(`${definition.id}: ${r.decisionsChanged} decisions changed\n`);
    });
  });

// ---- plan -----------------------------------------------------------------------------------------

program
  .command('plan')
  .description('propose a department → day table minimising the busiest window (Beijing site), beside today’s table')
  .option('--stations <n>', 'stations (default: the site’s setting)')
  .option('--minutes <m>', 'minutes per student (default: the site’s setting)')
  .option('--json', 'print the proposal as JSON')
  .action(async (opts: { stations?: string; minutes?: string; json?: boolean }) => {
    const whole = (flag: string, v: string | undefined, max: number) => {
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > max) throw new AppError('VALIDATION_FAILED', { params: { detail: `${flag} ${v}` } });
      return n;
    };
    const stations = whole('--stations', opts.stations, 100);
    const minutesPerStudent = whole('--minutes', opts.minutes, 120);
    await withRuntime(async (deps) => {
      const plan = await (await lazy.planner()).proposeCampaignPlan(deps, actor(), { stations, minutesPerStudent });
      if (opts.json) return printJson(plan);
      const en = globals().lang === 'en';
      const names = en ? ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] : ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];
      const weekday = (date: string) => names[new Date(`${date}T00:00:00Z`).getUTCDay()];
      const pct = (r: number | undefined) => `${((r ?? 0) * 100).toFixed(1)}%`;
      for (const d of plan.proposal) process.stdout.write(`${d.date} (${weekday(d.date)}): ${d.departments.map((x) => x.name).join('、')}\n`);
      const b = plan.busiest;
      process.stdout.write(`busiest window: proposal ${pct(b?.ratio)}${b ? ` (${b.date} ${b.start})` : ''} vs current table ${pct(plan.current.busiest?.ratio)}\n`);
    });
  });

// ---- station ---------------------------------------------------------------------------------------

// `--lang` when given (or $GRADPHOTO_LANG), else the terminal's $LANG.
addStationWatchCommand(program.command('station').description('capture stations: the hot-folder agent of a tethered camera'), () =>
  program.getOptionValueSource('lang') === 'cli' || process.env.GRADPHOTO_LANG ? globals().lang : /^en/i.test(process.env.LANG ?? '') ? 'en' : 'zh',
);

// ---- reminders --------------------------------------------------------------------------------------

const reminders = program.command('reminders').description('reminder mail (SMTP_URL, MAIL_FROM)');
reminders
  .command('run')
  .description('one scheduler pass (who is due now), then deliver every due mail job; prints the counts')
  .option('--json')
  .action(async (opts: { json?: boolean }) => {
    await withRuntime(async (deps) => {
      const { runReminders, listMailProblems } = await lazy.reminders();
      const r = await runReminders(deps, actor());
      const problems = await listMailProblems(deps, actor(), 50);
      if (opts.json) return printJson({ ...r, problems });
      const q = r.queued;
      const d = r.delivery;
      process.stdout.write(
        `queued: ${q.booking} booking, ${q.day} department-day, ${q.notification} notification; ${q.invalidAddress} invalid address, ${q.noAddress} without address\n` +
          `sent: ${d.delivered}; retry later: ${d.retried}; bounced: ${d.failed}; given up: ${d.dead}; uncertain: ${d.uncertain}\n`,
      );
      for (const p of problems) process.stdout.write(`  ${p.state} ${p.kind} ${p.studentNo ?? '-'}: ${p.error ?? ''}\n`);
    });
  });

// ---- audit ----------------------------------------------------------------------------------------

const audit = program.command('audit').description('the audit log');
audit
  .command('verify')
  .description('check the keyed hash chain of the audit log against the signed checkpoints kept outside the database')
  .option('--checkpoints <file...>', 'also compare with these checkpoint files (e.g. what AUDIT_CHECKPOINT_URL received, one JSON object a line)')
  .option('--json')
  .action(async (opts: { json?: boolean; checkpoints?: string[] }) => {
    await withRuntime(async (deps) => {
      const r = await verifyAuditChain(deps, { checkpointFiles: (opts.checkpoints ?? []).map((f) => path.resolve(f)) });
      if (opts.json) printJson(r);
      else
        process.stdout.write(
          r.ok
            ? `OK: ${r.checked} events, ${r.checkpoints} checkpoints outside the database\n`
            : `BROKEN at event ${r.brokenAt ?? '-'}: ${r.problem} (${r.checked} verified before it)\n`,
        );
      // A checkpoint is written every `everyEvents` events: many more after the newest one means the file
      // was not written or was cut, which only a copy kept elsewhere (the sink's) can tell apart.
      if (!opts.json && r.ok && r.uncovered > deps.audit.everyEvents * 2) {
        process.stdout.write(
          `WARNING: the last ${r.uncovered} events are covered by no checkpoint (${deps.audit.checkpoints.file} missing or cut?): ` +
            'compare with the copy your checkpoint sink received: gradphoto audit verify --checkpoints FILE\n',
        );
      }
      if (!r.ok) process.exitCode = EXIT_CODE.AUDIT_CHAIN_BROKEN;
    });
  });

// ---- keys -----------------------------------------------------------------------------------------

const keys = program.command('keys').description('the photo encryption keys');
keys
  .command('rotate')
  .description('a new photo key version; every photo\'s data key re-wrapped with it (photos are not re-encrypted); old versions are kept an hour, then removed by the next rotation or start once nothing uses them')
  .option('--json')
  .action(async (opts: { json?: boolean }) => {
    await withRuntime(async (deps) => {
      const r = await (await lazy.photo()).rotatePhotoKeys(deps, actor());
      if (opts.json) printJson(r);
      else {
        process.stdout.write(`photo key version ${r.toVersion}: ${r.rewrapped} data keys re-wrapped` + (r.fromVersions.length ? ` (from version ${r.fromVersions.join(', ')})` : '') + '\n');
        if (r.removedVersions.length) process.stdout.write(`removed unused key version ${r.removedVersions.join(', ')}\n`);
      }
    });
  });

// ---- payments -------------------------------------------------------------------------------------

const payments = program.command('payments').description('electronic payments (P1): reconciliation with the merchant bill files');
payments
  .command('reconcile <file>')
  .description('import a WeChat Pay 交易账单 or Alipay 业务明细 CSV as downloaded and compare it with the recorded payments (the same file again changes nothing)')
  .option('--json')
  .action(async (file: string, opts: { json?: boolean }) => {
    const bytes = fs.readFileSync(path.resolve(file));
    await withRuntime(async (deps) => {
      const { value: r } = await (await lazy.payment()).importPaymentStatement(deps, actor(), { fileName: path.basename(file), bytes });
      if (opts.json) return printJson(r);
      const yuan = (fen: number) => (fen / 100).toFixed(2);
      const t = r.totals;
      const out = [
        `${r.statement.method === 'wechat' ? '微信支付 / WeChat Pay' : '支付宝 / Alipay'} ${r.statement.fileName}: ${r.statement.lines} lines` + (r.statement.period ? `, ${r.statement.period.from} – ${r.statement.period.to}` : ''),
        `matched / 已核对: ${r.matched.length}`,
        `recorded, not in the statement / 已登记但账单中没有: ${r.recordedNotInStatement.length}`,
        ...r.recordedNotInStatement.map((p) => `  ${p.studentNo} ${p.name} ${p.transactionId} ${yuan(p.amountFen)}`),
        `in the statement, not recorded / 账单中有但未登记: ${r.inStatementNotRecorded.length}`,
        ...r.inStatementNotRecorded.map((l) => `  line ${l.line}: ${l.transactionId} ${yuan(l.amountFen)} ${l.tradedAt ?? ''}`),
        `amount differs / 金额不符: ${r.amountDiffers.length}`,
        ...r.amountDiffers.map((m) => `  ${m.payment.studentNo} ${m.payment.transactionId}: recorded ${yuan(m.payment.amountFen)}, statement ${yuan(m.line.amountFen)} (line ${m.line.line})`),
        `refunded / 已退款: ${r.refunded.length}`,
        ...r.refunded.map((x) => `  line ${x.line.line}: ${x.line.transactionId} ${yuan(x.line.amountFen)}${x.payment ? ` (${x.payment.studentNo})` : ''}`),
        `summary lines / 汇总行: ${t.agree ? 'agree / 一致' : 'DIFFER / 不一致'} (file ${t.file.payments} / ${yuan(t.file.paymentFen)}, refunds ${t.file.refunds} / ${yuan(t.file.refundFen)}; lines ${t.lines.payments} / ${yuan(t.lines.paymentFen)}, refunds ${t.lines.refunds} / ${yuan(t.lines.refundFen)})`,
        `to refund / 待退款: ${r.refunds.length}`,
        ...r.refunds.map((p) => `  ${p.studentNo} ${p.name} ${p.method} ${p.transactionId} ${yuan(p.amountFen)} (${p.refundDue})`),
      ];
      process.stdout.write(out.join('\n') + '\n');
    });
  });

// ---- export (issue 10, A1) ------------------------------------------------------------------------

addExportCommands(program.command('export').description('packages that leave the system: the registry\'s (学信网) encrypted batch'), { withRuntime, actor, lang: () => globals().lang });
addBackupCommands(program, { config, withRuntime, actor, dataDirGiven: () => Boolean(globals().data ?? process.env.GRADPHOTO_DATA), lang: () => globals().lang });
addBlobsCommands(program.command('blobs').description('photo storage: copy the local blobs to an S3-compatible store'), { withRuntime, actor, lang: () => globals().lang });
addRetentionCommands(program.command('retention').description('retention and deletion (A3): purge runs, the policy, the record of processing'), campaignCmd, { withRuntime, actor, lang: () => globals().lang });

// ---- run --------------------------------------------------------------------------------------------

function reportError(e: unknown): void {
  const lang = globals().lang;
  const json = process.argv.includes('--json');
  if (e instanceof CommanderError) {
    // --help and --version end here too, with their own exit code (0)
    if (e.exitCode === 0) return void (process.exitCode = 0);
    if (json) printJson({ error: { code: 'VALIDATION_FAILED', message: e.message.replace(/^error: /, '') } });
    process.exitCode = 2;
    return;
  }
  if (isAppError(e)) {
    const message = translateAppError(e, lang);
    const details = e.details as { errors?: { message: string }[] } | undefined;
    if (json) {
      // Roster errors as the plain array the contract promises; other errors in the API's error body.
      if (e.code === 'ROSTER_INVALID' && details?.errors) printJson(details.errors);
      else printJson({ error: { code: e.code, message, details: e.details } });
    } else {
      process.stderr.write(`${message}\n`);
      for (const err of details?.errors ?? []) process.stderr.write(`  ${err.message}\n`);
    }
    process.exitCode = EXIT_CODE[e.code];
    return;
  }
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}

program.parseAsync(process.argv).catch(reportError);
