// Shared helpers of the browser journeys: a real `gradphoto serve` on a temp data directory and a
// free port, accounts made with the CLI, API calls as a signed-in user, Chromium via playwright-core.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SCREENS = path.join(ROOT, 'test-results', 'screens');
const CLI = path.join(ROOT, 'bin', 'gradphoto.js');

export interface TestServer {
  baseUrl: string;
  dataDir: string;
  /** what the server printed so far (for failure messages) */
  log(): string;
  stop(): Promise<void>;
}

export interface Account {
  username: string;
  password: string;
  role: 'admin' | 'secretary' | 'operator' | 'cashier' | 'student';
  departments?: string[];
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

function run(command: string, args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

let webBuilt: Promise<void> | undefined;
/** The server serves dist/web: rebuild it when the web sources are newer (the script prints nothing otherwise). */
export function ensureWebBuilt(): Promise<void> {
  webBuilt ??= run(process.execPath, [path.join(ROOT, 'scripts', 'build-web-if-stale.mjs')]).then((r) => {
    if (r.code !== 0) throw new Error(`web build failed:\n${r.stdout}\n${r.stderr}`);
  });
  return webBuilt;
}

/** `gradphoto users add … --password-stdin --data DIR` */
export async function addUser(dataDir: string, account: Account): Promise<void> {
  const args = [CLI, 'users', 'add', '--username', account.username, '--role', account.role];
  for (const department of account.departments ?? []) args.push('--department', department);
  args.push('--password-stdin', '--data', dataDir);
  const result = await run(process.execPath, args, { input: `${account.password}\n` });
  if (result.code !== 0) throw new Error(`users add ${account.username} failed (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
}

/**
 * Several accounts at once: one `users add` process each, up to four running together (SQLite waits for its
 * write lock, the audit checkpoint file takes one line per write), instead of one spawn and one argon2 hash
 * after the other.
 */
export async function addUsers(dataDir: string, accounts: Account[]): Promise<void> {
  const queue = [...accounts];
  const worker = async () => {
    for (let account = queue.shift(); account; account = queue.shift()) await addUser(dataDir, account);
  };
  await Promise.all(Array.from({ length: Math.min(4, queue.length) }, worker));
}

async function waitForHealth(baseUrl: string, child: ChildProcess, log: () => string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`gradphoto serve exited with ${child.exitCode}:\n${log()}`);
    try {
      const response = await fetch(`${baseUrl}/api/health`);
      const body = (await response.json()) as { status?: string };
      if (response.ok && body.status === 'ok') return;
      last = `${response.status} ${JSON.stringify(body)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server not healthy after ${timeoutMs} ms (last: ${last}):\n${log()}`);
}

/**
 * Starts `gradphoto serve --data DIR` on a free port (first start loads the demo campaign). `env` adds
 * settings (e.g. OIDC_*); `port` fixes the port when another process must know the address first.
 */
export async function startServer(options: { env?: Record<string, string>; port?: number } = {}): Promise<TestServer> {
  await ensureWebBuilt();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gradphoto-e2e-'));
  const port = options.port ?? (await freePort());
  const baseUrl = `http://127.0.0.1:${port}`;
  let output = '';
  const child = spawn(process.execPath, [CLI, 'serve', '--data', dataDir], {
    cwd: ROOT,
    env: { ...process.env, ...options.env, PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const log = () => output;
  try {
    await waitForHealth(baseUrl, child, log);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    baseUrl,
    dataDir,
    log,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A signed-in API client (cookie session), for setting up and checking what the browser does. */
export class ApiClient {
  private constructor(
    private readonly baseUrl: string,
    private readonly cookie: string,
  ) {}

  static async login(baseUrl: string, username: string, password: string): Promise<ApiClient> {
    const response = await fetch(`${baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (!response.ok) throw new Error(`API login ${username}: ${response.status} ${await response.text()}`);
    const cookie = response.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    return new ApiClient(baseUrl, cookie);
  }

  async get<T>(url: string): Promise<T> {
    const response = await fetch(`${this.baseUrl}${url}`, { headers: { Cookie: this.cookie } });
    if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  async post<T>(url: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}${url}`, {
      method: 'POST',
      headers: { Cookie: this.cookie, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${await response.text()}`);
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /**
   * Any call, never throwing on an error status: the status and the parsed body (errors included), in the
   * language asked for (the server translates error messages by Accept-Language).
   */
  async request<T = unknown>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    options: { body?: unknown; headers?: Record<string, string>; lang?: 'zh' | 'en' } = {},
  ): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = {
      Cookie: this.cookie,
      'Accept-Language': options.lang === 'en' ? 'en' : 'zh-CN,zh;q=0.9',
      ...options.headers,
    };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(`${this.baseUrl}${url}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  async upload<T>(url: string, fileName: string, content: string | Buffer): Promise<{ status: number; body: T }> {
    const form = new FormData();
    form.append('file', new Blob([typeof content === 'string' ? content : new Uint8Array(content)]), fileName);
    const response = await fetch(`${this.baseUrl}${url}`, { method: 'POST', headers: { Cookie: this.cookie }, body: form });
    return { status: response.status, body: (await response.json()) as T };
  }
}

/**
 * Headless Chromium whose pages ask for reduced motion (unless a context says `reducedMotion: 'no-preference'`):
 * the app then opens menus, pop-ups and dialogs without their zoom or slide (App.tsx). With motion, a click could
 * be aimed at a pop-up still paused at its first frame and land after it had grown: the press on one element, the
 * release on another, so no click at all. CI lost a 确认, a 停用 and a session picked in a select that way.
 */
export async function launchBrowser(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const newContext = browser.newContext.bind(browser);
  const newPage = browser.newPage.bind(browser);
  browser.newContext = (options = {}) => newContext({ reducedMotion: 'reduce', ...options });
  browser.newPage = (options = {}) => newPage({ reducedMotion: 'reduce', ...options });
  return browser;
}

/** Full-page screenshot once loading has settled (no spinner), scrolled to the top (sticky header and menu in place). */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
  mkdirSync(SCREENS, { recursive: true });
  await page.waitForLoadState('networkidle');
  await page.locator('.ant-spin-spinning, .ant-skeleton-active').first().waitFor({ state: 'detached', timeout: 15_000 }).catch(() => undefined);
  await page.evaluate(() => window.scrollTo(0, 0));
  const file = path.join(SCREENS, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  return file;
}

/** Signs in through the login page and waits for the app shell. */
/** How far the page is wider than the window (px): 0 when nothing scrolls sideways. */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/** Tables whose right edge goes beyond their card (cut off: the reader would have to find a scroll bar). */
export async function tablesBeyondCard(page: Page): Promise<number> {
  return page.evaluate(() =>
    [...document.querySelectorAll('.ant-card .ant-table table')].filter((t) => {
      const card = t.closest('.ant-card-body') ?? t.closest('.ant-card');
      return card ? t.getBoundingClientRect().right > card.getBoundingClientRect().right + 1 : false;
    }).length,
  );
}

export async function loginInBrowser(page: Page, baseUrl: string, account: Pick<Account, 'username' | 'password'>): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.locator('#username').fill(account.username);
  await page.locator('#password').fill(account.password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('user-menu').waitFor();
}

/** Test roster rows; `terms` are the campaign's target terms, read from the API (never hard-coded). */
export interface RosterRow {
  学号: string;
  姓名: string;
  院系: string;
  层次: string;
  证书类型: string;
  预计毕业时间: string;
  毕业类型: string;
  已采集时间?: string;
  确定延期至?: string;
  结业换毕业?: string;
  身份证号?: string;
  备注?: string;
}

const ROSTER_HEADERS: (keyof RosterRow)[] = ['学号', '姓名', '院系', '层次', '证书类型', '预计毕业时间', '毕业类型', '已采集时间', '确定延期至', '结业换毕业', '身份证号', '备注'];

/** A PRC national ID (GB 11643): 17 digits and their ISO 7064 MOD 11-2 check character. */
export function nationalId(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((acc, digit, i) => acc + Number(digit) * weights[i]!, 0);
  return first17 + '10X98765432'[sum % 11]!;
}

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function rosterCsv(rows: RosterRow[]): string {
  const lines = [ROSTER_HEADERS.join(',')];
  for (const row of rows) lines.push(ROSTER_HEADERS.map((h) => csvCell(row[h] ?? '')).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** `2024-07` plus `years` years. */
export function shiftTerm(term: string, years: number): string {
  const [year, month] = term.split('-');
  return `${Number(year) + years}-${month}`;
}

/**
 * The journeys' roster: one student per rule, in two departments, plus a name that is an HTML
 * injection attempt (must show as text). Returns rows and the rule each should get.
 */
export function demoRoster(campaign: { targetTerms: string[]; retakeBefore: string }): { rows: RosterRow[]; expected: Record<string, { decision: string; rule: string | null }> } {
  const [first, second = first] = campaign.targetTerms as [string, string?];
  const later = shiftTerm(campaign.targetTerms[campaign.targetTerms.length - 1]!, 1);
  const rows: RosterRow[] = [
    { 学号: '2101001', 姓名: '张三', 院系: '物理学院', 层次: '硕士', 证书类型: '双证', 预计毕业时间: first, 毕业类型: '毕业', 备注: '测试' },
    { 学号: '2101002', 姓名: '李四', 院系: '物理学院', 层次: '博士', 证书类型: '双证', 预计毕业时间: second!, 毕业类型: '结业' },
    { 学号: '2101003', 姓名: '王五', 院系: '物理学院', 层次: '硕士', 证书类型: '双证', 预计毕业时间: first, 毕业类型: '毕业', 确定延期至: later },
    { 学号: '2101004', 姓名: '赵六', 院系: '数学科学学院', 层次: '硕士', 证书类型: '单证', 预计毕业时间: first, 毕业类型: '毕业' },
    { 学号: '2101005', 姓名: '<script>alert(1)</script>', 院系: '数学科学学院', 层次: '硕士', 证书类型: '双证', 预计毕业时间: second!, 毕业类型: '毕业' },
    { 学号: '2101006', 姓名: '钱七', 院系: '数学科学学院', 层次: '博士', 证书类型: '双证', 预计毕业时间: first, 毕业类型: '毕业', 已采集时间: campaign.retakeBefore, 身份证号: nationalId('11010519900307123') },
    { 学号: '2101007', 姓名: '孙八', 院系: '物理学院', 层次: '博士', 证书类型: '双证', 预计毕业时间: first, 毕业类型: '毕业', 结业换毕业: '是' },
    { 学号: '2101008', 姓名: '周九', 院系: '数学科学学院', 层次: '硕士', 证书类型: '双证', 预计毕业时间: shiftTerm(first, -1), 毕业类型: '毕业' },
  ];
  const expected: Record<string, { decision: string; rule: string | null }> = {
    '2101001': { decision: 'required', rule: 'E1' },
    '2101002': { decision: 'required', rule: 'E2' },
    '2101003': { decision: 'excluded', rule: 'E4' },
    '2101004': { decision: 'excluded', rule: 'E6' },
    '2101005': { decision: 'required', rule: 'E1' },
    '2101006': { decision: 'required', rule: 'E3' },
    '2101007': { decision: 'excluded', rule: 'E5' },
    '2101008': { decision: 'not-in-campaign', rule: null },
  };
  return { rows, expected };
}
