import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CliError } from './errors';
import { normalizeCollectorAddress, resolveConnection } from './connection';

describe('collector address', () => {
  it.each([
    ['127.0.0.1:50051', '127.0.0.1:50051'],
    ['collector.example', 'collector.example:50051'],
    ['[::1]:6000', '[::1]:6000'],
    ['::1', '[::1]:50051'],
    ['dns:///collector.example:7000', 'collector.example:7000'],
  ])('%s → %s', (input, expected) => expect(normalizeCollectorAddress(input)).toBe(expected));

  it.each(['host:0', 'host:70000', 'host:abc', 'a b:1'])('rejects %s', (input) => {
    expect(() => normalizeCollectorAddress(input)).toThrow(CliError);
  });
});

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'nw-cli-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('resolveConnection', () => {
  it('defaults to plaintext on 127.0.0.1:50051 with a 10 s deadline', () => {
    expect(resolveConnection({}, {})).toEqual({ collector: '127.0.0.1:50051', token: undefined, tls: null, timeoutMs: 10_000 });
  });
  it('takes the environment, and flags over it', () => {
    const env = { NEIGHWATCH_COLLECTOR: 'c.example:1', NEIGHWATCH_TOKEN: 'env-token', NEIGHWATCH_TIMEOUT: '2s' };
    expect(resolveConnection({}, env)).toMatchObject({ collector: 'c.example:1', token: 'env-token', timeoutMs: 2000 });
    expect(resolveConnection({ collector: 'd.example:2', token: 'flag-token', timeout: '500ms' }, env)).toMatchObject({
      collector: 'd.example:2',
      token: 'flag-token',
      timeoutMs: 500,
    });
  });
  it('reads the token from a file when none is given', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'token'), 'file-token\n');
    expect(resolveConnection({ tokenFile: join(dir, 'token') }, {}).token).toBe('file-token');
    expect(resolveConnection({}, { NEIGHWATCH_TOKEN_FILE: join(dir, 'token') }).token).toBe('file-token');
    expect(resolveConnection({ token: 'flag', tokenFile: join(dir, 'token') }, {}).token).toBe('flag');
  });
  it('turns TLS on when any TLS option is given, reading the files', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'ca.pem'), 'CA');
    const s = resolveConnection({ tlsCa: join(dir, 'ca.pem'), tlsServerName: 'collector' }, {});
    expect(s.tls?.ca?.toString()).toBe('CA');
    expect(s.tls?.serverName).toBe('collector');
  });
  it('rejects half a client certificate, a missing file and a bad timeout (usage errors)', () => {
    for (const flags of [{ tlsCert: '/x.pem' }, { tlsCa: '/nonexistent/ca.pem' }, { timeout: '10' }]) {
      let error: unknown;
      try {
        resolveConnection(flags, {});
      } catch (e) {
        error = e;
      }
      expect((error as CliError).exitCode).toBe(2);
    }
  });
});
