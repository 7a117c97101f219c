// exceljs (~250 ms to load) is imported on first use: the CLI and most services never write a workbook.

/**
 * A cell that starts with = + - @ (or a tab / carriage return) is read as a formula by spreadsheet
 * programs (CSV/formula injection); prefixing an apostrophe-like quote keeps it text.
 */
export function neutraliseCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

const SHEET_NAME_MAX = 31;

/**
 * A name Excel accepts for a sheet (issue 8 finding 10: a department named `a/b` made the export a 500):
 * at most 31 characters, none of \ / * ? : [ ] nor control characters, not starting or ending with an
 * apostrophe, not empty, not the reserved "History". Forbidden characters become "_"; the sheet name is a
 * label only — the cells keep the department exactly as written.
 */
export function toSheetName(name: string, fallback = 'Sheet1'): string {
  let safe = name.replace(/[\\/*?:[\]\p{Cc}\p{Cf}\p{Cs}]/gu, '_').trim();
  // Excel counts UTF-16 units; half of a surrogate pair left at the cut is dropped.
  safe = safe.slice(0, SHEET_NAME_MAX).replace(/[\uD800-\uDBFF]$/, '');
  safe = safe.replace(/^'+|'+$/g, '').trim();
  if (safe === '' || safe.toLowerCase() === 'history') return fallback;
  return safe;
}

export interface SheetSpec {
  name: string;
  columns: { header: string; key: string; width?: number }[];
  rows: Record<string, string | number | null>[];
}

export async function writeXlsx(sheets: SheetSpec[]): Promise<Buffer> {
  const { default: ExcelJS } = await import('exceljs');
  const wb = new ExcelJS.Workbook();
  wb.creator = 'gradphoto';
  const used = new Set<string>();
  for (const [i, spec] of sheets.entries()) {
    let name = toSheetName(spec.name, `Sheet${i + 1}`);
    // Excel compares sheet names without regard to case; two names made alike by the rules get a number.
    for (let n = 2; used.has(name.toLowerCase()); n++) name = `${toSheetName(spec.name, 'Sheet').slice(0, SHEET_NAME_MAX - String(n).length - 1)}-${n}`;
    used.add(name.toLowerCase());
    const ws = wb.addWorksheet(name);
    ws.columns = spec.columns.map((c) => ({ header: c.header, key: c.key, width: c.width ?? 16 }));
    ws.getRow(1).font = { bold: true };
    ws.views = [{ state: 'frozen', ySplit: 1 }];
    for (const row of spec.rows) {
      const safe: Record<string, string | number | null> = {};
      for (const [k, v] of Object.entries(row)) safe[k] = typeof v === 'string' ? neutraliseCell(v) : v;
      const added = ws.addRow(safe);
      // Every cell is text: a student number stays 2101110001, never 2.1E+09.
      added.eachCell((cell) => {
        if (typeof cell.value === 'string') cell.numFmt = '@';
      });
    }
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
