/**
 * How the CLI reaches the collector: address, read token, TLS, deadline. Flags win over
 * the environment (NEIGHWATCH_COLLECTOR, NEIGHWATCH_TOKEN, NEIGHWATCH_TLS_*,
 * NEIGHWATCH_TIMEOUT), which wins over the defaults. Every unary call carries a deadline
 * and the token as `authorization: Bearer <token>`.
 */
import type * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type {
  AcknowledgeMismatchRequest,
  GetMismatchRequest,
  ListBindingsRequest,
  ListBindingsResponse__Output,
  ListMismatchesRequest,
  ListMismatchesResponse__Output,
  ListNodesResponse__Output,
  Mismatch__Output,
  MismatchDetail__Output,
  MismatchEvent__Output,
  Report__Output,
  ReportRequest,
  WatchRequest,
} from '@neighwatch/proto';
import { usageError } from './errors';
import { parseRelativeDuration } from './time';

export const DEFAULT_COLLECTOR = '127.0.0.1:50051';
export const DEFAULT_PORT = 50051;
export const DEFAULT_TIMEOUT_MS = 10_000;

export interface ConnectionSettings {
  /** host:port, as shown in messages. */
  collector: string;
  token: string | undefined;
  tls: { ca?: Buffer; cert?: Buffer; key?: Buffer; serverName?: string } | null;
  timeoutMs: number;
}

/** The raw option values commander hands over (flags only; env is applied here). */
export interface ConnectionFlags {
  collector?: string;
  token?: string;
  tokenFile?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsServerName?: string;
  timeout?: string;
}

export const CONNECTION_OPTION_NAMES = ['--collector', '--token', '--token-file', '--tls-ca', '--tls-cert', '--tls-key', '--tls-server-name', '--timeout'];

/** Adds the connection flags to a command that talks to the collector. */
export function addConnectionOptions(command: Command): Command {
  return command
    .option('--collector <host:port>', `collector Query address (env NEIGHWATCH_COLLECTOR, default ${DEFAULT_COLLECTOR})`)
    .option('--token <token>', 'read token, sent as "authorization: Bearer <token>" (env NEIGHWATCH_TOKEN)')
    .option('--token-file <file>', 'file holding the read token, used when no token is given (env NEIGHWATCH_TOKEN_FILE)')
    .option('--tls-ca <file>', 'CA certificate (PEM) to verify the collector; enables TLS (env NEIGHWATCH_TLS_CA)')
    .option('--tls-cert <file>', 'client certificate (PEM) for mutual TLS (env NEIGHWATCH_TLS_CERT)')
    .option('--tls-key <file>', 'client private key (PEM) for mutual TLS (env NEIGHWATCH_TLS_KEY)')
    .option('--tls-server-name <name>', 'name expected in the collector certificate (env NEIGHWATCH_TLS_SERVER_NAME)')
    .option('--timeout <duration>', `deadline of each call (env NEIGHWATCH_TIMEOUT, default ${DEFAULT_TIMEOUT_MS / 1000}s)`);
}

/** host, host:port, [v6]:port, v6 → host:port. Throws a usage error for anything else. */
export function normalizeCollectorAddress(value: string): string {
  const text = value.trim().replace(/^(grpcs?|dns):\/{0,3}/i, '');
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(text);
  let host: string;
  let port: string | undefined;
  if (bracketed) {
    host = `[${bracketed[1]}]`;
    port = bracketed[2];
  } else if ((text.match(/:/g) ?? []).length > 1) {
    host = `[${text}]`; // a bare IPv6 address
  } else {
    const [h, p] = text.split(':');
    host = h;
    port = p;
  }
  if (!host || !/^[\w.\-[\]:]+$/.test(host)) throw usageError(`--collector "${value}" is not HOST:PORT (e.g. 127.0.0.1:50051, collector.example:50051)`);
  const portNumber = port === undefined ? DEFAULT_PORT : /^\d+$/.test(port) ? Number(port) : NaN;
  if (!(portNumber >= 1 && portNumber <= 65535)) throw usageError(`--collector "${value}": port must be 1–65535`);
  return `${host}:${portNumber}`;
}

function readPem(path: string | undefined, option: string): Buffer | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw usageError(`${option} ${path}: ${why}`);
  }
}

export function resolveConnection(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): ConnectionSettings {
  const collector = normalizeCollectorAddress(flags.collector ?? env.NEIGHWATCH_COLLECTOR ?? DEFAULT_COLLECTOR);
  let token = flags.token ?? env.NEIGHWATCH_TOKEN ?? undefined;
  const tokenFile = flags.tokenFile ?? env.NEIGHWATCH_TOKEN_FILE;
  if (!token && tokenFile) token = readPem(tokenFile, '--token-file')?.toString('utf8').trim();
  const timeoutText = flags.timeout ?? env.NEIGHWATCH_TIMEOUT;
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  if (timeoutText !== undefined) {
    const ms = parseRelativeDuration(timeoutText);
    if (ms === null || ms <= 0) throw usageError(`--timeout "${timeoutText}" is not a duration (e.g. 500ms, 10s, 1m)`);
    timeoutMs = ms;
  }
  const caPath = flags.tlsCa ?? env.NEIGHWATCH_TLS_CA;
  const certPath = flags.tlsCert ?? env.NEIGHWATCH_TLS_CERT;
  const keyPath = flags.tlsKey ?? env.NEIGHWATCH_TLS_KEY;
  const serverName = flags.tlsServerName ?? env.NEIGHWATCH_TLS_SERVER_NAME;
  if (Boolean(certPath) !== Boolean(keyPath)) throw usageError('--tls-cert and --tls-key go together (mutual TLS needs both)');
  const anyTls = Boolean(caPath || certPath || keyPath || serverName);
  const tls = anyTls
    ? { ca: readPem(caPath, '--tls-ca'), cert: readPem(certPath, '--tls-cert'), key: readPem(keyPath, '--tls-key'), serverName }
    : null;
  return { collector, token: token || undefined, tls, timeoutMs };
}

/** The calls commands make, as promises. A test can hand a command any object of this shape. */
export interface QueryApi {
  readonly settings: ConnectionSettings;
  listNodes(): Promise<ListNodesResponse__Output>;
  listBindings(request: ListBindingsRequest): Promise<ListBindingsResponse__Output>;
  listMismatches(request: ListMismatchesRequest): Promise<ListMismatchesResponse__Output>;
  getMismatch(request: GetMismatchRequest): Promise<MismatchDetail__Output>;
  acknowledgeMismatch(request: AcknowledgeMismatchRequest): Promise<Mismatch__Output>;
  getReport(request: ReportRequest): Promise<Report__Output>;
  /** A server stream; the caller cancels it. */
  watch(request: WatchRequest): grpc.ClientReadableStream<MismatchEvent__Output>;
  /** Resolves when the channel is connected; rejects with an exit-3 error after `timeoutMs`. */
  waitForReady(timeoutMs: number): Promise<void>;
  close(): void;
}

/**
 * Opens a connection from a command's flags (a bad flag throws a usage error first).
 * grpc-js is loaded here, on the first connection, so commands that never connect do not
 * pay for it.
 */
export async function connect(flags: ConnectionFlags): Promise<QueryApi> {
  const settings = resolveConnection(flags);
  const { GrpcQueryApi } = await import('./grpc-api');
  return new GrpcQueryApi(settings);
}
