/**
 * The agent's configuration: every key declared once, loaded by @neighwatch/config
 * (defaults < `--config FILE` < `NEIGHWATCH_*` env < flags; bad keys and values exit 2).
 */
import { readFileSync } from 'node:fs';
import { ConfigError, defineConfig, field, loggingFields, type ConfigOf } from '@neighwatch/config';

/** `host:port`, `[v6]:port` or `unix:///path`: what grpc-js accepts as a target. */
export function checkCollectorAddress(value: string): string | undefined {
  if (/^unix:(\/\/)?\//.test(value)) return undefined;
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s/]+)):(\d{1,5})$/.exec(value);
  if (!match) return 'expected host:port, [ipv6]:port or unix:///path/to/socket';
  if (Number(match[3]) > 65535 || Number(match[3]) === 0) return `port ${match[3]} is not 1..65535`;
  return undefined;
}

function checkListen(value: string | undefined): string | undefined {
  if (value === undefined || value === '' || value === 'off') return undefined;
  if (!/^(?:\[[0-9a-fA-F:.]+\]|[^:[\]\s/]+):\d{1,5}$/.test(value)) return 'expected host:port (e.g. 127.0.0.1:9464) or off';
  return undefined;
}

export const agentSchema = defineConfig({
  node: field.string({ doc: 'node name reported to the collector (unique per node); default: the hostname' }),
  collector: field.string({ default: '127.0.0.1:50051', doc: 'collector address: host:port, [ipv6]:port or unix:///path', validate: checkCollectorAddress }),
  token: field.string({ doc: 'per-node bearer token sent as `authorization: Bearer <token>`', secret: true }),
  tokenFile: field.string({ doc: 'file holding the token (read at start and on SIGHUP); used when token is unset' }),
  'tls.mode': field.enum(['auto', 'on', 'off'] as const, {
    default: 'auto',
    doc: 'auto: TLS unless the collector is loopback or a unix socket (and no tls.ca/cert is set); on: always TLS; off: plaintext (explicit)',
  }),
  'tls.ca': field.string({ doc: 'PEM CA bundle to verify the collector (default: the system roots)' }),
  'tls.cert': field.string({ doc: 'PEM client certificate (mutual TLS)' }),
  'tls.key': field.string({ doc: 'PEM private key of the client certificate' }),
  'tls.serverName': field.string({ doc: 'name expected in the collector certificate (default: the host of collector)' }),
  interfaces: field.list({ doc: 'interfaces to capture on; empty: every interface that is up, has a MAC and is not loopback (new ones picked up)' }),
  spoolDir: field.string({ default: '/var/lib/neighwatch-agent/spool', doc: 'directory of the on-disk spool (observations not yet acknowledged)' }),
  spoolMaxBytes: field.size({ default: '64MiB', min: '1MiB', doc: 'spool bound; when full the oldest observations are dropped (counted, reported)' }),
  spoolSyncInterval: field.duration({
    default: '1s',
    max: '1m',
    doc: 'fdatasync period of the spool (0: after every write). Every write reaches the OS at once; this bounds loss on power failure',
  }),
  batchMaxCount: field.integer({ default: 1000, min: 1, max: 10_000, doc: 'observations per batch at most' }),
  batchMaxDelay: field.duration({ default: '250ms', min: '1ms', max: '10s', doc: 'longest an observation waits for its batch' }),
  neighborInterval: field.duration({ default: '30s', min: '1s', doc: 'period of neighbor-table snapshots (ip neigh)' }),
  inventoryInterval: field.duration({ default: '1m', min: '1s', doc: 'period of full inventory reports (also sent on every change)' }),
  interfaceScanInterval: field.duration({ default: '3s', min: '100ms', max: '1m', doc: 'how often interfaces and addresses are re-read (new/removed interfaces, address changes)' }),
  reconnectMaxDelay: field.duration({ default: '30s', min: '100ms', doc: 'upper bound of the reconnect backoff (exponential with jitter)' }),
  metricsListen: field.string({ default: 'off', doc: 'host:port of the Prometheus text endpoint (/metrics), or off', validate: checkListen }),
  snaplen: field.integer({
    default: 256,
    min: 256,
    max: 65535,
    doc: 'bytes of each frame kept as evidence (at least 256). Capture itself takes 1522 bytes of each frame (every NDP option of a 1500-byte MTU), or snaplen when larger (read at start)',
  }),
  captureBufferSize: field.size({
    default: '4MiB',
    min: '256KiB',
    max: '1GiB',
    doc: "libpcap's kernel ring per interface, mapped into the agent's memory (its RSS grows by about 1.3 times this per captured interface). Slots are sized by the capture length: 4MiB holds 2,622 frames",
  }),
  ...loggingFields(),
});

export type AgentConfig = ConfigOf<typeof agentSchema>;

/** The token from `token` or `tokenFile`, trimmed; ConfigError when the file cannot be read. */
export function resolveToken(config: AgentConfig): string | undefined {
  if (config.token) return config.token;
  if (!config.tokenFile) return undefined;
  try {
    return readFileSync(config.tokenFile, 'utf8').trim() || undefined;
  } catch (error) {
    throw new ConfigError(`config key "tokenFile": cannot read ${config.tokenFile}: ${(error as Error).message}`, 'tokenFile', 'file');
  }
}
