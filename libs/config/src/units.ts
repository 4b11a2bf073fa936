/**
 * Durations and sizes as people write them in configuration files: `250ms`, `30s`, `1m`,
 * `1h30m`, `64MiB`, `1.5GB`. Parsing never guesses a unit for a duration (a bare `30`
 * could be seconds or milliseconds); a bare number is accepted for a size (bytes).
 */

const DURATION_UNITS_MS: Record<string, number> = {
  us: 0.001,
  µs: 0.001,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** Decimal (kB, MB, GB: powers of 1000) and binary (KiB, MiB, GiB: powers of 1024) units. */
const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
  k: 2 ** 10,
  m: 2 ** 20,
  g: 2 ** 30,
};

const DURATION_PART = /(\d+(?:\.\d+)?)\s*(us|µs|ms|s|m|h|d)/y;

/**
 * Parses a duration into milliseconds (fractions kept: `500us` → 0.5). Accepts one or more
 * number+unit parts (`1h30m`) and a bare `0`. Throws a RangeError saying what is accepted.
 */
export function parseDuration(text: string): number {
  const input = text.trim();
  if (input === '0') return 0;
  let total = 0;
  let at = 0;
  while (at < input.length) {
    DURATION_PART.lastIndex = at;
    const match = DURATION_PART.exec(input);
    if (!match) break;
    total += Number(match[1]) * DURATION_UNITS_MS[match[2]];
    at = DURATION_PART.lastIndex;
    while (input[at] === ' ') at++;
  }
  if (at === 0 || at !== input.length) {
    throw new RangeError(`"${text}" is not a duration (examples: 250ms, 30s, 1m, 1h30m; units us ms s m h d)`);
  }
  return total;
}

/** Parses a size into bytes (rounded down to whole bytes). A bare number is bytes. */
export function parseSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const factor = match ? SIZE_UNITS[(match[2] || 'b').toLowerCase()] : undefined;
  if (!match || factor === undefined) {
    throw new RangeError(`"${text}" is not a size (examples: 65536, 512KiB, 64MiB, 1GB; binary units KiB MiB GiB, decimal kB MB GB)`);
  }
  const bytes = Math.floor(Number(match[1]) * factor);
  if (!Number.isSafeInteger(bytes)) throw new RangeError(`"${text}" is too large`);
  return bytes;
}

/** The shortest exact text for a duration in milliseconds: 250 → "250ms", 90000 → "1m30s". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0';
  if (!Number.isInteger(ms)) return `${Math.round(ms * 1000)}us`;
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0) parts.push(`${rest}ms`);
  return parts.join('');
}

/** The exact text for a size in bytes, with the largest binary unit that divides it. */
export function formatSize(bytes: number): string {
  for (const [unit, size] of [
    ['TiB', 2 ** 40],
    ['GiB', 2 ** 30],
    ['MiB', 2 ** 20],
    ['KiB', 2 ** 10],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}
