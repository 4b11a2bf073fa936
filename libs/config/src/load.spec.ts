import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  ConfigError,
  defineConfig,
  diffConfig,
  envName,
  field,
  flagName,
  formatConfig,
  helpText,
  loadConfig,
  loggingFields,
  markdownTable,
} from './index';

const schema = defineConfig({
  node: field.string({ doc: 'node name' }),
  collector: field.string({ default: '127.0.0.1:50051', doc: 'collector host:port', validate: (v) => (v.includes(':') ? undefined : 'must be host:port') }),
  token: field.string({ doc: 'bearer token', secret: true }),
  'tls.ca': field.string({ doc: 'CA file' }),
  'tls.serverName': field.string({ doc: 'TLS server name' }),
  interfaces: field.list({ doc: 'interfaces; empty = all' }),
  spoolMaxBytes: field.size({ default: '64MiB', min: '1MiB', doc: 'spool bound' }),
  batchMaxDelay: field.duration({ default: '250ms', doc: 'batch delay' }),
  batchMaxCount: field.integer({ default: 1000, min: 1, max: 10_000, doc: 'batch size' }),
  insecure: field.boolean({ doc: 'no TLS' }),
  ...loggingFields(),
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nw-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function error(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('names', () => {
  it('derives env and flag names from keys', () => {
    expect(envName('spoolMaxBytes')).toBe('NEIGHWATCH_SPOOL_MAX_BYTES');
    expect(envName('tls.serverName')).toBe('NEIGHWATCH_TLS_SERVER_NAME');
    expect(flagName('spoolMaxBytes')).toBe('--spool-max-bytes');
    expect(flagName('tls.ca')).toBe('--tls-ca');
  });

  it('rejects keys that would not map to env/flag names', () => {
    expect(() => defineConfig({ 'Bad_key': field.string({ doc: '' }) })).toThrow(/camelCase/);
  });
});

describe('loadConfig', () => {
  it('uses the defaults, already parsed, with typed values', () => {
    const { config, sources } = loadConfig(schema, { argv: [], env: {} });
    expect(config).toMatchObject({ collector: '127.0.0.1:50051', spoolMaxBytes: 64 * 2 ** 20, batchMaxDelay: 250, batchMaxCount: 1000, insecure: false, interfaces: [], logLevel: 'info' });
    expect(config.node).toBeUndefined();
    expect(sources.collector).toBe('default');
    expectTypeOf(config.spoolMaxBytes).toEqualTypeOf<number>();
    expectTypeOf(config.node).toEqualTypeOf<string | undefined>();
    expectTypeOf(config.logLevel).toEqualTypeOf<'debug' | 'info' | 'warn' | 'error'>();
  });

  it('layers file < env < flags, each key independently', () => {
    const path = file('agent.yaml', 'node: from-file\ncollector: file:1\nbatchMaxDelay: 1s\ntls:\n  ca: /etc/ca.pem\ninterfaces: [eth0, eth1]\n');
    const { config, sources } = loadConfig(schema, {
      argv: ['--config', path, '--batch-max-delay=2s', '--interfaces', 'br0', '--interfaces', 'wlan0', '--insecure'],
      env: { NEIGHWATCH_COLLECTOR: 'env:2', NEIGHWATCH_BATCH_MAX_DELAY: '5s', NEIGHWATCH_SPOOL_MAX_BYTES: '2MiB' },
    });
    expect(config).toMatchObject({
      node: 'from-file',
      collector: 'env:2',
      batchMaxDelay: 2000,
      spoolMaxBytes: 2 * 2 ** 20,
      'tls.ca': '/etc/ca.pem',
      interfaces: ['br0', 'wlan0'],
      insecure: true,
    });
    expect(sources).toMatchObject({ node: 'file', collector: 'env', batchMaxDelay: 'flag', spoolMaxBytes: 'env', 'tls.ca': 'file' });
  });

  it('reads JSON files and dotted keys, and NEIGHWATCH_CONFIG', () => {
    const path = file('agent.json', JSON.stringify({ 'tls.serverName': 'collector.example', spoolMaxBytes: 2097152, interfaces: 'eth0, eth1' }));
    const { config, file: used } = loadConfig(schema, { env: { NEIGHWATCH_CONFIG: path } });
    expect(used).toBe(path);
    expect(config['tls.serverName']).toBe('collector.example');
    expect(config.spoolMaxBytes).toBe(2 * 2 ** 20);
    expect(config.interfaces).toEqual(['eth0', 'eth1']);
  });

  it('parses comma-separated lists from env and --no-flag booleans', () => {
    const { config } = loadConfig(schema, { argv: ['--no-insecure'], env: { NEIGHWATCH_INTERFACES: 'eth0,, tap0 ', NEIGHWATCH_INSECURE: 'true' } });
    expect(config.interfaces).toEqual(['eth0', 'tap0']);
    expect(config.insecure).toBe(false);
  });

  it('names the key and the source of a bad value', () => {
    const e = error(() => loadConfig(schema, { env: { NEIGHWATCH_SPOOL_MAX_BYTES: 'lots' } }));
    expect(e.key).toBe('spoolMaxBytes');
    expect(e.message).toMatch(/config key "spoolMaxBytes" \(env NEIGHWATCH_SPOOL_MAX_BYTES = "lots"\): "lots" is not a size/);

    expect(error(() => loadConfig(schema, { argv: ['--batch-max-count', '0'] })).message).toMatch(/"batchMaxCount" \(flag --batch-max-count = "0"\): 0 is out of range 1..10000/);
    expect(error(() => loadConfig(schema, { argv: ['--spool-max-bytes', '1KiB'] })).message).toMatch(/below the minimum 1MiB/);
    expect(error(() => loadConfig(schema, { argv: ['--collector', 'nohost'] })).message).toMatch(/"collector".*must be host:port/);
    expect(error(() => loadConfig(schema, { argv: ['--log-level', 'loud'] })).message).toMatch(/"logLevel".*not one of debug, info, warn, error/);
    const path = file('d.yaml', 'batchMaxDelay: 30\n');
    expect(error(() => loadConfig(schema, { argv: ['--config', path] })).message).toMatch(/"batchMaxDelay".*30 needs a unit/);
  });

  it('never prints a secret in an error', () => {
    const path = file('s.yaml', 'token: [hunter2]\n');
    const e = error(() => loadConfig(schema, { argv: ['--config', path] }));
    expect(e.key).toBe('token');
    expect(e.message).not.toContain('hunter2');
  });

  it('rejects unknown keys in files, with a suggestion, and unknown flags', () => {
    const typo = file('t.yaml', 'spoolMaxByte: 1MiB\n');
    const e = error(() => loadConfig(schema, { argv: ['--config', typo] }));
    expect(e.key).toBe('spoolMaxByte');
    expect(e.message).toMatch(/unknown key "spoolMaxByte" \(did you mean "spoolMaxBytes"\?\)/);

    const nested = file('n.yaml', 'tls:\n  cafile: x\n');
    expect(error(() => loadConfig(schema, { argv: ['--config', nested] })).key).toBe('tls.cafile');
    const scalar = file('s.yaml', 'tls: yes\n');
    expect(error(() => loadConfig(schema, { argv: ['--config', scalar] })).message).toMatch(/"tls" must be a mapping/);

    const flag = error(() => loadConfig(schema, { argv: ['--spool-max-byte', '1MiB'] }));
    expect(flag.key).toBe('--spool-max-byte');
    expect(flag.message).toMatch(/unknown flag --spool-max-byte \(did you mean "--spool-max-bytes"\?\)/);
    expect(error(() => loadConfig(schema, { argv: ['--node'] })).message).toMatch(/flag --node needs a value/);
  });

  it('ignores unknown NEIGHWATCH_* variables (other binaries share the prefix)', () => {
    expect(() => loadConfig(schema, { env: { NEIGHWATCH_PROTO_DIR: '/x' } })).not.toThrow();
  });

  it('reports unreadable and syntactically broken files', () => {
    expect(error(() => loadConfig(schema, { argv: ['--config', join(dir, 'missing.yaml')] })).message).toMatch(/cannot read config file/);
    const broken = file('b.yaml', 'node: [unclosed\n');
    expect(error(() => loadConfig(schema, { argv: ['--config', broken] })).message).toMatch(/not valid YAML\/JSON/);
    const duplicate = file('dup.yaml', 'node: a\nnode: b\n');
    expect(error(() => loadConfig(schema, { argv: ['--config', duplicate] })).message).toMatch(/not valid YAML/);
  });

  it('returns the standard flags and positionals', () => {
    const { standard, positionals } = loadConfig(schema, { argv: ['--print-config', '--version', '-h', 'extra', '--', '--node'] });
    expect(standard).toMatchObject({ printConfig: true, version: true, help: true });
    expect(positionals).toEqual(['extra', '--node']);
  });

  it('accepts flags parsed elsewhere (commander) as the top layer', () => {
    const { config } = loadConfig(schema, { env: { NEIGHWATCH_NODE: 'env' }, flags: { node: 'cli', batchMaxDelay: '1s' } });
    expect(config.node).toBe('cli');
    expect(config.batchMaxDelay).toBe(1000);
  });
});

describe('printing', () => {
  it('prints the effective config as a re-loadable file with secrets redacted', () => {
    const { config } = loadConfig(schema, { env: { NEIGHWATCH_TOKEN: 's3cret', NEIGHWATCH_TLS_CA: '/ca.pem' } });
    const yaml = formatConfig(schema, config);
    expect(yaml).not.toContain('s3cret');
    expect(yaml).toContain('token: <redacted>');
    const document = parseYaml(yaml) as Record<string, unknown>;
    expect(document).toMatchObject({ spoolMaxBytes: '64MiB', batchMaxDelay: '250ms', tls: { ca: '/ca.pem', serverName: null }, node: null });

    const reloaded = loadConfig(schema, { argv: ['--config', file('again.yaml', yaml.replace('<redacted>', 'x'))], env: {} }).config;
    expect(reloaded.spoolMaxBytes).toBe(config.spoolMaxBytes);
    expect(reloaded.batchMaxDelay).toBe(config.batchMaxDelay);
    expect(reloaded.node).toBeUndefined();

    expect(JSON.parse(formatConfig(schema, config, 'json'))).toMatchObject({ token: '<redacted>', tls: { ca: '/ca.pem' } });
  });

  it('diffs two configs, naming changed secrets without their values', () => {
    const a = loadConfig(schema, { env: { NEIGHWATCH_TOKEN: 'one' } }).config;
    const b = loadConfig(schema, { env: { NEIGHWATCH_TOKEN: 'two', NEIGHWATCH_INTERFACES: 'eth0' } }).config;
    expect(diffConfig(schema, a, b)).toEqual([
      { key: 'token', from: '<redacted>', to: '<redacted>' },
      { key: 'interfaces', from: [], to: ['eth0'] },
    ]);
  });

  it('documents every key with its flag, env name and default', () => {
    const help = helpText(schema);
    expect(help).toContain('--spool-max-bytes <size> (default: 64MiB)');
    expect(help).toContain('env: NEIGHWATCH_SPOOL_MAX_BYTES');
    expect(help).toContain('--log-level <debug|info|warn|error> (default: info)');
    expect(markdownTable(schema).split('\n').filter((l) => l.startsWith('| `'))).toHaveLength(Object.keys(schema).length);
  });
});
