// The merchants' own bill files, read as they are downloaded (issue 9 section 3; docs/decisions/0020-payments.md):
//
// - WeChat Pay 交易账单 (CSV, UTF-8, often with a BOM): a header line 交易时间,公众账号ID,商户号,…,微信订单号,
//   商户订单号,…,交易状态,…,应结订单金额,…,退款金额,…,订单金额,…; every value prefixed by a backtick (so that
//   spreadsheets keep long numbers as text); then a summary block: a header line 总交易单数,应结订单总金额,
//   退款总金额,… and one line of values.
// - Alipay 业务明细 (CSV, GBK): `#` comment lines above the table (account, period) and below it (#交易合计：N笔，
//   商家实收：X元，… and #退款合计：…); columns 支付宝交易号, 商户订单号, 业务类型 (交易 / 退款), 商品名称, 创建时间,
//   完成时间, …, 订单金额（元）, 商家实收（元）, …, 退款批次号/请求号, 服务费（元）, …, 备注; values often end in a tab.
//
// The format is recognised by content, never by the file name. Any problem stops the whole file with the
// line (as a text editor numbers it), why, and the value: nothing is half-imported.
import iconv from 'iconv-lite';
import { AppError } from '../domain/errors.js';
import type { PaymentMethod, StatementLine } from '../domain/payment.js';
import { isValidTransactionId, parseYuan, statementPeriod } from '../domain/payment.js';

export interface StatementTotals {
  payments: number;
  paymentFen: number;
  refunds: number;
  refundFen: number;
}

export interface ParsedStatement {
  method: PaymentMethod;
  lines: StatementLine[];
  /** what the file's own summary lines say, and what its lines add up to (same definitions) */
  totals: { file: StatementTotals; lines: StatementTotals; agree: boolean };
  period: { from: string; to: string } | null;
}

type Reason =
  | 'statement-empty'
  | 'statement-format'
  | 'statement-encoding'
  | 'statement-columns'
  | 'statement-missing-column'
  | 'statement-transaction'
  | 'statement-amount'
  | 'statement-status'
  | 'statement-summary'
  | 'statement-no-rows'
  | 'statement-duplicate';

function fail(line: number, reason: Reason, value: string): never {
  const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
  throw new AppError('PAYMENT_STATEMENT_INVALID', { params: { line, reason, value: shown }, details: { line, reason, value: shown } });
}

/** UTF-8 (with or without BOM) when the bytes are valid UTF-8, else GBK (GB18030 is its superset). */
export function decodeStatement(bytes: Uint8Array): string {
  if (bytes.length === 0) fail(1, 'statement-empty', '');
  if (bytes.includes(0)) fail(1, 'statement-encoding', 'NUL');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = iconv.decode(Buffer.from(bytes), 'gb18030');
    if (text.includes('\uFFFD')) {
      // Neither UTF-8 nor GBK: the line of the first byte that is not UTF-8 (line breaks are the same bytes in both).
      const asUtf8 = new TextDecoder('utf-8').decode(bytes);
      const at = asUtf8.indexOf('\uFFFD');
      const lineNo = asUtf8.slice(0, at).split('\n').length;
      fail(lineNo, 'statement-encoding', asUtf8.slice(asUtf8.lastIndexOf('\n', at) + 1, at + 1));
    }
  }
  return text.replace(/^\uFEFF/, '');
}

/** One CSV line into fields (double quotes as RFC 4180; the merchants' files rarely use them). */
function splitCsv(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"' && cur.trim() === '') {
      quoted = true;
      cur = '';
    } else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** A value without the WeChat backtick, surrounding spaces and the tabs Alipay appends. */
function clean(v: string | undefined): string {
  return (v ?? '').replace(/^[\s`]+|\s+$/g, '').replace(/^`/, '');
}

function amountOf(lineNo: number, raw: string | undefined): number {
  const v = clean(raw);
  const fen = parseYuan(v);
  if (fen === undefined) fail(lineNo, 'statement-amount', v);
  return fen;
}

function sums(lines: StatementLine[], paymentFen: (l: StatementLine) => number): StatementTotals {
  const pay = lines.filter((l) => l.kind === 'payment');
  const ref = lines.filter((l) => l.kind === 'refund');
  return { payments: pay.length, paymentFen: pay.reduce((s, l) => s + paymentFen(l), 0), refunds: ref.length, refundFen: ref.reduce((s, l) => s + l.amountFen, 0) };
}

function checkDuplicates(lines: StatementLine[]): void {
  const seen = new Set<string>();
  for (const l of lines) {
    const key = `${l.kind}:${l.transactionId}:${l.merchantOrderNo ?? ''}`;
    if (l.kind === 'payment' && seen.has(key)) fail(l.lineNo, 'statement-duplicate', l.transactionId);
    seen.add(key);
  }
}

function columnIndex(header: string[], lineNo: number, names: string[]): number[] {
  return names.map((n) => {
    const i = header.indexOf(n);
    if (i < 0) fail(lineNo, 'statement-missing-column', n);
    return i;
  });
}

function parseWechat(rows: string[]): ParsedStatement {
  const headerAt = rows.findIndex((r) => r.startsWith('交易时间,'));
  const header = splitCsv(rows[headerAt]!).map(clean);
  const [iTime, iTx, iOrder, iStatus, iSettled, iRefund] = columnIndex(header, headerAt + 1, ['交易时间', '微信订单号', '商户订单号', '交易状态', '应结订单金额', '退款金额']) as [number, number, number, number, number, number];
  const iAmount = header.indexOf('订单金额');
  const lines: StatementLine[] = [];
  const settled = new Map<number, number>();
  let summaryAt = -1;
  for (let i = headerAt + 1; i < rows.length; i++) {
    const raw = rows[i]!;
    const lineNo = i + 1;
    if (raw.trim() === '') continue;
    if (raw.startsWith('总交易单数')) {
      summaryAt = i;
      break;
    }
    const f = splitCsv(raw);
    if (f.length !== header.length) fail(lineNo, 'statement-columns', `${f.length} ≠ ${header.length}`);
    const status = clean(f[iStatus]);
    const tx = clean(f[iTx]);
    if (!isValidTransactionId('wechat', tx)) fail(lineNo, 'statement-transaction', tx);
    const base = { lineNo, transactionId: tx, merchantOrderNo: clean(f[iOrder]) || null, tradedAt: clean(f[iTime]) || null };
    if (status === 'SUCCESS') {
      const orderAmount = iAmount >= 0 && clean(f[iAmount]) !== '' ? amountOf(lineNo, f[iAmount]) : amountOf(lineNo, f[iSettled]);
      settled.set(lineNo, amountOf(lineNo, f[iSettled]));
      lines.push({ ...base, kind: 'payment', amountFen: orderAmount });
    } else if (status === 'REFUND') {
      lines.push({ ...base, kind: 'refund', amountFen: Math.abs(amountOf(lineNo, f[iRefund])) });
    } else if (status === 'REVOKED') {
      continue; // 已撤销: no money moved
    } else fail(lineNo, 'statement-status', status);
  }
  if (summaryAt < 0 || summaryAt + 1 >= rows.length) fail(rows.length, 'statement-summary', '总交易单数');
  const sHeader = splitCsv(rows[summaryAt]!).map(clean);
  const sValues = splitCsv(rows[summaryAt + 1]!);
  const [sCount, sSettled, sRefund] = columnIndex(sHeader, summaryAt + 1, ['总交易单数', '应结订单总金额', '退款总金额']) as [number, number, number];
  const countText = clean(sValues[sCount]);
  if (!/^\d+$/.test(countText)) fail(summaryAt + 2, 'statement-summary', countText);
  const file: StatementTotals = {
    payments: Number(countText), // WeChat counts every line of the bill, refunds included
    paymentFen: amountOf(summaryAt + 2, sValues[sSettled]),
    refunds: lines.filter((l) => l.kind === 'refund').length,
    refundFen: Math.abs(amountOf(summaryAt + 2, sValues[sRefund])),
  };
  const fromLines = sums(lines, (l) => settled.get(l.lineNo) ?? l.amountFen);
  const linesTotals: StatementTotals = { ...fromLines, payments: fromLines.payments + fromLines.refunds };
  return finish('wechat', lines, file, linesTotals);
}

function parseAlipay(rows: string[]): ParsedStatement {
  const headerAt = rows.findIndex((r) => clean(r).startsWith('支付宝交易号'));
  const header = splitCsv(rows[headerAt]!).map(clean);
  const [iTx, iOrder, iType, iCreated, iDone, iAmount, iReceived] = columnIndex(header, headerAt + 1, ['支付宝交易号', '商户订单号', '业务类型', '创建时间', '完成时间', '订单金额（元）', '商家实收（元）']) as [number, number, number, number, number, number, number];
  const lines: StatementLine[] = [];
  const received = new Map<number, number>();
  const comments: { lineNo: number; text: string }[] = [];
  for (let i = headerAt + 1; i < rows.length; i++) {
    const raw = rows[i]!;
    const lineNo = i + 1;
    if (raw.trim() === '') continue;
    if (raw.startsWith('#')) {
      comments.push({ lineNo, text: raw });
      continue;
    }
    const f = splitCsv(raw);
    if (f.length !== header.length) fail(lineNo, 'statement-columns', `${f.length} ≠ ${header.length}`);
    const tx = clean(f[iTx]);
    if (!isValidTransactionId('alipay', tx)) fail(lineNo, 'statement-transaction', tx);
    const type = clean(f[iType]);
    const base = { lineNo, transactionId: tx, merchantOrderNo: clean(f[iOrder]) || null, tradedAt: clean(f[iDone]) || clean(f[iCreated]) || null };
    const got = amountOf(lineNo, f[iReceived]);
    received.set(lineNo, got);
    if (type === '交易') lines.push({ ...base, kind: 'payment', amountFen: amountOf(lineNo, f[iAmount]) });
    else if (type === '退款') lines.push({ ...base, kind: 'refund', amountFen: Math.abs(got) });
    else fail(lineNo, 'statement-status', type);
  }
  const summary = (label: string): { count: number; fen: number } => {
    const c = comments.find((x) => x.text.replace(/^#\s*/, '').startsWith(label));
    if (!c) fail(rows.length, 'statement-summary', `#${label}`);
    const m = /：\s*(\d+)\s*笔[，,]\s*商家实收：\s*(-?[\d.]+)\s*元/.exec(c.text);
    const fen = m ? parseYuan(m[2]!) : undefined;
    if (!m || fen === undefined) fail(c.lineNo, 'statement-summary', c.text);
    return { count: Number(m[1]), fen };
  };
  const trades = summary('交易合计');
  const refunds = summary('退款合计');
  const file: StatementTotals = { payments: trades.count, paymentFen: trades.fen, refunds: refunds.count, refundFen: Math.abs(refunds.fen) };
  return finish('alipay', lines, file, sums(lines, (l) => received.get(l.lineNo) ?? l.amountFen));
}

function finish(method: PaymentMethod, lines: StatementLine[], file: StatementTotals, fromLines: StatementTotals): ParsedStatement {
  checkDuplicates(lines);
  const agree = file.payments === fromLines.payments && file.paymentFen === fromLines.paymentFen && file.refunds === fromLines.refunds && file.refundFen === fromLines.refundFen;
  return { method, lines, totals: { file, lines: fromLines, agree }, period: statementPeriod(lines) };
}

/** Reads a WeChat Pay 交易账单 or an Alipay 业务明细, recognised by content. Throws PAYMENT_STATEMENT_INVALID. */
export function parsePaymentStatement(bytes: Uint8Array): ParsedStatement {
  const text = decodeStatement(bytes);
  const rows = text.split(/\r?\n/);
  if (rows.every((r) => r.trim() === '')) fail(1, 'statement-empty', '');
  const wechat = rows.findIndex((r) => r.startsWith('交易时间,') && r.includes('微信订单号'));
  if (wechat >= 0) return ensureRows(parseWechat(rows), wechat + 2);
  const alipay = rows.findIndex((r) => clean(r).startsWith('支付宝交易号') && r.includes('业务类型'));
  if (alipay >= 0) return ensureRows(parseAlipay(rows), alipay + 2);
  const first = rows.find((r) => r.trim() !== '') ?? '';
  fail(rows.indexOf(first) + 1, 'statement-format', first);
}

function ensureRows(p: ParsedStatement, firstDataLine: number): ParsedStatement {
  if (p.lines.length === 0) fail(firstDataLine, 'statement-no-rows', '');
  return p;
}
