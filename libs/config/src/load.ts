/**
 * Loading: defaults < config file (`--config FILE`, YAML or JSON) < environment
 * (`NEIGHWATCH_*`) < flags. Every problem is a ConfigError naming the key and where the
 * bad value came from; binaries print its message and exit with EXIT_CONFIG (2).
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { envName, flagName, ValueError, type ConfigOf, type Field, type Schema } from './schema';

/** Exit status of a binary whose configuration (file, env or flags) is wrong. */
export const EXIT_CONFIG = 2;

export type Source = 'default' | 'file' | 'env' | 'flag';

export class ConfigError extends Error {
  constructor(
    message: string,
    /** The configuration key (or the unknown name) at fault. */
    readonly key: string,
    readonly source: Source | 'file-syntax',
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Flags every binary understands besides its schema's keys. */
export interface StandardFlags {
  config?: string;
  printConfig: boolean;
  help: boolean;
  version: boolean;
}

export interface ParsedArgs {
  /** Raw flag values by schema key (text, `true` for bare boolean flags, arrays for repeated list flags). */
  flags: Record<string, unknown>;
  standard: StandardFlags;
  positionals: string[];
}

export interface Loaded<S extends Schema> {
  config: ConfigOf<S>;
  /** Where each key's value came from. */
  sources: Record<keyof S & string, Source>;
  /** The config file read, if any. */
  file?: string;
  standard: StandardFlags;
  positionals: string[];
}

function findKeyByFlag(schema: Schema, flag: string): string | undefined {
  return Object.keys(schema).find((key) => flagName(key) === flag);
}

/**
 * Splits argv (without node and script) into schema flags, standard flags and
 * positionals. `--key value`, `--key=value`; booleans also `--key` and `--no-key`;
 * `--` ends the flags. An unknown flag is a ConfigError.
 */
export function parseArgs(schema: Schema, argv: readonly string[]): ParsedArgs {
  const flags: Record<string, unknown> = {};
  const standard: StandardFlags = { printConfig: false, help: false, version: false };
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') {
      standard.help = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);
    const takeValue = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        throw new ConfigError(`flag ${name} needs a value`, name, 'flag');
      }
      i++;
      return next;
    };
    if (name === '--print-config') standard.printConfig = true;
    else if (name === '--version') standard.version = true;
    else if (name === '--config') standard.config = takeValue();
    else {
      const negated = name.startsWith('--no-') ? findKeyByFlag(schema, '--' + name.slice(5)) : undefined;
      if (negated !== undefined && schema[negated].type === 'boolean' && inline === undefined) {
        flags[negated] = false;
        continue;
      }
      const key = findKeyByFlag(schema, name);
      if (key === undefined) {
        throw new ConfigError(`unknown flag ${name}${suggest(name, Object.keys(schema).map(flagName))} (see --help)`, name, 'flag');
      }
      const spec = schema[key];
      if (spec.type === 'boolean' && inline === undefined) flags[key] = true;
      else if (spec.type === 'list' && key in flags) flags[key] = [...(flags[key] as string[]), takeValue()];
      else flags[key] = spec.type === 'list' ? [takeValue()] : takeValue();
    }
  }
  return { flags, standard, positionals };
}

/** Flattens a parsed YAML/JSON document into dotted keys, rejecting unknown keys. */
export function flattenDocument(schema: Schema, document: unknown, fileName = 'config file'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (document === null || document === undefined) return out;
  const walk = (value: unknown, prefix: string) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      const where = prefix === '' ? 'the top level' : `"${prefix}"`;
      throw new ConfigError(`${fileName}: ${where} must be a mapping of keys, got ${Array.isArray(value) ? 'a list' : typeof value}`, prefix, 'file');
    }
    for (const [name, inner] of Object.entries(value as Record<string, unknown>)) {
      const key = prefix === '' ? name : `${prefix}.${name}`;
      // `key: ~` (null) means unset: the default applies. `--print-config` prints unset keys so.
      if (key in schema) {
        if (inner !== null) out[key] = inner;
      }
      else if (Object.keys(schema).some((k) => k.startsWith(key + '.'))) walk(inner, key);
      else throw new ConfigError(`${fileName}: unknown key "${key}"${suggest(key, Object.keys(schema))}`, key, 'file');
    }
  };
  walk(document, '');
  return out;
}

/** Reads a YAML or JSON config file (JSON is YAML) and flattens it. */
export function readConfigFile(schema: Schema, path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`, 'config', 'file');
  }
  let document: unknown;
  try {
    document = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    throw new ConfigError(`config file ${path} is not valid YAML/JSON: ${(error as Error).message}`, 'config', 'file-syntax');
  }
  return flattenDocument(schema, document, path);
}

export interface LoadOptions {
  /** Command-line arguments without node and the script (process.argv.slice(2)). */
  argv?: readonly string[];
  /** Environment (process.env). Unknown `NEIGHWATCH_*` names are ignored: other binaries share the prefix. */
  env?: Record<string, string | undefined>;
  /** Already-parsed flags, for apps that parse argv themselves (e.g. with commander): raw values by key. */
  flags?: Record<string, unknown>;
  /** Config file to read when no `--config` flag is given (default: `NEIGHWATCH_CONFIG` from env). */
  configFile?: string;
  envPrefix?: string;
}

/** Loads the effective configuration. Throws ConfigError. */
export function loadConfig<S extends Schema>(schema: S, options: LoadOptions = {}): Loaded<S> {
  const env = options.env ?? process.env;
  const prefix = options.envPrefix ?? 'NEIGHWATCH_';
  const parsed = options.argv ? parseArgs(schema, options.argv) : { flags: {}, standard: { printConfig: false, help: false, version: false }, positionals: [] };
  const file = parsed.standard.config ?? options.configFile ?? env[`${prefix}CONFIG`];
  const fromFile = file ? readConfigFile(schema, file) : {};
  const flags = { ...options.flags, ...parsed.flags };

  const config: Record<string, unknown> = {};
  const sources: Record<string, Source> = {};
  for (const [key, spec] of Object.entries(schema) as [string, Field<unknown>][]) {
    const envKey = envName(key, prefix);
    const layers: [Source, unknown, string][] = [
      ['flag', flags[key], `flag ${flagName(key)}`],
      ['env', env[envKey], `env ${envKey}`],
      ['file', fromFile[key], file ?? 'file'],
    ];
    const [source, raw, where] = layers.find(([, value]) => value !== undefined) ?? ['default', undefined, 'default'];
    sources[key] = source;
    if (source === 'default') {
      config[key] = spec.default;
      continue;
    }
    try {
      config[key] = spec.parse(raw);
    } catch (error) {
      if (!(error instanceof ValueError || error instanceof RangeError)) throw error;
      const shown = spec.secret ? '' : ` = ${JSON.stringify(raw)}`;
      throw new ConfigError(`config key "${key}" (${where}${shown}): ${error.message}`, key, source);
    }
  }
  return {
    config: config as ConfigOf<S>,
    sources: sources as Record<keyof S & string, Source>,
    file,
    standard: parsed.standard,
    positionals: parsed.positionals,
  };
}

export const REDACTED = '<redacted>';

/**
 * The effective configuration as a nested document, in the file's own syntax (durations and
 * sizes as text), with secrets replaced by "<redacted>": what `--print-config` shows. Unset
 * optional keys are left out (JSON: null).
 */
export function configDocument<S extends Schema>(schema: S, config: ConfigOf<S>): Record<string, unknown> {
  const document: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(schema) as [string, Field<unknown>][]) {
    const value = (config as Record<string, unknown>)[key];
    const shown = value === undefined ? null : spec.secret ? REDACTED : spec.format(value);
    const path = key.split('.');
    let node = document;
    for (const segment of path.slice(0, -1)) node = (node[segment] ??= {}) as Record<string, unknown>;
    node[path[path.length - 1]] = shown;
  }
  return document;
}

/** `--print-config` text: YAML (a valid config file once secrets are filled in) or JSON. */
export function formatConfig<S extends Schema>(schema: S, config: ConfigOf<S>, format: 'yaml' | 'json' = 'yaml'): string {
  const document = configDocument(schema, config);
  return format === 'json' ? JSON.stringify(document, null, 2) + '\n' : stringifyYaml(document, { nullStr: '~' });
}

/** Keys whose values differ between two loaded configs (for a reload's log line). Secrets are named, not shown. */
export function diffConfig<S extends Schema>(schema: S, before: ConfigOf<S>, after: ConfigOf<S>): { key: string; from: unknown; to: unknown }[] {
  const changes: { key: string; from: unknown; to: unknown }[] = [];
  for (const [key, spec] of Object.entries(schema) as [string, Field<unknown>][]) {
    const a = (before as Record<string, unknown>)[key];
    const b = (after as Record<string, unknown>)[key];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    changes.push(spec.secret ? { key, from: REDACTED, to: REDACTED } : { key, from: spec.format(a) ?? null, to: spec.format(b) ?? null });
  }
  return changes;
}

/** One block per key for `--help` and docs: flag, env, type, default, doc. */
export function helpText(schema: Schema, envPrefix = 'NEIGHWATCH_'): string {
  const lines: string[] = [];
  for (const [key, spec] of Object.entries(schema) as [string, Field<unknown>][]) {
    const value = spec.type === 'boolean' ? '' : spec.type === 'enum' ? ` <${spec.values?.join('|')}>` : ` <${spec.type}>`;
    const shown = spec.default === undefined || (Array.isArray(spec.default) && spec.default.length === 0) ? '' : ` (default: ${String(spec.format(spec.default))})`;
    lines.push(`  ${flagName(key)}${value}${shown}`, `      ${spec.doc}`, `      file key: ${key}; env: ${envName(key, envPrefix)}`);
  }
  return lines.join('\n') + '\n';
}

/** A Markdown table of every key (for docs/*.md), generated from the schema so docs match the code. */
export function markdownTable(schema: Schema, envPrefix = 'NEIGHWATCH_'): string {
  const rows = ['| key | flag | env | type | default | meaning |', '|---|---|---|---|---|---|'];
  for (const [key, spec] of Object.entries(schema) as [string, Field<unknown>][]) {
    const type = spec.type === 'enum' ? spec.values?.join(' \\| ') : spec.type;
    const shown = spec.default === undefined ? '(unset)' : `\`${JSON.stringify(spec.format(spec.default))}\``;
    rows.push(`| \`${key}\` | \`${flagName(key)}\` | \`${envName(key, envPrefix)}\` | ${type} | ${shown} | ${spec.doc.replace(/\|/g, '\\|')} |`);
  }
  return rows.join('\n') + '\n';
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

function suggest(name: string, candidates: string[]): string {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = distance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best ? ` (did you mean "${best}"?)` : '';
}
