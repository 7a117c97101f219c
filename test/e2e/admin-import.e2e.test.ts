// Journey (a): the graduate-school admin imports a roster. A file with bad rows shows every error
// (row, column, value) and imports nothing; the fixed file is previewed, applied, and the student
// list shows each student with the decision and the rule that made it (rules E1–E6). A name that is
// HTML stays text. A 40,000-character cell is shown shortened and a mistyped ID number masked (finding M4).
import type { Browser, BrowserContext, Dialog, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, addUser, demoRoster, launchBrowser, loginInBrowser, rosterCsv, screenshot, startServer, type TestServer } from './server.js';

const admin = { username: 'e2e-admin', password: 'E2e-admin-pass-2024', role: 'admin' as const };

describe('admin imports a roster', () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let api: ApiClient;
  const dialogs: string[] = [];

  beforeAll(async () => {
    server = await startServer();
    await addUser(server.dataDir, admin);
    api = await ApiClient.login(server.baseUrl, admin.username, admin.password);
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
    page = await context.newPage();
    page.on('dialog', (dialog: Dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('rejects a roster with bad rows, lists every error, imports nothing; then imports the fixed roster', async () => {
    const campaign = await api.get<{ targetTerms: string[]; retakeBefore: string }>('/api/campaign');
    const { rows, expected } = demoRoster(campaign);

    await loginInBrowser(page, server.baseUrl, admin);
    await screenshot(page, 'a1-overview-empty');

    // --- a roster with bad rows: an impossible month, a misspelt certificate type, a mistyped ID number
    // and a 40,000-character name (finding M4)
    const bad = rows.map((r) => ({ ...r }));
    bad[2]!.预计毕业时间 = '2024-13';
    bad[5]!.证书类型 = '双正';
    const realId = rows[5]!.身份证号!;
    const typoId = realId.slice(0, 17) + (realId.endsWith('1') ? '2' : '1');
    bad[4]!.身份证号 = typoId;
    bad[6]!.姓名 = '张'.repeat(40_000);
    await page.goto(`${server.baseUrl}/roster/import`);
    await page.locator('input[type=file]').setInputFiles({ name: 'roster-bad.csv', mimeType: 'text/csv', buffer: Buffer.from(rosterCsv(bad)) });
    await screenshot(page, 'a2-file-chosen');
    await page.getByTestId('roster-preview').click();
    await page.getByTestId('roster-invalid').waitFor();
    const errorTable = page.getByTestId('roster-errors');
    const termRow = errorTable.locator('tbody tr', { hasText: '2024-13' });
    await expect(termRow.count()).resolves.toBe(1);
    const termCells = await termRow.locator('td').allInnerTexts();
    // header is row 1, so the third data row is row 4 (as Excel numbers it)
    expect(termCells[0]).toBe('4');
    expect(termCells[2]).toBe('2024-13');
    const certRow = errorTable.locator('tbody tr', { hasText: '双正' });
    await expect(certRow.count()).resolves.toBe(1);
    expect((await certRow.locator('td').allInnerTexts())[0]).toBe('7');
    // row 8's name: its first 100 characters and its length, in the value and in the message; the page stays short
    const nameCells = await errorTable.locator('tbody tr', { hasText: '（共 40,000 个字符）' }).locator('td').allInnerTexts();
    expect(nameCells.slice(0, 3)).toEqual(['8', '姓名', `${'张'.repeat(100)}…（共 40,000 个字符）`]);
    const pageHeight = await page.evaluate(() => document.documentElement.scrollHeight);
    expect(pageHeight).toBeLessThan(3_000); // was 42,766 px
    // row 6's mistyped ID number: masked, the row, column and problem still named
    const idCells = await errorTable.locator('tbody tr', { hasText: '校验位错误' }).locator('td').allInnerTexts();
    const maskedId = `${typoId.slice(0, 2)}${'*'.repeat(14)}${typoId.slice(-2)}`;
    expect(idCells).toEqual(['6', '身份证号', maskedId, `第 6 行 “身份证号”: “${maskedId}” 的校验位错误`]);
    expect(await page.locator('body').innerText()).not.toContain(typoId);
    await expect(page.getByTestId('roster-apply').count()).resolves.toBe(0);
    await screenshot(page, 'a3-preview-invalid');
    const afterBad = await api.get<{ total: number }>('/api/students');
    expect(afterBad.total).toBe(0);

    // --- the fixed roster
    await page.locator('input[type=file]').setInputFiles({ name: 'roster.csv', mimeType: 'text/csv', buffer: Buffer.from(rosterCsv(rows)) });
    await page.getByTestId('roster-preview').click();
    await page.getByTestId('roster-preview-card').getByText(/校验通过/).waitFor();
    expect(await page.getByTestId('summary-added').innerText()).toContain(String(rows.length));
    await expect(page.getByTestId('roster-unknown-columns').innerText()).resolves.toContain('备注');
    const addedTable = page.getByTestId('roster-added');
    await expect(addedTable.locator('tbody tr.ant-table-row').count()).resolves.toBe(rows.length);
    await screenshot(page, 'a4-preview-valid');

    await page.getByTestId('roster-apply').click();
    await page.locator('.ant-modal-confirm').getByRole('button', { name: '确认导入' }).click();
    await page.getByTestId('roster-result').waitFor();
    await page.locator('.ant-modal-confirm').waitFor({ state: 'detached' });
    expect(await page.getByTestId('roster-result').innerText()).toContain('名单已导入');
    await screenshot(page, 'a5-applied');

    // --- the student list: every student with its decision tag and rule
    await page.goto(`${server.baseUrl}/students`);
    const table = page.getByTestId('student-table');
    await table.locator('tbody tr.ant-table-row').first().waitFor();
    await expect(table.locator('tbody tr.ant-table-row').count()).resolves.toBe(rows.length);
    for (const [studentNo, want] of Object.entries(expected)) {
      const row = table.locator('tbody tr.ant-table-row', { hasText: studentNo });
      await expect(row.locator(`[data-decision="${want.decision}"]`).count()).resolves.toBe(1);
      if (want.rule) await expect(row.locator(`[data-rule="${want.rule}"]`).count()).resolves.toBe(1);
      else await expect(row.locator('[data-rule]').count()).resolves.toBe(0);
    }
    // the injection attempt is shown as text, and no script ran
    const scriptName = table.getByText('<script>alert(1)</script>', { exact: true });
    await expect(scriptName.count()).resolves.toBe(1);
    await screenshot(page, 'a6-students');

    // English: the same list, the reasons in English; the choice survives a reload
    await page.getByText('English', { exact: true }).click();
    await page.getByRole('columnheader', { name: 'Student no.' }).waitFor();
    await page.reload();
    await page.getByRole('columnheader', { name: 'Student no.' }).waitFor();
    const row1 = table.locator('tbody tr.ant-table-row', { hasText: '2101001' });
    expect(await row1.innerText()).toContain('Required');
    expect(await row1.innerText()).toContain('You are a dual-certificate');
    await screenshot(page, 'a6-students-en');
    await page.getByText('中文', { exact: true }).click();
    await page.getByRole('columnheader', { name: '学号' }).waitFor();

    // the student page shows the decision with its rule and reason
    await table.locator('tbody tr.ant-table-row', { hasText: '2101006' }).getByRole('link', { name: '2101006' }).click();
    await page.getByTestId('decision-alert').waitFor();
    const alertText = await page.getByTestId('decision-alert').innerText();
    expect(alertText).toContain('须参加本次图像采集');
    expect(alertText).toContain('E3');
    await screenshot(page, 'a7-student-detail');

    // the full national ID only on request, and the request is audited
    const id = rows.find((r) => r.学号 === '2101006')!.身份证号!;
    const masked = await page.getByTestId('national-id-masked').innerText();
    expect(masked).not.toBe(id);
    expect(masked.slice(0, 2)).toBe(id.slice(0, 2));
    await page.getByTestId('reveal').click();
    // antd spaces two-character Chinese button labels: 查 看
    await page.locator('.ant-popconfirm').getByRole('button', { name: /^查\s?看$/ }).click();
    await expect(page.getByTestId('national-id').innerText()).resolves.toBe(id);
    await screenshot(page, 'a8-national-id');

    await page.goto(`${server.baseUrl}/audit`);
    const audit = page.getByTestId('audit-table');
    await audit.locator('tbody tr.ant-table-row').first().waitFor();
    expect(await audit.locator('tbody').innerText()).toContain('查看身份证号');
    await page.getByTestId('audit-verify').click();
    await expect(page.getByTestId('audit-verify-result').innerText()).resolves.toContain('日志链完整');
    await screenshot(page, 'a9-audit');

    // --- a roster that drops more than 20% of the students: the count in red, typed a second time (issue 8 finding 13)
    const kept = rows.slice(0, Math.floor(rows.length / 2));
    const removedCount = rows.length - kept.length;
    await page.goto(`${server.baseUrl}/roster/import`);
    await page.locator('input[type=file]').setInputFiles({ name: 'roster-half.csv', mimeType: 'text/csv', buffer: Buffer.from(rosterCsv(kept)) });
    await page.getByTestId('roster-preview').click();
    const warning = page.getByTestId('roster-removals-warning');
    await warning.waitFor();
    expect(await warning.innerText()).toContain(`将移除 ${removedCount} 名学生`);
    expect(await warning.locator('.ant-typography-danger').count()).toBe(1);
    await screenshot(page, 'a10-removals-warning');
    await page.getByTestId('roster-apply').click();
    await page.locator('.ant-modal-confirm').getByRole('button', { name: '确认导入' }).click();
    const second = page.locator('.ant-modal-confirm', { has: page.getByTestId('roster-removals-input') });
    // Another count leaves the button disabled: nothing can be applied until the number removed is typed.
    await page.getByTestId('roster-removals-input').fill(String(removedCount - 1));
    expect(await second.getByTestId('roster-removals-ok').isDisabled()).toBe(true);
    expect((await api.get<{ total: number }>('/api/students')).total).toBe(rows.length);
    await page.getByTestId('roster-removals-input').fill(String(removedCount));
    expect(await second.getByTestId('roster-removals-ok').isDisabled()).toBe(false);
    await second.getByTestId('roster-removals-ok').click();
    await page.getByTestId('roster-result').waitFor();
    expect((await api.get<{ total: number }>('/api/students')).total).toBe(kept.length);

    // --- the template to download
    const [template] = await Promise.all([page.waitForEvent('download'), page.getByTestId('roster-again').click().then(() => page.getByTestId('roster-template-xlsx').click())]);
    expect(template.suggestedFilename()).toBe('名单模板.xlsx');

    expect(dialogs).toEqual([]);
  });
});
