/**
 * TLS and mutual TLS with certificates made for the test (openssl), the message size
 * limit, Watch replay, and the report.
 */
import * as grpc from '@grpc/grpc-js';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryService, type ListNodesResponse__Output, type MismatchEvent__Output, type QueryClient, type Report__Output } from '@neighwatch/proto';
import { ROOT, TOKENS, TestAgent, ask, bearer, queryClient, startCollector, tempDir, type CollectorProcess } from './testing/harness';
import { inventories, observations } from './testing/field-case';

let tmp: ReturnType<typeof tempDir>;
let collector: CollectorProcess | null = null;

function openssl(args: string[], cwd: string) {
  execFileSync('openssl', args, { cwd, stdio: 'ignore' });
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate, in `dir`. */
function makeCertificates(dir: string) {
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=neighwatch test CA'], dir);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  for (const name of ['server', 'client']) {
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`], dir);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', ...(name === 'server' ? ['-extfile', 'server.ext'] : [])], dir);
  }
  const read = (f: string) => readFileSync(join(dir, f));
  return { ca: read('ca.crt'), clientKey: read('client.key'), clientCert: read('client.crt') };
}

function listNodes(client: QueryClient): Promise<ListNodesResponse__Output> {
  return new Promise((resolve, reject) =>
    client.ListNodes({}, bearer(TOKENS.read), { deadline: Date.now() + 5000 }, (e, r) => (e ? reject(e) : resolve(r!))),
  );
}

beforeAll(() => {
  execFileSync(process.execPath, [join(ROOT, 'tools/build.mjs'), 'collector'], { cwd: ROOT });
});

afterEach(async () => {
  await collector?.stop();
  collector = null;
  tmp?.remove();
});

describe('TLS', () => {
  it('serves over TLS, and with a client CA refuses clients without a certificate it signed', async () => {
    tmp = tempDir();
    const certs = makeCertificates(tmp.dir);
    const tls = ['--tls-cert', join(tmp.dir, 'server.crt'), '--tls-key', join(tmp.dir, 'server.key')];
    collector = await startCollector({ dir: tmp.dir, args: tls });
    expect(collector.lines.find((l) => l.msg === 'listening')).toMatchObject({ tls: true, clientCertificates: false });
    const Query = queryService();
    const secure = new Query(collector.address, grpc.credentials.createSsl(certs.ca)) as unknown as QueryClient;
    expect((await listNodes(secure)).nodes).toEqual([]);
    secure.close();
    const plain = new Query(collector.address, grpc.credentials.createInsecure()) as unknown as QueryClient;
    await expect(listNodes(plain)).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    plain.close();
    await collector.stop();

    collector = await startCollector({ dir: tmp.dir, args: [...tls, '--tls-client-ca', join(tmp.dir, 'ca.crt')] });
    const anonymous = new Query(collector.address, grpc.credentials.createSsl(certs.ca)) as unknown as QueryClient;
    await expect(listNodes(anonymous)).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    anonymous.close();
    const mutual = new Query(collector.address, grpc.credentials.createSsl(certs.ca, certs.clientKey, certs.clientCert)) as unknown as QueryClient;
    expect((await listNodes(mutual)).nodes).toEqual([]);
    mutual.close();
  });
});

describe('limits and replay', () => {
  it('refuses a message above maxMessageBytes with RESOURCE_EXHAUSTED', async () => {
    tmp = tempDir();
    collector = await startCollector({ dir: tmp.dir, args: ['--max-message-bytes', '64KiB'] });
    const agent = new TestAgent(collector.address, TOKENS.vm);
    agent.hello('vm');
    await agent.next((m) => m.body === 'helloReply');
    const inv = inventories(() => Date.now() * 1000).vm;
    inv.interfaces![0].vlanParent = 'x'.repeat(70_000);
    agent.send({ inventory: inv });
    expect((await agent.ended).code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    agent.close();
  });

  it('replays mismatches seen after since_us to a Watch that reconnects, and sends heartbeats (database on its own thread)', async () => {
    tmp = tempDir();
    collector = await startCollector({ dir: tmp.dir, args: ['--heartbeat-interval', '200ms', '--database-thread'] });
    // Replay is by when mismatches were seen (capture time, clock-corrected).
    const before = Date.now() * 1000 - 10_000_000;
    const agent = new TestAgent(collector.address, TOKENS.router);
    agent.hello('router');
    await agent.next((m) => m.body === 'helloReply');
    const frames = observations(Date.now() * 1000 - 1_000_000, {}, { vm: 1, host: 1, router: 1 });
    agent.send({ observations: { agentTimeUs: Date.now() * 1000, observations: frames.router } });
    await agent.acked(frames.router.at(-1)!.sequence as number);

    const q = queryClient(collector.address);
    const watch = q.Watch({ sinceUs: before }, bearer(TOKENS.read));
    const events: MismatchEvent__Output[] = [];
    const heartbeat = new Promise<void>((resolve) => {
      watch.on('data', (e: MismatchEvent__Output) => {
        events.push(e);
        if (e.type === 'MISMATCH_EVENT_TYPE_HEARTBEAT') resolve();
      });
    });
    watch.on('error', () => undefined);
    await heartbeat;
    watch.cancel();
    const replayed = events.filter((e) => e.type === 'MISMATCH_EVENT_TYPE_OPENED').map((e) => String(e.mismatch!.kind));
    expect(replayed).toContain('MISMATCH_KIND_LLADDR_MISMATCH');
    // Events come in the order they were stored, each once.
    const ids = events.filter((e) => e.mismatch).map((e) => e.mismatch!.id);
    expect(new Set(ids).size).toBe(ids.length);

    const report = await ask<Report__Output>(q, 'GetReport', { sinceUs: before - 3_600_000_000 });
    expect(report.bucket).toBe('REPORT_BUCKET_HOUR');
    expect(report.occurrences).toBeGreaterThan(0);
    expect(report.byKind.map((c) => c.key)).toEqual(expect.arrayContaining([expect.stringContaining('LLADDR_MISMATCH')]));
    await expect(ask(q, 'GetReport', { sinceUs: before, untilUs: before - 1 })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    // Store errors keep their meaning across the thread boundary.
    await expect(ask(q, 'GetMismatch', { id: 999_999 })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    q.close();
    agent.close();
  });
});
