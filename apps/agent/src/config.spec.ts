import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, envName, flagName, loadConfig } from '@neighwatch/config';
import { agentSchema, checkCollectorAddress, resolveToken } from './config';

describe('agent configuration', () => {
  it('has sane defaults: loopback collector, 64MiB spool, 1000/250ms batches, metrics off', () => {
    const { config } = loadConfig(agentSchema, { argv: [], env: {} });
    expect(config).toMatchObject({
      collector: '127.0.0.1:50051',
      spoolMaxBytes: 64 * 2 ** 20,
      batchMaxCount: 1000,
      batchMaxDelay: 250,
      neighborInterval: 30_000,
      inventoryInterval: 60_000,
      metricsListen: 'off',
      'tls.mode': 'auto',
      interfaces: [],
    });
    expect(config.snaplen).toBeGreaterThanOrEqual(256);
  });

  it('accepts host:port, [v6]:port and unix sockets as the collector', () => {
    expect(checkCollectorAddress('collector.example:50051')).toBeUndefined();
    expect(checkCollectorAddress('[2001:db8::5]:50051')).toBeUndefined();
    expect(checkCollectorAddress('unix:///run/neighwatch/collector.sock')).toBeUndefined();
    expect(checkCollectorAddress('collector.example')).toMatch(/host:port/);
    expect(checkCollectorAddress('collector.example:70000')).toMatch(/not 1..65535/);
  });

  it('reads the token from tokenFile when token is unset, and names the key when it cannot', () => {
    const { config } = loadConfig(agentSchema, { env: { NEIGHWATCH_TOKEN_FILE: new URL(import.meta.url).pathname } });
    expect(resolveToken(config)).toContain('agent configuration');
    const missing = loadConfig(agentSchema, { env: { NEIGHWATCH_TOKEN_FILE: '/nonexistent/token' } }).config;
    expect(() => resolveToken(missing)).toThrow(ConfigError);
  });

  it('is documented key by key in docs/agent.md (flag, env, file key)', () => {
    const doc = readFileSync(new URL('../../../docs/agent.md', import.meta.url), 'utf8');
    for (const key of Object.keys(agentSchema)) {
      expect(doc, key).toContain(`| \`${key}\` | \`${flagName(key)}\` | \`${envName(key)}\` |`);
    }
  });
});
