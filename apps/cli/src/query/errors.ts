/**
 * Exit codes and the one place that turns a failure into a line a person can act on.
 * Commands throw {@link CliError}; gRPC failures go through {@link fromGrpcError}; the
 * entry point maps whatever reaches it with {@link exitCodeFor}.
 */
import type { ServiceError } from '@grpc/grpc-js';

/**
 * The gRPC status codes this file and watch.ts act on (numbers fixed by the gRPC
 * protocol; errors.spec.ts checks them against grpc-js). Spelled out here so that commands
 * that never call the collector (analyze, completion, --help) do not load grpc-js.
 */
export const status = {
  CANCELLED: 1,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** Documented in docs/cli.md; scripts depend on these numbers. */
export const ExitCode = {
  ok: 0,
  runtime: 1,
  usage: 2,
  unreachable: 3,
  notFound: 4,
  auth: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A flag or argument value that is wrong before anything is sent. */
export function usageError(message: string): CliError {
  return new CliError(ExitCode.usage, message);
}

export function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number' && 'details' in error;
}

/** What the failing call was about, so the message can name it. */
export interface CallContext {
  /** host:port as the user gave it. */
  collector: string;
  /** e.g. "mismatch 42": used for NOT_FOUND. */
  subject?: string;
  /** The deadline in milliseconds, for DEADLINE_EXCEEDED. */
  timeoutMs?: number;
  /** Whether the call used TLS (a plaintext call to a TLS port fails without a clear reason). */
  tls?: boolean;
}

/** grpc-js details carry timestamps and empty notes ("… (2026-11-26T12:21:15Z). Resolution note:"). */
function tidy(details: string): string {
  return details
    .replace(/\s*\(\d{4}-\d\d-\d\dT[\d:.]+Z\)/g, '')
    .replace(/\s*Resolution note:\s*$/, '')
    .replace(/[.\s]+$/, '');
}

/**
 * gRPC status → one line and an exit code. The collector's own message (`details`) is
 * kept where it says something the user can fix (bad filter, unknown id).
 */
export function fromGrpcError(error: ServiceError, context: CallContext): CliError {
  const at = `collector at ${context.collector}`;
  const details = tidy((error.details || error.message || '').trim());
  switch (error.code) {
    case status.UNAVAILABLE: {
      if (/ECONNREFUSED|connection refused/i.test(details)) {
        return new CliError(ExitCode.unreachable, `${at} refused the connection: is neighwatch-collector running?`);
      }
      if (/ENOTFOUND|EAI_AGAIN|Name resolution failed|DNS resolution failed/i.test(details)) {
        return new CliError(ExitCode.unreachable, `${at}: cannot resolve the host name: check --collector or NEIGHWATCH_COLLECTOR`);
      }
      if (/ssl|tls|certificate|handshake|wrong version number/i.test(details)) {
        return new CliError(
          ExitCode.unreachable,
          `${at}: TLS handshake failed (${details}): check --tls-ca, --tls-cert, --tls-key and --tls-server-name, or drop them if the collector listens in plaintext`,
        );
      }
      const tlsHint = context.tls === false ? ' If it serves TLS, pass --tls-ca (and --tls-server-name).' : '';
      return new CliError(ExitCode.unreachable, `${at} is not reachable (${details || 'unavailable'}): is neighwatch-collector running, and is the address right?${tlsHint}`);
    }
    case status.DEADLINE_EXCEEDED:
      return new CliError(
        ExitCode.unreachable,
        `${at} did not answer within ${formatSeconds(context.timeoutMs)}: is it overloaded or behind a firewall? (--timeout raises the limit)`,
      );
    case status.UNAUTHENTICATED:
      return new CliError(
        ExitCode.auth,
        `${at} rejected the token${details ? ` (${details})` : ''}: pass the collector's read token with --token or NEIGHWATCH_TOKEN`,
      );
    case status.PERMISSION_DENIED:
      return new CliError(
        ExitCode.auth,
        `${at} refused this request${details ? ` (${details})` : ''}: the token is valid but not allowed to do this; use a read token`,
      );
    case status.NOT_FOUND:
      return new CliError(
        ExitCode.notFound,
        `${context.subject ? `no ${context.subject} at ${at}` : `not found at ${at}`}${details ? ` (${details})` : ''}: list what exists with \`neighwatch mismatches --state all\``,
      );
    case status.INVALID_ARGUMENT:
    case status.OUT_OF_RANGE:
      return new CliError(ExitCode.usage, `${at} rejected the request: ${details}`);
    case status.UNIMPLEMENTED:
      return new CliError(ExitCode.runtime, `${at} does not implement this call (${details}): is it an older neighwatch-collector?`);
    default:
      return new CliError(ExitCode.runtime, `${at} failed: ${details || `gRPC status ${error.code}`}`);
  }
}

function formatSeconds(ms: number | undefined): string {
  if (ms === undefined) return 'the deadline';
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** Commander's own parse errors carry `code` "commander.*" and an exitCode. */
interface CommanderLike {
  code: string;
  exitCode: number;
}
function isCommanderError(error: unknown): error is CommanderLike {
  return (
    error instanceof Error &&
    typeof (error as Partial<CommanderLike>).code === 'string' &&
    (error as unknown as CommanderLike).code.startsWith('commander.')
  );
}

/** The exit code for anything that reached the entry point. */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof CliError) return error.exitCode;
  if (isCommanderError(error)) {
    // --help and --version end parsing by "error" with code 0; every other parse error is usage.
    // A bare `neighwatch` or `neighwatch mismatch` prints help as an error (code "commander.help", exit 1).
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.ok;
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  return ExitCode.runtime;
}

/** The line printed on stderr (without the "neighwatch: " prefix), or null when commander already printed it. */
export function messageFor(error: unknown): string | null {
  if (isCommanderError(error)) return null;
  if (error instanceof Error) return error.message;
  return String(error);
}
