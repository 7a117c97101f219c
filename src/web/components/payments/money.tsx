import type { ReactNode } from 'react';

/** 2000 → "20.00", 124000 → "1,240.00": yuan with two decimals, exactly (integer fen, no floating point). */
export function formatFen(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(fen));
  const yuan = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${yuan}.${String(abs % 100).padStart(2, '0')}`;
}

/** Numbers a cashier adds up: right-aligned, digits of equal width. */
export const NUMBER_STYLE = { fontVariantNumeric: 'tabular-nums', whiteSpace: 'nowrap' } as const;

export function Yuan({ fen, testId }: { fen: number; testId?: string }): ReactNode {
  return (
    <span style={NUMBER_STYLE} data-testid={testId}>
      {formatFen(fen)}
    </span>
  );
}

/** Transaction numbers: monospace, never wrapped, selectable in one go. */
export function TxNumber({ value }: { value: string }): ReactNode {
  return <span style={{ fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', whiteSpace: 'nowrap', userSelect: 'all' }}>{value}</span>;
}
