import type { TFunction } from 'i18next';
import type { Board, BoardCall } from '../../../contracts/board.js';
import { stationNumberOf } from '../../../contracts/board.js';
import { wallClockParts } from '../../format.js';

/** A station as people read it: "beijing-2" → "2 号机位" / "Station 2"; an id without a number stays as it is. */
export function stationLabel(t: TFunction, stationId: string): string {
  const n = stationNumberOf(stationId);
  return n === null ? stationId : t('desk.board.station', { n });
}

/** The spoken call, always in Chinese (the hall's language): "请 B037 号到 2 号机位". */
export function spokenCall(number: string, stationId: string): string {
  const n = stationNumberOf(stationId);
  return `请 ${number.replace('-', '')} 号到 ${n === null ? stationId : `${n} 号机位`}`;
}

/** 09:30 (Beijing time) */
export function beijingTime(at: Date | string, withSeconds = false): string {
  const { time, seconds } = wallClockParts(typeof at === 'string' ? new Date(at) : at);
  return withSeconds ? `${time}:${seconds}` : time;
}

/** 2024-11-01 09:30 (Beijing time) */
export function beijingDateTime(at: Date | string): string {
  const { date, time } = wallClockParts(typeof at === 'string' ? new Date(at) : at);
  return `${date} ${time}`;
}

/** 2000 → "20.00" */
export function yuan(fen: number): string {
  return (fen / 100).toFixed(2);
}

/** What identifies one call of a ticket: a recall or a transfer makes a new one. */
export type CallKeys = Map<string, string>;

function keyOf(c: BoardCall): string {
  return `${c.stationId}|${c.calledAt}|${c.recalls}`;
}

export function callKeys(board: Board): CallKeys {
  return new Map(board.calls.map((c) => [c.number, keyOf(c)]));
}

/**
 * The calls to speak when a new board arrives: tickets called now whose call is new since the board before
 * (a new call, a recall, a transfer to another station), oldest first. Nothing for the first board (what was
 * on the screen when it opened is not announced again).
 */
export function callsToSpeak(previous: CallKeys | null, board: Board): BoardCall[] {
  if (!previous) return [];
  return board.calls.filter((c) => c.current && previous.get(c.number) !== keyOf(c)).reverse();
}
