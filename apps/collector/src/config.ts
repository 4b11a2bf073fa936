/**
 * The collector's configuration: every key declared once here, loaded by
 * @neighwatch/config with the conventions every neighwatch binary shares (defaults <
 * `--config FILE` < `NEIGHWATCH_*` env < flags; unknown keys and bad values exit 2).
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { ConfigError, defineConfig, field, loggingFields, type ConfigOf, type Field } from '@neighwatch/config';
import { parse as parseYaml } from 'yaml';
import { parseAllowlist, type AllowEntry } from './allowlist';
import { parseTokens, type TokenSet } from './auth';

/** A key whose value is structured (a list of mappings, a mapping): YAML in a file, YAML/JSON text in env and flags. */
function structured<T>(doc: string, secret: boolean, parse: (raw: unknown) => T, empty: T, show: (v: T) => unknown): Field<T> {
  return {
    type: 'list',
    doc,
    secret,
    default: empty,
    parse: (raw) => {
      if (raw === undefined) return undefined as T;
      try {
        return parse(raw);
      } catch (error) {
        // RangeError: the loader turns it into a ConfigError naming the key.
        throw new RangeError((error as Error).message);
      }
    },
    format: show,
  };
}

function parseAgents(raw: unknown): Record<string, string> {
  // A flag given once or repeated arrives as a list of texts.
  let value = Array.isArray(raw) && raw.every((r) => typeof r === 'string') ? raw.join(',') : raw;
  if (typeof value === 'string') {
    const raw = value;
    // env/flag form: "vm=token1,host=token2", or YAML/JSON text
    value = /^\s*[{[]/.test(raw) ? parseYaml(raw) : Object.fromEntries(raw.split(',').filter((p) => p.trim()).map((p) => p.split('=').map((s) => s.trim())));
  }
  return parseTokens({ agents: value }, 'agents').agents;
}

export function parseListen(text: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  if (!match) throw new RangeError(`"${text}" is not host:port (e.g. 127.0.0.1:50051, [::1]:50051, 0.0.0.0:50051)`);
  const port = Number(match[3]);
  if (port > 65535) throw new RangeError(`port ${port} is above 65535`);
  return { host: match[1] ?? match[2], port };
}

const hostPort = (value: string | undefined) => {
  if (value === undefined || value === '' || value === 'off') return undefined;
  try {
    parseListen(value);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
};

export const collectorSchema = defineConfig({
  listen: field.string({ default: '127.0.0.1:50051', doc: 'gRPC address to listen on, host:port (port 0: any free port, printed in the "listening" log line)', validate: hostPort }),
  insecure: field.boolean({ doc: 'allow listening on a non-loopback address without TLS (tokens then cross the network in clear text)' }),
  'tls.cert': field.string({ doc: 'server certificate chain (PEM file); with tls.key enables TLS' }),
  'tls.key': field.string({ doc: 'server private key (PEM file)' }),
  'tls.clientCa': field.string({ doc: 'CA bundle (PEM file): when set, clients must present a certificate it signed (mutual TLS)' }),
  tokensFile: field.string({ doc: 'YAML/JSON file { agents: { <node>: <token> }, readTokens: [<token>] }; merged with agents/readTokens below' }),
  agents: structured<Record<string, string>>(
    'agent tokens by node name: a mapping in the file; "node=token,node2=token2" in env/flags',
    true,
    parseAgents,
    {},
    (v) => v,
  ),
  readTokens: field.list({ doc: 'tokens that may use the Query service (the CLI); comma-separated in env/flags', secret: true }),
  database: field.string({ default: './neighwatch.db', doc: 'SQLite database file (created with its directory; WAL mode)' }),
  databaseThread: field.boolean({
    default: false,
    doc: 'run the database on its own worker thread, so commits do not block gRPC reads (the batches of each transaction are handed over packed in one buffer; needs a free core, and holds ~200 MB more memory under full load)',
  }),
  databaseSync: field.enum(['normal', 'full'] as const, {
    default: 'full',
    doc: 'when a commit is on disk before its batches are acknowledged: normal (WAL without an fsync per commit; survives the collector being killed, a power cut may lose the last commits) or full (one fsync per commit; survives a power cut too)',
  }),
  metricsListen: field.string({ default: '127.0.0.1:9464', doc: 'Prometheus metrics HTTP address, host:port ("off" disables; port 0: any free port)', validate: hostPort }),
  maxBatchObservations: field.integer({ default: 1000, min: 1, max: 100_000, doc: 'most observations one batch may carry' }),
  maxFrameBytes: field.size({ default: '2KiB', min: '64', max: '64KiB', doc: 'most captured bytes per frame (the agents\' snap length cap)' }),
  maxMessageBytes: field.size({ default: '8MiB', min: '64KiB', max: '256MiB', doc: 'largest gRPC message accepted (grpc.max_receive_message_length)' }),
  'rateLimit.observationsPerSecond': field.number({ default: 20_000, min: 1, doc: 'per-agent sustained observation rate; above it batches are refused with RESOURCE_EXHAUSTED and a retry delay' }),
  'rateLimit.burst': field.integer({ default: 50_000, min: 1, doc: 'per-agent burst (token bucket size, in observations); raised to maxBatchObservations if smaller' }),
  commitInterval: field.duration({ default: '10ms', min: '0', max: '1s', doc: 'group commit: longest a batch waits for others once the previous transaction has ended' }),
  commitMinRows: field.integer({ default: 2000, min: 1, max: 1_000_000, doc: 'group commit: start the transaction without waiting out commitInterval once this many observations wait (and the previous one has ended)' }),
  bindingFlushInterval: field.duration({
    default: '10s',
    min: '10ms',
    max: '5m',
    doc: 'wire bindings are folded in memory and written this often (and before every binding query answers); observations are stored and acknowledged first, and a crash re-folds them at start',
  }),
  commitMaxRows: field.integer({ default: 5000, min: 1, max: 1_000_000, doc: 'group commit: the most observations one transaction holds' }),
  quietPeriod: field.duration({ default: '1h', min: '1s', doc: 'a mismatch not seen for this long is resolved (reopened if seen again)' }),
  retention: field.duration({ default: '7d', min: '1m', doc: 'raw observations older than this are pruned (mismatches and their evidence stay)' }),
  phantomWindow: field.duration({ default: '60s', min: '1s', max: '1h', doc: 'PHANTOM_LLADDR: a claimed MAC is a phantom when no frame on the link has come from it for this long' }),
  maintenanceInterval: field.duration({ default: '1m', min: '100ms', doc: 'how often quiet mismatches are resolved and old observations pruned' }),
  heartbeatInterval: field.duration({ default: '15s', min: '100ms', doc: 'Watch streams get a heartbeat event this often when idle' }),
  rebuildWindow: field.duration({ default: '1h', min: '0', doc: 'at start, correlator state is rebuilt from the observations stored in this window' }),
  allowlist: structured<AllowEntry[]>(
    'known-legitimate cases: list of { kind, mac, ip, node, comment } (any subset of kind/mac/ip/node; comment required); matches are stored as suppressed',
    false,
    parseAllowlist,
    [],
    (v) => v,
  ),
  ...loggingFields(),
});

export type CollectorConfig = ConfigOf<typeof collectorSchema>;

/** Agent and read tokens from the tokens file and the inline keys; throws ConfigError. */
export function loadTokens(config: CollectorConfig): TokenSet {
  let fromFile: TokenSet = { agents: {}, readTokens: [] };
  if (config.tokensFile) {
    let doc: unknown;
    try {
      doc = parseYaml(readFileSync(config.tokensFile, 'utf8'));
    } catch (error) {
      throw new ConfigError(`config key "tokensFile": cannot read ${config.tokensFile}: ${(error as Error).message}`, 'tokensFile', 'file');
    }
    try {
      fromFile = parseTokens(doc, config.tokensFile);
    } catch (error) {
      throw new ConfigError(`config key "tokensFile": ${(error as Error).message}`, 'tokensFile', 'file');
    }
  }
  try {
    return parseTokens(
      { agents: { ...fromFile.agents, ...config.agents }, readTokens: [...fromFile.readTokens, ...config.readTokens] },
      'tokens',
    );
  } catch (error) {
    throw new ConfigError(`config key "readTokens": ${(error as Error).message}`, 'readTokens', 'file');
  }
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}

/** Checks that need more than one key; throws ConfigError. */
export function checkConsistency(config: CollectorConfig): void {
  const { host } = parseListen(config.listen);
  const tls = Boolean(config['tls.cert'] || config['tls.key']);
  if (Boolean(config['tls.cert']) !== Boolean(config['tls.key'])) {
    throw new ConfigError('config keys "tls.cert" and "tls.key" go together: set both or neither', config['tls.cert'] ? 'tls.key' : 'tls.cert', 'file');
  }
  if (config['tls.clientCa'] && !tls) {
    throw new ConfigError('config key "tls.clientCa" needs TLS: set tls.cert and tls.key too', 'tls.clientCa', 'file');
  }
  if (!tls && !isLoopback(host) && !config.insecure) {
    throw new ConfigError(
      `listening on ${config.listen} without TLS would send tokens in clear text: set tls.cert and tls.key, or pass --insecure to accept that`,
      'insecure',
      'flag',
    );
  }
}
