/**
 * Typed configuration definitions. An app declares its keys once, with type, default,
 * doc and validation; everything else (env names, flags, file keys, help text, the
 * `--print-config` output) is derived from that one declaration, so they cannot drift.
 *
 *   const schema = defineConfig({
 *     collector: field.string({ default: '127.0.0.1:50051', doc: 'collector host:port' }),
 *     'tls.ca': field.string({ doc: 'CA bundle (PEM) to verify the collector' }),
 *     batchMaxDelay: field.duration({ default: '250ms', doc: '…' }),
 *   });
 *
 * Key `tls.ca` is `tls: { ca: … }` in a file, `NEIGHWATCH_TLS_CA` in the environment and
 * `--tls-ca` on the command line; `batchMaxDelay` is `NEIGHWATCH_BATCH_MAX_DELAY` and
 * `--batch-max-delay`.
 */
import { formatDuration, formatSize, parseDuration, parseSize } from './units';

export type FieldType = 'string' | 'integer' | 'number' | 'boolean' | 'duration' | 'size' | 'list' | 'enum';

/** One configuration key. `T` is the type of the loaded value. */
export interface Field<T> {
  readonly type: FieldType;
  readonly doc: string;
  /** The default, already parsed (durations in ms, sizes in bytes). */
  readonly default: T;
  /** Redacted by `formatConfig` (tokens, passwords). */
  readonly secret: boolean;
  /** For `enum`: the accepted values. */
  readonly values?: readonly string[];
  /** Turns raw input (text from env/flags, or a YAML/JSON value) into a value, or throws with a reason. */
  parse(raw: unknown): T;
  /** Text for help and `--print-config`. */
  format(value: T): unknown;
}

export type Schema = Record<string, Field<unknown>>;
export type ConfigOf<S extends Schema> = { -readonly [K in keyof S]: S[K] extends Field<infer T> ? T : never };

/** Identity function that keeps the literal key types of a schema. */
export function defineConfig<S extends Schema>(schema: S): S {
  for (const key of Object.keys(schema)) {
    if (!/^[a-z][a-zA-Z0-9]*(\.[a-z][a-zA-Z0-9]*)*$/.test(key)) {
      throw new Error(`config definition: key "${key}" must be camelCase segments separated by dots`);
    }
  }
  return schema;
}

interface Common<T> {
  doc: string;
  secret?: boolean;
  /** Extra check on the parsed value: return a reason to reject it, or undefined. */
  validate?: (value: T) => string | undefined;
}

class ValueError extends Error {}

function make<T>(
  type: FieldType,
  options: Common<T> & { default?: unknown; values?: readonly string[] },
  parseValue: (raw: unknown) => T,
  format: (value: T) => unknown = (v) => v,
): Field<T> {
  const parse = (raw: unknown): T => {
    const value = parseValue(raw);
    const problem = options.validate?.(value);
    if (problem) throw new ValueError(problem);
    return value;
  };
  const field: Field<T> = {
    type,
    doc: options.doc,
    secret: options.secret ?? false,
    values: options.values,
    default: undefined as T,
    parse: (raw) => (raw === undefined ? (undefined as T) : parse(raw)),
    format: (value) => (value === undefined ? undefined : format(value)),
  };
  // Defaults go through the same parser, so a schema with a bad default fails at start-up.
  return { ...field, default: options.default === undefined ? (undefined as T) : parse(options.default) };
}

function asText(raw: unknown, what: string): string {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' || typeof raw === 'bigint') return String(raw);
  throw new ValueError(`expected ${what}, got ${describe(raw)}`);
}

function describe(raw: unknown): string {
  if (Array.isArray(raw)) return 'a list';
  if (raw === null) return 'null';
  if (typeof raw === 'object') return 'a mapping';
  return `${typeof raw} ${JSON.stringify(raw)}`;
}

function parseInteger(raw: unknown, min: number, max: number): number {
  const text = asText(raw, 'an integer').trim();
  if (!/^-?\d+$/.test(text)) throw new ValueError(`"${text}" is not an integer`);
  const value = Number(text);
  if (value < min || value > max) throw new ValueError(`${value} is out of range ${min}..${max}`);
  return value;
}

function range<T extends number>(raw: T, min: number | undefined, max: number | undefined, show: (n: number) => string): T {
  if (min !== undefined && raw < min) throw new ValueError(`${show(raw)} is below the minimum ${show(min)}`);
  if (max !== undefined && raw > max) throw new ValueError(`${show(raw)} is above the maximum ${show(max)}`);
  return raw;
}

type WithDefault<T, D> = D extends undefined ? T | undefined : T;

/** Constructors for each field type. Omitting `default` makes the value optional (`T | undefined`). */
export const field = {
  string<D extends string | undefined = undefined>(o: Common<string> & { default?: D }): Field<WithDefault<string, D>> {
    return make('string', o, (raw) => asText(raw, 'a string')) as Field<WithDefault<string, D>>;
  },

  integer<D extends number | undefined = undefined>(
    o: Common<number> & { default?: D; min?: number; max?: number },
  ): Field<WithDefault<number, D>> {
    const min = o.min ?? Number.MIN_SAFE_INTEGER;
    const max = o.max ?? Number.MAX_SAFE_INTEGER;
    return make('integer', o, (raw) => parseInteger(raw, min, max)) as Field<WithDefault<number, D>>;
  },

  number<D extends number | undefined = undefined>(
    o: Common<number> & { default?: D; min?: number; max?: number },
  ): Field<WithDefault<number, D>> {
    return make('number', o, (raw) => {
      const text = asText(raw, 'a number').trim();
      const value = Number(text);
      if (text === '' || !Number.isFinite(value)) throw new ValueError(`"${text}" is not a number`);
      return range(value, o.min, o.max, String);
    }) as Field<WithDefault<number, D>>;
  },

  boolean(o: Common<boolean> & { default?: boolean }): Field<boolean> {
    return make('boolean', { ...o, default: o.default ?? false }, (raw) => {
      if (typeof raw === 'boolean') return raw;
      const text = asText(raw, 'true or false').trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(text)) return true;
      if (['false', '0', 'no', 'off'].includes(text)) return false;
      throw new ValueError(`"${text}" is not a boolean (true/false)`);
    });
  },

  /** Milliseconds; written `250ms`, `30s`, `1m`. `min`/`max` are texts too. */
  duration<D extends string | undefined = undefined>(
    o: Common<number> & { default?: D; min?: string; max?: string },
  ): Field<WithDefault<number, D>> {
    const min = o.min === undefined ? undefined : parseDuration(o.min);
    const max = o.max === undefined ? undefined : parseDuration(o.max);
    return make(
      'duration',
      o,
      (raw) => {
        if (typeof raw === 'number' && raw !== 0) throw new ValueError(`${raw} needs a unit (e.g. ${raw}ms or ${raw}s)`);
        try {
          return range(parseDuration(asText(raw, 'a duration')), min, max, formatDuration);
        } catch (error) {
          throw new ValueError((error as Error).message);
        }
      },
      formatDuration,
    ) as Field<WithDefault<number, D>>;
  },

  /** Bytes; written `65536`, `512KiB`, `64MiB`, `1GB`. `min`/`max` are texts too. */
  size<D extends string | number | undefined = undefined>(
    o: Common<number> & { default?: D; min?: string; max?: string },
  ): Field<WithDefault<number, D>> {
    const min = o.min === undefined ? undefined : parseSize(o.min);
    const max = o.max === undefined ? undefined : parseSize(o.max);
    return make(
      'size',
      o,
      (raw) => {
        try {
          return range(parseSize(asText(raw, 'a size')), min, max, formatSize);
        } catch (error) {
          throw new ValueError((error as Error).message);
        }
      },
      formatSize,
    ) as Field<WithDefault<number, D>>;
  },

  /** A list of strings: a YAML/JSON list, or comma-separated text (env, flags); a repeated flag appends. */
  list(o: Common<string[]> & { default?: string[] }): Field<string[]> {
    return make('list', { ...o, default: o.default ?? [] }, (raw) => {
      const items = Array.isArray(raw) ? raw.map((item) => asText(item, 'a string in the list')) : asText(raw, 'a list').split(',');
      return items.map((item) => item.trim()).filter((item) => item !== '');
    });
  },

  /** One of a fixed set of strings. */
  enum<const V extends string, D extends V | undefined = undefined>(
    values: readonly V[],
    o: Common<V> & { default?: D },
  ): Field<WithDefault<V, D>> {
    return make('enum', { ...o, values }, (raw) => {
      const text = asText(raw, `one of ${values.join(', ')}`).trim();
      if (!(values as readonly string[]).includes(text)) throw new ValueError(`"${text}" is not one of ${values.join(', ')}`);
      return text as V;
    }) as Field<WithDefault<V, D>>;
  },
};

export { ValueError };

/** `spoolMaxBytes` → `NEIGHWATCH_SPOOL_MAX_BYTES`; `tls.ca` → `NEIGHWATCH_TLS_CA`. */
export function envName(key: string, prefix = 'NEIGHWATCH_'): string {
  return prefix + key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/\./g, '_').toUpperCase();
}

/** `spoolMaxBytes` → `--spool-max-bytes`; `tls.serverName` → `--tls-server-name`. */
export function flagName(key: string): string {
  return '--' + key.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/\./g, '-').toLowerCase();
}
