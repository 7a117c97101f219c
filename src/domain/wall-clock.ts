// The campaign's wall clock: an instant read in the campaign's IANA time zone (Asia/Shanghai), whatever the
// server's own zone. One formatter per zone, built once: building an Intl.DateTimeFormat costs far more than
// using one (the first costs ~10 ms while ICU loads the zone; later ones still a fraction of a millisecond
// each), and spreadsheets and lists read one clock per row.

const FORMATTERS = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let f = FORMATTERS.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    FORMATTERS.set(timeZone, f);
  }
  return f;
}

export interface WallClock {
  /** YYYY-MM-DD */
  date: string;
  /** HH:MM (24 h) */
  time: string;
  /** HH:MM:SS (24 h) */
  timeWithSeconds: string;
  /** the wall-clock reading as if it were UTC, in ms (for differences between two readings) */
  asUtcMs: number;
}

/** An instant (a Date, epoch ms or ISO string) read on the wall clock of `timeZone`. */
export function wallClockOf(at: Date | number | string, timeZone: string): WallClock {
  const parts = formatterOf(timeZone).formatToParts(at instanceof Date ? at : new Date(at));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '00';
  const [y, mo, d, h, mi, s] = [part('year'), part('month'), part('day'), part('hour'), part('minute'), part('second')];
  return {
    date: `${y}-${mo}-${d}`,
    time: `${h}:${mi}`,
    timeWithSeconds: `${h}:${mi}:${s}`,
    asUtcMs: Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)),
  };
}

/** `YYYY-MM-DD HH:MM` on the wall clock of `timeZone` (messages, spreadsheets, the hand-over list). */
export function wallClockText(at: Date | number | string, timeZone: string): string {
  const w = wallClockOf(at, timeZone);
  return `${w.date} ${w.time}`;
}
