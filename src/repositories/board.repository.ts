// The call board's reads (issue 9 section 2; docs/decisions/0021-call-board.md): the day's calls of a site and
// how many wait. Only ticket columns: nothing of the students behind them.
import type { Tx } from '../db/database.js';

export interface BoardCallRow {
  number: string;
  station_id: string | null;
  status: string;
  recalls: number;
  called_at: string | null;
  updated_at: string;
}

const CALL_COLUMNS = ['number', 'station_id', 'status', 'recalls', 'called_at', 'updated_at'] as const;

/**
 * The tickets of a site's day that are called now, and the `served` most recently called ones that were
 * served (a skipped ticket went back to waiting, a removed one is gone from the board).
 */
export async function listBoardCalls(db: Tx, campaignId: string, site: string, date: string, served: number): Promise<BoardCallRow[]> {
  const base = () =>
    db.selectFrom('queue_tickets').select(CALL_COLUMNS).where('campaign_id', '=', campaignId).where('site', '=', site).where('date', '=', date).where('called_at', 'is not', null);
  const [called, done] = await Promise.all([
    base().where('status', '=', 'called').execute(),
    base().where('status', '=', 'served').orderBy('called_at', 'desc').orderBy('seq', 'desc').limit(served).execute(),
  ]);
  return [...called, ...done].map((r) => ({ ...r, recalls: Number(r.recalls) }));
}

export async function countWaiting(db: Tx, campaignId: string, site: string, date: string): Promise<number> {
  const row = await db
    .selectFrom('queue_tickets')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('campaign_id', '=', campaignId)
    .where('site', '=', site)
    .where('date', '=', date)
    .where('status', '=', 'waiting')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
