/**
 * One renderer for every listing: commands return rows (plain objects) and column specs;
 * this prints them as an aligned table (colour and terminal width only on a terminal),
 * CSV (RFC 4180, ISO 8601 UTC times) or JSON (the rows themselves, nothing else on stdout).
 */
import { formatIsoUtc, formatLocal } from '../query/time';

/** A point in time (µs since the epoch): local time in a table, ISO 8601 UTC in JSON/CSV. */
export class Instant {
  constructor(readonly us: number) {}
  toJSON(): string | null {
    return this.us ? formatIsoUtc(this.us) : null;
  }
}
export const instant = (us: number) => new Instant(us);

export type Color = 'red' | 'yellow' | 'green' | 'cyan' | 'dim' | 'bold';

export interface Column {
  /** Key in the row object. */
  key: string;
  header: string;
  align?: 'left' | 'right';
  /** Table text for the value (default: see {@link tableText}). */
  text?: (value: unknown, row: Record<string, unknown>) => string | string[];
  /** CSV text for the value (default: see {@link csvText}). */
  csv?: (value: unknown, row: Record<string, unknown>) => string;
  color?: (value: unknown, row: Record<string, unknown>) => Color | undefined;
  /** May be cut with "…" to fit the terminal width. */
  shrink?: boolean;
  /** May be left out on a terminal too narrow for the table; higher goes first. */
  drop?: number;
}

export interface Listing {
  columns: Column[];
  rows: Record<string, unknown>[];
  /** Printed instead of an empty table (stderr-worthy, so only in table format). */
  empty?: string;
}

export interface TerminalContext {
  /** stdout is a terminal. */
  tty: boolean;
  /** ANSI colours (terminal, and NO_COLOR not set). */
  color: boolean;
  /** Terminal width in columns; Infinity when not a terminal. */
  width: number;
}

export function terminalContext(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): TerminalContext {
  const tty = Boolean(stream.isTTY);
  return {
    tty,
    color: tty && !env.NO_COLOR && env.TERM !== 'dumb',
    width: tty ? stream.columns || 80 : Infinity,
  };
}

const ANSI: Record<Color, [string, string]> = {
  red: ['\x1b[31m', '\x1b[39m'],
  yellow: ['\x1b[33m', '\x1b[39m'],
  green: ['\x1b[32m', '\x1b[39m'],
  cyan: ['\x1b[36m', '\x1b[39m'],
  dim: ['\x1b[2m', '\x1b[22m'],
  bold: ['\x1b[1m', '\x1b[22m'],
};

export function paint(text: string, color: Color | undefined, enabled: boolean): string {
  if (!enabled || !color || !text) return text;
  return `${ANSI[color][0]}${text}${ANSI[color][1]}`;
}

/** Default table text: times in local time, lists one item per line, empty for nothing. */
export function tableText(value: unknown): string | string[] {
  if (value === null || value === undefined) return '';
  if (value instanceof Instant) return formatLocal(value.us);
  if (Array.isArray(value)) return value.flatMap((v) => tableText(v));
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Default CSV text: times ISO 8601 UTC, lists joined with spaces. */
export function csvText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Instant) return formatIsoUtc(value.us);
  if (Array.isArray(value)) return value.map((v) => csvText(v)).join(' ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** RFC 4180: quote fields holding a comma, quote, CR or LF; double the quotes. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function renderCsv(listing: Listing): string {
  const lines = [listing.columns.map((c) => csvField(c.key)).join(',')];
  for (const row of listing.rows) {
    lines.push(listing.columns.map((c) => csvField(c.csv ? c.csv(row[c.key], row) : csvText(row[c.key]))).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** JSON with times as ISO 8601 UTC (Instant.toJSON), two-space indent, trailing newline. */
export function renderJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Code points, not UTF-16 units, so "…" and accented names align (ASCII: its length). */
const width = (s: string) => (ASCII.test(s) ? s.length : [...s].length);
const ASCII = /^[\x00-\x7f]*$/;
function cut(s: string, max: number): string {
  if (s.length <= max) return s; // never more code points than UTF-16 units
  const chars = [...s];
  if (chars.length <= max) return s;
  return max <= 1 ? chars.slice(0, max).join('') : `${chars.slice(0, max - 1).join('')}…`;
}

const GAP = 2;
/** A shrinkable column is never cut below this many characters (or its header). */
const MIN_SHRUNK = 8;

/**
 * Column widths for a terminal `max` columns wide: shrinkable columns are cut (widest
 * first) down to MIN_SHRUNK; if that is not enough, droppable columns go (highest `drop`
 * first) and the cutting starts over. Returns the kept column indexes and their widths.
 */
function fit(columns: Column[], natural: number[], max: number): { keep: number[]; widths: number[] } {
  let keep = columns.map((_, i) => i);
  for (;;) {
    const widths = keep.map((i) => natural[i]);
    let total = widths.reduce((a, b) => a + b, 0) + GAP * (keep.length - 1);
    while (total > max) {
      let widest = -1;
      keep.forEach((ci, k) => {
        const floor = Math.max(MIN_SHRUNK, width(columns[ci].header));
        if (columns[ci].shrink && widths[k] > floor && (widest < 0 || widths[k] > widths[widest])) widest = k;
      });
      if (widest < 0) break;
      const take = Math.min(total - max, widths[widest] - Math.max(MIN_SHRUNK, width(columns[keep[widest]].header)));
      widths[widest] -= take;
      total -= take;
    }
    const droppable = keep.filter((i) => columns[i].drop !== undefined);
    if (total <= max || droppable.length === 0) return { keep, widths };
    const victim = droppable.reduce((a, b) => ((columns[b].drop ?? 0) > (columns[a].drop ?? 0) ? b : a));
    keep = keep.filter((i) => i !== victim);
  }
}

export function renderTable(listing: Listing, ctx: TerminalContext): string {
  if (listing.rows.length === 0) return listing.empty ? `${listing.empty}\n` : '';
  const cellsAll: string[][][] = listing.rows.map((row) =>
    listing.columns.map((c) => {
      const text = c.text ? c.text(row[c.key], row) : tableText(row[c.key]);
      const lines = Array.isArray(text) ? text : [text];
      return lines.length ? lines.flatMap((l) => l.split('\n')) : [''];
    }),
  );
  const natural = listing.columns.map((c, i) => Math.max(width(c.header), ...cellsAll.map((r) => Math.max(...r[i].map(width)))));
  // Off a terminal nothing is cut or dropped: the reader may be a pager or a file.
  const { keep, widths } = Number.isFinite(ctx.width) ? fit(listing.columns, natural, ctx.width) : { keep: natural.map((_, i) => i), widths: natural };
  const columns = keep.map((i) => listing.columns[i]);
  const cells = cellsAll.map((r) => keep.map((i) => r[i]));
  const out: string[] = [];
  const line = (texts: string[], colors: (Color | undefined)[]) =>
    texts
      .map((t, i) => {
        const fitted = cut(t, widths[i]);
        const padding = ' '.repeat(widths[i] - width(fitted));
        const painted = paint(fitted, colors[i], ctx.color);
        if (i === texts.length - 1 && columns[i].align !== 'right') return painted;
        return columns[i].align === 'right' ? padding + painted : painted + padding;
      })
      .join(' '.repeat(GAP))
      .trimEnd();
  out.push(line(columns.map((c) => c.header), columns.map(() => 'bold' as Color)));
  listing.rows.forEach((row, r) => {
    const colors = columns.map((c) => c.color?.(row[c.key], row));
    const height = Math.max(...cells[r].map((lines) => lines.length));
    for (let k = 0; k < height; k++) {
      out.push(line(cells[r].map((lines) => lines[k] ?? ''), k === 0 ? colors : colors.map(() => undefined)));
    }
  });
  return `${out.join('\n')}\n`;
}

export type ListingFormat = 'table' | 'json' | 'csv';
export const LISTING_FORMATS: readonly ListingFormat[] = ['table', 'json', 'csv'];

export function renderListing(listing: Listing, format: ListingFormat, ctx: TerminalContext): string {
  switch (format) {
    case 'json':
      return renderJson(listing.rows);
    case 'csv':
      return renderCsv(listing);
    default:
      return renderTable(listing, ctx);
  }
}

/** Colour for a mismatch state. */
export function stateColor(value: unknown): Color | undefined {
  return value === 'open' ? 'red' : value === 'acknowledged' ? 'yellow' : value === 'resolved' ? 'green' : undefined;
}
