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

/** Code points, not UTF-16 units, so "…" and accented names align. */
const width = (s: string) => [...s].length;
function cut(s: string, max: number): string {
  const chars = [...s];
  if (chars.length <= max) return s;
  return max <= 1 ? chars.slice(0, max).join('') : `${chars.slice(0, max - 1).join('')}…`;
}

export function renderTable(listing: Listing, ctx: TerminalContext): string {
  if (listing.rows.length === 0) return listing.empty ? `${listing.empty}\n` : '';
  const { columns } = listing;
  const cells: string[][][] = listing.rows.map((row) =>
    columns.map((c) => {
      const text = c.text ? c.text(row[c.key], row) : tableText(row[c.key]);
      const lines = Array.isArray(text) ? text : [text];
      return lines.length ? lines.flatMap((l) => l.split('\n')) : [''];
    }),
  );
  const widths = columns.map((c, i) => Math.max(width(c.header), ...cells.map((r) => Math.max(...r[i].map(width)))));
  const gap = 2;
  // On a terminal, cut shrinkable columns (widest first) until the table fits.
  if (Number.isFinite(ctx.width)) {
    let total = widths.reduce((a, b) => a + b, 0) + gap * (columns.length - 1);
    while (total > ctx.width) {
      let widest = -1;
      columns.forEach((c, i) => {
        if (c.shrink && widths[i] > Math.max(8, width(c.header)) && (widest < 0 || widths[i] > widths[widest])) widest = i;
      });
      if (widest < 0) break;
      const take = Math.min(total - ctx.width, widths[widest] - Math.max(8, width(columns[widest].header)));
      widths[widest] -= take;
      total -= take;
    }
  }
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
      .join(' '.repeat(gap))
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
