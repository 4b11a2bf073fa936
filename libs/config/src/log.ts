/**
 * A small structured logger. Not on a terminal (systemd, containers, pipes): one JSON
 * object per line on stderr, `{"time","level","name","msg",...fields}`, for journald
 * and log shippers. On a terminal: readable lines, colored unless NO_COLOR is set
 * (https://no-color.org: any non-empty value). stdout stays free for program output.
 */

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['auto', 'json', 'text'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** Whether a level is written (skip building expensive fields otherwise). */
  enabled(level: LogLevel): boolean;
  setLevel(level: LogLevel): void;
  /** A logger that adds `fields` to every line and shares this one's level. */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** `auto`: JSON unless the stream is a TTY. */
  format?: LogFormat;
  /** Program name, the `name` field. */
  name?: string;
  stream?: { write(text: string): unknown; isTTY?: boolean };
  env?: Record<string, string | undefined>;
  /** Clock for tests. */
  now?: () => Date;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const COLOR: Record<LogLevel, string> = { debug: '\x1b[90m', info: '\x1b[36m', warn: '\x1b[33m', error: '\x1b[31m' };
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';

/** Makes values JSON-safe: errors as {message, code, stack}, Buffers as hex, bigints as text. */
function plain(value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { message: value.message, ...(code === undefined ? {} : { code }), ...(value.stack ? { stack: value.stack } : {}) };
  }
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex');
  if (typeof value === 'bigint') return value.toString();
  return value;
}

function textValue(value: unknown): string {
  const v = plain(value);
  if (v instanceof Object && 'message' in v && value instanceof Error) return JSON.stringify((v as { message: string }).message);
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v);
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const stream = options.stream ?? process.stderr;
  const env = options.env ?? process.env;
  const now = options.now ?? (() => new Date());
  const format = options.format ?? 'auto';
  const json = format === 'json' || (format === 'auto' && !stream.isTTY);
  const color = !json && Boolean(stream.isTTY) && !env.NO_COLOR;
  const state = { threshold: RANK[options.level ?? 'info'] };

  const build = (bound: LogFields): Logger => {
    const write = (level: LogLevel, msg: string, fields?: LogFields) => {
      if (RANK[level] < state.threshold) return;
      const all = fields ? { ...bound, ...fields } : bound;
      const time = now();
      if (json) {
        const record: LogFields = { time: time.toISOString(), level };
        if (options.name) record.name = options.name;
        record.msg = msg;
        for (const [k, v] of Object.entries(all)) if (v !== undefined) record[k] = plain(v);
        stream.write(JSON.stringify(record) + '\n');
        return;
      }
      const clock = time.toISOString().slice(11, 23);
      const tag = level.toUpperCase().padEnd(5);
      const rest = Object.entries(all)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${textValue(v)}`)
        .join(' ');
      const line = color
        ? `${DIM}${clock}${RESET} ${COLOR[level]}${tag}${RESET} ${msg}${rest ? ` ${DIM}${rest}${RESET}` : ''}`
        : `${clock} ${tag} ${msg}${rest ? ` ${rest}` : ''}`;
      stream.write(line + '\n');
    };
    return {
      debug: (msg, fields) => write('debug', msg, fields),
      info: (msg, fields) => write('info', msg, fields),
      warn: (msg, fields) => write('warn', msg, fields),
      error: (msg, fields) => write('error', msg, fields),
      enabled: (level) => RANK[level] >= state.threshold,
      setLevel: (level) => {
        state.threshold = RANK[level];
      },
      child: (fields) => build({ ...bound, ...fields }),
    };
  };
  return build({});
}

/**
 * Lets a repeated event through at most once per `intervalMs` per key and counts what it
 * held back, so a flood (malformed frames) costs one log line, not thousands:
 *
 *   const limiter = new LogRateLimiter(10_000);
 *   const suppressed = limiter.take('truncated');
 *   if (suppressed !== undefined) log.debug('malformed frame', { kind, suppressed });
 */
export class LogRateLimiter {
  private readonly last = new Map<string, { at: number; held: number }>();
  constructor(
    private readonly intervalMs: number,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** undefined: hold this one back. A number: log it, and that many were held back since the last one. */
  take(key: string): number | undefined {
    const now = this.clock();
    const entry = this.last.get(key);
    if (entry && now - entry.at < this.intervalMs) {
      entry.held++;
      return undefined;
    }
    const held = entry?.held ?? 0;
    this.last.set(key, { at: now, held: 0 });
    return held;
  }
}
