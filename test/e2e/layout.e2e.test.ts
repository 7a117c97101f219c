// The main pages at a laptop size (1366×768) and a phone size (375×812): screenshots for a person
// to look at, plus checks that nothing overflows the viewport sideways (tables scroll inside
// themselves) and that Chinese text is rendered with a CJK font.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, ApiClient, demoRoster, horizontalOverflow, launchBrowser, loginInBrowser, rosterCsv, type RosterRow, screenshot, startServer, type TestServer } from './server.js';

const admin = { username: 'e2e-admin', password: 'E2e-admin-pass-2024', role: 'admin' as const };
// A student whose number and name are one long word each: 32 letters and digits is the longest number the roster
// takes; a Latin name may come without spaces. On a phone the list wraps them instead of widening the page (M5).
const LONG_NO = '2024310123456789ABCDEFGHIJKLMNOP';
const LONG_NAME = 'MUHAMMADABDULLAHALRASHIDIBINKHALID';
const SIZES = [
  { name: 'desktop', width: 1366, height: 768 },
  { name: 'phone', width: 375, height: 812 },
] as const;

/** Font families Chromium used to draw the first element matching `selector` (DevTools protocol). */
async function renderedFonts(page: Page, selector: string): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('DOM.enable');
  await cdp.send('CSS.enable');
  const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
  const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector });
  const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
  await cdp.detach();
  return fonts.map((f) => f.familyName);
}

describe.each(SIZES)('pages at $name size ($width×$height)', (size) => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let rows: RosterRow[];

  beforeAll(async () => {
    server = await startServer();
    await addUser(server.dataDir, admin);
    const api = await ApiClient.login(server.baseUrl, admin.username, admin.password);
    const campaign = await api.get<{ targetTerms: string[]; retakeBefore: string }>('/api/campaign');
    const demo = demoRoster(campaign).rows;
    // in the applied roster and in the previewed file alike (the preview below compares the two)
    rows = [...demo.slice(0, -2), { ...demo[0]!, 学号: LONG_NO, 姓名: LONG_NAME, 备注: undefined }, ...demo.slice(-2)];
    // the applied roster lacks the last two rows, so the preview below has added and changed rows
    const first = rows.slice(0, -2).map((r, i) => (i === 0 ? { ...r, 姓名: '张三丰' } : r));
    const applied = await api.upload('/api/roster/apply', 'roster.csv', rosterCsv(first));
    expect(applied.status).toBe(200);
    browser = await launchBrowser();
    const context = await browser.newContext({
      viewport: { width: size.width, height: size.height },
      deviceScaleFactor: 1,
      isMobile: size.name === 'phone',
      hasTouch: size.name === 'phone',
      locale: 'zh-CN',
    });
    page = await context.newPage();
    await loginInBrowser(page, server.baseUrl, admin);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('overview', async () => {
    await page.goto(`${server.baseUrl}/`);
    // a table of days × departments on a laptop; one collapsible panel per day on a phone
    const schedule = page.getByTestId('schedule');
    await schedule.waitFor();
    if (size.name === 'phone') {
      await schedule.locator('.ant-collapse-header').first().click();
    }
    await schedule.locator('tbody tr.ant-table-row').first().waitFor();
    await screenshot(page, `layout-${size.name}-overview`);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    // Chinese glyphs are drawn with a CJK font (no tofu boxes): ask Chromium which fonts it used.
    const fonts = await renderedFonts(page, 'h4');
    expect(fonts.some((f) => /CJK|Han Sans|Noto Sans SC|WenQuanYi|Droid Sans Fallback/i.test(f))).toBe(true);
  });

  it('student list, in Chinese and in English; on a phone also at 390×844 (M5)', async () => {
    const switchTo = async (target: Page, lang: 'zh' | 'en') => {
      await target.locator('.ant-segmented-item', { hasText: lang === 'en' ? /^(EN|English)$/ : /^(中|中文)$/ }).click();
      await target.getByRole('columnheader', { name: lang === 'en' ? 'Eligibility' : '采集资格', exact: true }).waitFor();
    };
    const check = async (target: Page, width: number, name: string) => {
      await target.goto(`${server.baseUrl}/students`);
      const table = target.getByTestId('student-table');
      await table.getByText(LONG_NO).waitFor();
      try {
        for (const lang of ['zh', 'en'] as const) {
          await switchTo(target, lang);
          await screenshot(target, `${name}${lang === 'en' ? '-en' : ''}`);
          const where = `${name} ${lang}`;
          expect(await horizontalOverflow(target), where).toBeLessThanOrEqual(0);
          // A phone's browser (isMobile) widens its window to a page that overflows, so horizontalOverflow stays 0
          // there: the page and the eligibility column are measured against the screen's width too.
          expect(await target.evaluate(() => document.documentElement.scrollWidth), where).toBeLessThanOrEqual(width);
          const decision = await table.locator('tbody tr.ant-table-row', { hasText: LONG_NO }).getByTestId('decision-cell').boundingBox();
          expect(decision!.x + decision!.width, where).toBeLessThanOrEqual(width);
        }
      } finally {
        await switchTo(target, 'zh');
      }
    };
    await check(page, size.width, `layout-${size.name}-students`);
    if (size.name === 'phone') {
      // the outside tester's size, in a plain window as they measured it (the page was 430 px wide, 442 in English)
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, locale: 'zh-CN' });
      try {
        const other = await context.newPage();
        await loginInBrowser(other, server.baseUrl, admin);
        await check(other, 390, 'layout-phone-students-390x844');
      } finally {
        await context.close();
      }
    }
  });

  it('a select opens without sliding when the system asks for reduced motion, and slides otherwise', async () => {
    const seen = {} as Record<'reduce' | 'no-preference', string[]>;
    for (const reducedMotion of ['reduce', 'no-preference'] as const) {
      const context = await browser.newContext({ viewport: { width: size.width, height: size.height }, locale: 'zh-CN', reducedMotion });
      const other = await context.newPage();
      await loginInBrowser(other, server.baseUrl, admin);
      await other.goto(`${server.baseUrl}/students`);
      const select = other.getByTestId('filter-department');
      await select.waitFor();
      // every motion class the dropdown and its options get while appearing (a string: the test transform's
      // helpers do not exist in the page)
      await other.evaluate(`(() => {
        const classes = [];
        window.motionClasses = classes;
        const note = (el) => classes.push(...[...el.classList].filter((c) => /-(appear|enter)/.test(c)));
        new MutationObserver((records) => {
          for (const r of records) {
            if (r.type === 'attributes') note(r.target);
            for (const node of r.addedNodes) if (node instanceof Element) [node, ...node.querySelectorAll('*')].forEach(note);
          }
        }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['class'] });
      })()`);
      await select.click();
      await other.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option').first().waitFor();
      await other.waitForTimeout(400);
      seen[reducedMotion] = await other.evaluate<string[]>('window.motionClasses');
      await context.close();
    }
    // without motion the dropdown is only measured before it shows (prepare); with motion it then slides in (active)
    expect(seen.reduce.filter((c) => c.endsWith('-active'))).toEqual([]);
    expect(seen['no-preference']).toContain('ant-slide-up-appear-active');
  });

  it('import preview', async () => {
    await page.goto(`${server.baseUrl}/roster/import`);
    await page.locator('input[type=file]').setInputFiles({ name: 'roster.csv', mimeType: 'text/csv', buffer: Buffer.from(rosterCsv(rows)) });
    await page.getByTestId('roster-preview').click();
    await page.getByTestId('roster-preview-card').waitFor();
    await screenshot(page, `layout-${size.name}-import-preview`);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await page.getByRole('tab', { name: /变更/ }).click();
    await page.getByTestId('roster-changed').locator('tbody tr.ant-table-row').first().waitFor();
    await screenshot(page, `layout-${size.name}-import-preview-changed`);
  });
});
