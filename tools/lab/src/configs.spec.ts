import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { captureInterfaces, generateTokens, renderAgentConfig, renderCollectorConfig, renderTokensFile } from './configs';
import { labTopology } from './topology';

describe('lab configuration files', () => {
  it('gives every node its own unguessable token, and the CLI a separate read token', () => {
    const tokens = generateTokens(['router', 'host', 'vm']);
    const all = [...Object.values(tokens.agents), tokens.read];
    expect(new Set(all).size).toBe(4);
    for (const token of all) expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(generateTokens(['vm']).agents.vm).not.toBe(tokens.agents.vm);
  });

  it('writes the tokens file the collector reads: agents by node name and read tokens', () => {
    const tokens = { agents: { vm: 'tv', host: 'th' }, read: 'tr' };
    expect(parse(renderTokensFile(tokens))).toEqual({ agents: { vm: 'tv', host: 'th' }, readTokens: ['tr'] });
  });

  it('keeps the collector on loopback, metrics off, logs as JSON', () => {
    const conf = parse(renderCollectorConfig({ listen: '127.0.0.1:50051', database: '/d/n.db', tokensFile: '/d/t.yaml', logLevel: 'info' }));
    expect(conf).toEqual({
      listen: '127.0.0.1:50051',
      database: '/d/n.db',
      tokensFile: '/d/t.yaml',
      metricsListen: 'off',
      maintenanceInterval: '1s',
      phantomWindow: '10s',
      logLevel: 'info',
      logFormat: 'json',
    });
  });

  it('writes dotted agent keys as nested mappings and omits unset ones', () => {
    const text = renderAgentConfig({
      node: 'vm',
      collector: 'unix:///run/neighwatch-lab/x/collector.sock',
      tokenFile: '/d/agents/vm/token',
      spoolDir: '/d/agents/vm/spool',
      interfaces: ['eth0'],
    });
    expect(text.startsWith('# neighwatch-agent "vm"')).toBe(true);
    const conf = parse(text);
    expect(conf).toMatchObject({ node: 'vm', tls: { mode: 'off' }, interfaces: ['eth0'], batchMaxDelay: '100ms', neighborInterval: '1s' });
    expect(conf).not.toHaveProperty('logLevel');
    expect(conf).not.toHaveProperty('token');
  });

  it('captures on both ends of the host bridge and on the other nodes’ only link', () => {
    expect(captureInterfaces(labTopology())).toEqual({ router: ['lan0'], host: ['vmport0', 'uplink0'], vm: ['eth0'] });
  });
});
