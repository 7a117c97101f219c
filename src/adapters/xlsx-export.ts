import ExcelJS from 'exceljs';

/**
 * A cell that starts with = + - @ (or a tab / carriage return) is read as a formula by spreadsheet
 * programs (CSV/formula injection); prefixing an apostrophe-like quote keeps it text.
 */
export function neutraliseCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export interface SheetSpec {
  name: string;
  columns: { header: string; key: string; width?: number }[];
  rows: Record<string, string | number | null>[];
}

export async function writeXlsx(sheets: SheetSpec[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'gradphoto';
  for (const spec of sheets) {
    const ws = wb.addWorksheet(spec.name.slice(0, 31));
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
