/**
 * @neighwatch/config: the conventions every neighwatch binary shares.
 *
 * 1. Configuration: declare keys once (`defineConfig` + `field.*`); load with
 *    `loadConfig(schema, { argv: process.argv.slice(2) })`: defaults < `--config FILE`
 *    (YAML or JSON) < `NEIGHWATCH_<KEY>` env < `--key` flags. Unknown keys and bad values
 *    throw a ConfigError naming the key; binaries print it and exit EXIT_CONFIG (2).
 *    `formatConfig` prints the effective config for `--print-config`, secrets redacted.
 * 2. Logging: `createLogger({ level, format, name })`: JSON lines on stderr when not a
 *    TTY, readable (colored unless NO_COLOR) on a TTY. `loggingFields()` adds the
 *    standard `logLevel` / `logFormat` keys to a schema.
 * 3. Units: `parseDuration('250ms')` → 250 (ms), `parseSize('64MiB')` → 67108864.
 *
 * Pure TypeScript, node builtins and `yaml`; no I/O beyond reading the config file.
 */
import { field } from './schema';
import { LOG_FORMATS, LOG_LEVELS } from './log';

export { parseDuration, parseSize, formatDuration, formatSize } from './units';
export { defineConfig, field, envName, flagName } from './schema';
export type { Field, FieldType, Schema, ConfigOf } from './schema';
export {
  loadConfig,
  parseArgs,
  readConfigFile,
  flattenDocument,
  formatConfig,
  configDocument,
  diffConfig,
  helpText,
  markdownTable,
  ConfigError,
  EXIT_CONFIG,
  REDACTED,
} from './load';
export type { Loaded, LoadOptions, ParsedArgs, StandardFlags, Source } from './load';
export { createLogger, LogRateLimiter, LOG_LEVELS, LOG_FORMATS } from './log';
export type { Logger, LoggerOptions, LogLevel, LogFormat, LogFields } from './log';

/** The standard logging keys, to spread into an app's schema: `logLevel`, `logFormat`. */
export function loggingFields() {
  return {
    logLevel: field.enum(LOG_LEVELS, { default: 'info', doc: 'least severe level written: debug, info, warn, error' }),
    logFormat: field.enum(LOG_FORMATS, { default: 'auto', doc: 'log line format on stderr: json, text, or auto (text on a terminal, else json)' }),
  } as const;
}
