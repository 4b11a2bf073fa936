import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@neighwatch/config';
import { checkConsistency, collectorSchema, isLoopback, parseListen } from './config';

const load = (argv: string[], env: Record<string, string> = {}) => loadConfig(collectorSchema, { argv, env }).config;

describe('collector configuration', () => {
  it('parses listen addresses, IPv6 in brackets', () => {
    expect(parseListen('127.0.0.1:50051')).toEqual({ host: '127.0.0.1', port: 50051 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(() => parseListen('50051')).toThrow(/is not host:port/);
    expect(() => parseListen('127.0.0.1:70000')).toThrow(/above 65535/);
  });

  it('knows loopback from the rest', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['0.0.0.0', '192.0.2.1', '::', 'collector.example'].map(isLoopback)).toEqual([false, false, false, false]);
  });

  it('refuses plaintext on a non-loopback address unless --insecure', () => {
    expect(() => checkConsistency(load(['--listen', '0.0.0.0:50051']))).toThrow(ConfigError);
    expect(() => checkConsistency(load(['--listen', '0.0.0.0:50051', '--insecure']))).not.toThrow();
    expect(() => checkConsistency(load(['--listen', '0.0.0.0:50051', '--tls-cert', 'c.pem', '--tls-key', 'k.pem']))).not.toThrow();
    expect(() => checkConsistency(load(['--tls-cert', 'c.pem']))).toThrow(/"tls.cert" and "tls.key" go together/);
    expect(() => checkConsistency(load(['--tls-client-ca', 'ca.pem']))).toThrow(/needs TLS/);
  });

  it('takes the same keys from the environment as from flags, flags winning', () => {
    expect(load([], { NEIGHWATCH_QUIET_PERIOD: '2h' }).quietPeriod).toBe(7_200_000);
    expect(load(['--quiet-period', '30m'], { NEIGHWATCH_QUIET_PERIOD: '2h' }).quietPeriod).toBe(1_800_000);
    expect(load([], { NEIGHWATCH_AGENTS: 'vm=vm-token-0123456789,host=host-token-0123456789' }).agents).toEqual({
      vm: 'vm-token-0123456789',
      host: 'host-token-0123456789',
    });
  });

  it('takes the PHANTOM_LLADDR window as a duration, a minute unless set', () => {
    expect(load([]).phantomWindow).toBe(60_000);
    expect(load(['--phantom-window', '10s']).phantomWindow).toBe(10_000);
    expect(() => load(['--phantom-window', '0s'])).toThrow(/config key "phantomWindow"/);
  });

  it('names the key of a bad value', () => {
    expect(() => load(['--max-batch-observations', '0'])).toThrow(/config key "maxBatchObservations"/);
    expect(() => load(['--listen', 'nowhere'])).toThrow(/config key "listen"/);
    expect(() => load(['--allowlist', '[{kind: NOPE, comment: x}]'])).toThrow(/config key "allowlist".*\[0\]\.kind/);
  });
});
