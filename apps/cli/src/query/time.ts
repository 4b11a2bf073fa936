/**
 * Time arguments and time output.
 *
 * Input (`--since`, `--until`): a duration back from now (`90s`, `15m`, `24h`, `7d`, `2w`,
 * `1h30m`), `now`, an ISO 8601 date (`2026-11-01`, local midnight) or timestamp
 * (`2026-11-01T08:30`, local time; `2026-11-01T08:30:00Z` or `+01:00`, as given).
 * Output: local time on a terminal, ISO 8601 UTC in JSON and CSV. The wire carries
 * microseconds since the Unix epoch.
 */
import { usageError } from './errors';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
// YYYY-MM-DD[T ]HH:MM[:SS[.fraction]][Z|±HH:MM|±HHMM]
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/i;

export const TIME_SYNTAX_HELP =
  'a duration back from now (90s, 15m, 24h, 7d, 1h30m), "now", an ISO 8601 date (2026-11-01, local midnight) or timestamp (2026-11-01T08:30, 2026-11-01T08:30:00Z)';

/** Milliseconds in a duration such as `90s` or `1h30m`, or null when it is not one. */
export function parseRelativeDuration(text: string): number | null {
  const input = text.trim().toLowerCase();
  if (!DURATION.test(input)) return null;
  let total = 0;
  for (const match of input.matchAll(DURATION_PART)) total += Number(match[1]) * UNIT_MS[match[2]];
  return total;
}

/**
 * A time argument → microseconds since the epoch. `nowMs` is injected for tests.
 * Throws a usage error (exit 2) naming the option and the accepted syntax.
 */
export function parseTimeArg(text: string, option: string, nowMs: number = Date.now()): number {
  const input = text.trim();
  const bad = (why: string) => usageError(`${option} "${text}" ${why}; use ${TIME_SYNTAX_HELP}`);
  if (input.toLowerCase() === 'now') return nowMs * 1000;
  const duration = parseRelativeDuration(input);
  if (duration !== null) return Math.round((nowMs - duration) * 1000);

  const date = DATE_ONLY.exec(input);
  if (date) {
    const [y, mo, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const local = new Date(y, mo - 1, d);
    if (local.getFullYear() !== y || local.getMonth() !== mo - 1 || local.getDate() !== d) throw bad('is not a calendar date');
    return local.getTime() * 1000;
  }

  const ts = TIMESTAMP.exec(input);
  if (ts) {
    const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(ts[i] ?? 0));
    const fractionUs = ts[7] ? Math.round(Number(`0.${ts[7]}`) * 1e6) : 0;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) throw bad('is not a valid time');
    let ms: number;
    const zone = ts[8];
    if (zone === undefined) {
      const local = new Date(y, mo - 1, d, h, mi, s);
      if (local.getDate() !== d) throw bad('is not a calendar date');
      ms = local.getTime();
    } else {
      const utc = Date.UTC(y, mo - 1, d, h, mi, s);
      if (new Date(utc).getUTCDate() !== d) throw bad('is not a calendar date');
      let offsetMin = 0;
      if (zone.toUpperCase() !== 'Z') {
        const digits = zone.replace(':', '');
        offsetMin = (zone[0] === '-' ? -1 : 1) * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
      }
      ms = utc - offsetMin * 60_000;
    }
    return ms * 1000 + fractionUs;
  }
  if (/^\d+$/.test(input)) throw bad('has no unit');
  throw bad('is not a time');
}

/** ISO 8601 UTC with millisecond precision (what JSON and CSV carry); empty for 0 (never). */
export function formatIsoUtc(us: number): string {
  if (!us) return '';
  return new Date(Math.floor(us / 1000)).toISOString();
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Local time for a terminal: "2026-11-26 12:03:04"; empty for 0 (never). */
export function formatLocal(us: number): string {
  if (!us) return '';
  const t = new Date(Math.floor(us / 1000));
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())} ${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())}`;
}

/** "3m ago", "2h ago", "5d ago": for last-seen columns next to the absolute time. */
export function formatAgo(us: number, nowMs: number = Date.now()): string {
  const seconds = Math.max(0, Math.round(nowMs / 1000 - us / 1e6));
  if (seconds < 90) return `${seconds}s ago`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)}m ago`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)}h ago`;
  return `${Math.round(seconds / 86_400)}d ago`;
}

/** A signed offset in microseconds for people: "+1.250s", "-3ms", "0". */
export function formatOffset(us: number): string {
  if (us === 0) return '0';
  const sign = us < 0 ? '-' : '+';
  const abs = Math.abs(us);
  if (abs < 1000) return `${sign}${abs}us`;
  if (abs < 1_000_000) return `${sign}${(abs / 1000).toFixed(abs < 10_000 ? 1 : 0)}ms`;
  return `${sign}${(abs / 1e6).toFixed(3)}s`;
}

/** The short form for option help. */
export const TIME_HINT = 'e.g. 90s, 15m, 24h, 7d, 2026-11-01, 2026-11-01T08:30:00Z';
