/**
 * The CLI against a collector that serves TLS (and then mutual TLS), with certificates made
 * by openssl for this run: the TLS options work, and a wrong or missing one fails with
 * exit 3 and a line that says what to check.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, startCollector, tempDir, TOKENS, type Collector } from './testing/system';

let temp: ReturnType<typeof tempDir>;
let collector: Collector | undefined;

function openssl(dir: string, ...args: string[]) {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA, a server certificate for collector.test and 127.0.0.1, and a client certificate. */
function makeCertificates(dir: string) {
  openssl(dir, 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=neighwatch test CA');
  for (const [name, san] of [
    ['server', 'DNS:collector.test,IP:127.0.0.1'],
    ['client', 'DNS:cli.test'],
  ]) {
    openssl(dir, 'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\n`);
    openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
  }
}

beforeAll(() => {
  execFileSync(process.execPath, ['tools/build.mjs', 'cli'], { cwd: ROOT });
  execFileSync(process.execPath, ['tools/build.mjs', 'collector'], { cwd: ROOT });
  temp = tempDir();
});

afterAll(async () => {
  await collector?.stop();
  temp?.remove();
});

describe('TLS', () => {
  it('connects with --tls-ca and the right server name; fails with exit 3 otherwise', async () => {
    makeCertificates(temp.dir);
    const file = (f: string) => join(temp.dir, f);
    collector = await startCollector(temp.dir, '127.0.0.1:0', ['--tls-cert', file('server.pem'), '--tls-key', file('server.key')]);
    const base = ['nodes', '--format', 'json', '--collector', collector.address, '--token', TOKENS.read];

    const ok = await runCli([...base, '--tls-ca', file('ca.pem'), '--tls-server-name', 'collector.test']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual([]);
    const byIp = await runCli([...base, '--tls-ca', file('ca.pem')]);
    expect(byIp.code, byIp.stderr).toBe(0);
    const fromEnv = await runCli(base, { NEIGHWATCH_TLS_CA: file('ca.pem'), NEIGHWATCH_TLS_SERVER_NAME: 'collector.test' });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);

    const wrongName = await runCli([...base, '--tls-ca', file('ca.pem'), '--tls-server-name', 'elsewhere.test']);
    expect(wrongName.code).toBe(3);
    expect(wrongName.stderr).toMatch(/^neighwatch: collector at .* TLS handshake failed .*--tls-server-name/);

    const plaintext = await runCli(base);
    expect(plaintext.code).toBe(3);
    expect(plaintext.stderr.trim().split('\n')).toHaveLength(1);
    expect(plaintext.stderr).toContain('--tls-ca');
  });

  it('presents a client certificate for mutual TLS', async () => {
    await collector?.stop();
    const file = (f: string) => join(temp.dir, f);
    collector = await startCollector(temp.dir, '127.0.0.1:0', ['--tls-cert', file('server.pem'), '--tls-key', file('server.key'), '--tls-client-ca', file('ca.pem')]);
    const base = ['nodes', '--collector', collector.address, '--token', TOKENS.read, '--tls-ca', file('ca.pem'), '--tls-server-name', 'collector.test'];
    const ok = await runCli([...base, '--tls-cert', file('client.pem'), '--tls-key', file('client.key')]);
    expect(ok.code, ok.stderr).toBe(0);
    const noCert = await runCli(base);
    expect(noCert.code).toBe(3);
    const half = await runCli([...base, '--tls-cert', file('client.pem')]);
    expect(half.code).toBe(2);
  });
});
