import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { CliError, ExitCode, exitCodeFor, fromGrpcError, messageFor, status as ourStatus, usageError } from './errors';

const grpcError = (code: status, details: string): ServiceError =>
  Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details, metadata: new Metadata() });

const ctx = { collector: '127.0.0.1:50051', subject: 'mismatch 42', timeoutMs: 10_000 };

describe('gRPC status codes', () => {
  it('are the numbers grpc-js uses', () => {
    for (const [name, code] of Object.entries(ourStatus)) expect(code, name).toBe(status[name as keyof typeof status]);
  });
});

describe('gRPC status → exit code and one line', () => {
  it.each([
    [status.UNAVAILABLE, 'No connection established. Last error: connect ECONNREFUSED 127.0.0.1:50051', ExitCode.unreachable, 'collector at 127.0.0.1:50051 refused the connection: is neighwatch-collector running?'],
    [status.UNAVAILABLE, 'Name resolution failed for target dns:nowhere.invalid:50051', ExitCode.unreachable, 'cannot resolve the host name'],
    [status.DEADLINE_EXCEEDED, 'Deadline exceeded', ExitCode.unreachable, 'did not answer within 10s'],
    [status.UNAUTHENTICATED, 'missing or unknown token', ExitCode.auth, 'rejected the token (missing or unknown token): pass the collector\'s read token with --token or NEIGHWATCH_TOKEN'],
    [status.PERMISSION_DENIED, 'agent tokens cannot query', ExitCode.auth, 'use a read token'],
    [status.NOT_FOUND, 'no mismatch 42', ExitCode.notFound, 'no mismatch 42 at collector at 127.0.0.1:50051'],
    [status.INVALID_ARGUMENT, 'ip: not an address', ExitCode.usage, 'rejected the request: ip: not an address'],
    [status.INTERNAL, 'database is locked', ExitCode.runtime, 'failed: database is locked'],
  ])('status %i', (code, details, exit, text) => {
    const error = fromGrpcError(grpcError(code, details), ctx);
    expect(error.exitCode).toBe(exit);
    expect(error.message).toContain(text);
    expect(error.message.split('\n')).toHaveLength(1);
  });
});

describe('unreachable without a reason', () => {
  it('drops grpc-js noise and suggests TLS options when none were given', () => {
    const error = grpcError(status.UNAVAILABLE, 'No connection established. Last error: Failed to connect (2026-11-26T12:21:15.219Z). Resolution note: ');
    const plain = fromGrpcError(error, { collector: '127.0.0.1:50051', tls: false });
    expect(plain.message).toBe(
      'collector at 127.0.0.1:50051 is not reachable (No connection established. Last error: Failed to connect): is neighwatch-collector running, and is the address right? If it serves TLS, pass --tls-ca (and --tls-server-name).',
    );
    expect(fromGrpcError(error, { collector: 'c:1', tls: true }).message).not.toContain('--tls-ca');
  });
});

describe('exitCodeFor', () => {
  it('uses the CliError code', () => {
    expect(exitCodeFor(usageError('bad'))).toBe(2);
    expect(exitCodeFor(new CliError(ExitCode.notFound, 'x'))).toBe(4);
  });
  it('treats commander parse errors as usage and help as success', () => {
    expect(exitCodeFor(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--bogus'"))).toBe(2);
    expect(exitCodeFor(new CommanderError(1, 'commander.invalidArgument', 'error: option invalid'))).toBe(2);
    expect(exitCodeFor(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'))).toBe(0);
    expect(exitCodeFor(new CommanderError(0, 'commander.version', '0.1.0'))).toBe(0);
    expect(exitCodeFor(new CommanderError(1, 'commander.help', '(outputHelp)'))).toBe(2);
    expect(messageFor(new CommanderError(1, 'commander.unknownOption', 'x'))).toBeNull();
  });
  it('treats anything else as a runtime error', () => {
    expect(exitCodeFor(new Error('boom'))).toBe(1);
    expect(exitCodeFor('boom')).toBe(1);
    expect(messageFor(new Error('boom'))).toBe('boom');
  });
});
