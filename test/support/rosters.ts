// Small roster builders for tests: rows as objects keyed by the Chinese headers of docs/rules/roster-format.md.
export const ROSTER_HEADERS = ['学号', '姓名', '院系', '层次', '证书类型', '预计毕业时间', '毕业类型', '在职', '学习地点', '已采集时间', '确定延期至', '结业换毕业', '身份证号', '邮箱', '手机'] as const;
export type RosterRow = Partial<Record<(typeof ROSTER_HEADERS)[number], string>>;

export function rosterRow(studentNo: string, overrides: RosterRow = {}): RosterRow {
  return { 学号: studentNo, 姓名: '张小三', 院系: '物理学院', 层次: '硕士', 证书类型: '双证', 预计毕业时间: '2024-07', 毕业类型: '毕业', ...overrides };
}

export function rosterCsv(rows: RosterRow[], headers: readonly string[] = ROSTER_HEADERS): string {
  const esc = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return [headers.join(','), ...rows.map((r) => headers.map((h) => esc((r as Record<string, string | undefined>)[h] ?? '')).join(','))].join('\n') + '\n';
}
