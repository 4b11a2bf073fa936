import * as grpc from '@grpc/grpc-js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@neighwatch/config';
import { FakeCollector } from '../test/fake-collector';
import { Metrics } from './metrics';
import { isLocalTarget, Shipper, usesTls, type ShipperSettings } from './shipper';
import { Spool } from './spool';
import { encodeObservation } from './wire';

let dir: string;
let collector: FakeCollector;
let spool: Spool;
let shipper: Shipper | undefined;
let logs: string[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nw-shipper-'));
  collector = new FakeCollector(`unix://${join(dir, 'c.sock')}`);
  spool = Spool.open({ dir: join(dir, 'spool'), maxBytes: 8 * 2 ** 20, syncIntervalMs: 1000 });
  logs = [];
});
afterEach(async () => {
  await shipper?.stop(0);
  shipper = undefined;
  await collector.stop();
  spool.close();
  rmSync(dir, { recursive: true, force: true });
});

function settings(extra: Partial<ShipperSettings> = {}): ShipperSettings {
  return { collector: collector.address, token: 'node-token', tls: { mode: 'auto' }, batchMaxCount: 10, reconnectMaxDelayMs: 200, ...extra };
}

function start(extra: Partial<ShipperSettings> = {}) {
  const metrics = new Metrics();
  shipper = new Shipper(
    settings(extra),
    spool,
    {
      hello: () => ({ node: 'vm', nextSequence: spool.nextSequence, spoolDropped: spool.dropped }),
      inventory: () => ({ agentTimeUs: 1, interfaces: [] }),
      neighborsFull: async () => ({ agentTimeUs: 1, full: true, entries: [] }),
    },
    metrics,
    createLogger({ stream: { write: (t: string) => logs.push(t) }, format: 'json', level: 'debug' }),
  );
  shipper.start();
  return metrics;
}

function spoolSome(n: number): void {
  for (let i = 0; i < n; i++) {
    spool.append((sequence) =>
      encodeObservation({
        sequence,
        captureTimeUs: 1,
        interface: 'eth0',
        direction: 'DIRECTION_RECEIVED',
        ethSrc: Buffer.alloc(6, 1),
        ethDst: Buffer.alloc(6, 0xff),
        vlan: 0,
        type: 'ARP_REQUEST',
        senderIp: Buffer.from([192, 0, 2, 2]),
        targetIp: Buffer.from([192, 0, 2, 1]),
        lladdr: Buffer.alloc(6, 1),
        naFlags: 0,
        checksumOk: null,
        fingerprint: Buffer.alloc(8),
        frame: Buffer.alloc(42),
        frameLength: 42,
      }),
    );
  }
  spool.flush();
  shipper?.notify();
}

const seqs = () => collector.received.observations.map((o) => o.sequence);

describe('Shipper', () => {
  it('says Hello with the token, then Inventory and neighbors, then batches; acks free the spool', async () => {
    await collector.start();
    spoolSome(25);
    const metrics = start();
    await collector.waitFor((r) => r.observations.length === 25, 5000, '25 observations');
    expect(collector.received.metadata[0].get('authorization')).toEqual(['Bearer node-token']);
    expect(collector.received.hellos[0]).toMatchObject({ node: 'vm', nextSequence: 26 });
    expect(collector.received.inventories).toHaveLength(1);
    expect(collector.received.neighbors[0].full).toBe(true);
    // batchMaxCount 10: three batches.
    expect(seqs()).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    await collector.waitFor(() => spool.committed === 25, 5000, 'ack');
    expect(metrics.acked).toBe(25);
    expect(spool.unacknowledged()).toBe(0);
  });

  it('reconnects after the collector restarts and resends only what is not committed', async () => {
    await collector.start();
    start();
    spoolSome(5);
    await collector.waitFor((r) => r.observations.length === 5);
    await collector.stop();
    spoolSome(5);
    await collector.start();
    await collector.waitFor((r) => r.observations.length === 10, 10_000, 'all 10');
    expect(seqs()).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(collector.received.hellos.length).toBe(2);
    expect(collector.received.arrivals.filter((s) => s <= 5)).toHaveLength(5);
  });

  it('backs off and resends after RESOURCE_EXHAUSTED', async () => {
    await collector.start();
    collector.rejectNext = { code: grpc.status.RESOURCE_EXHAUSTED, retryAfterMs: 300 };
    const t0 = Date.now();
    start();
    spoolSome(5);
    await collector.waitFor((r) => r.observations.length === 5, 5000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    expect(seqs()).toEqual([1, 2, 3, 4, 5]);
    expect(logs.some((l) => l.includes('collector asked to retry later'))).toBe(true);
  });

  it('drops and counts observations rejected as INVALID_ARGUMENT', async () => {
    await collector.start();
    collector.rejectNext = { code: grpc.status.INVALID_ARGUMENT, message: 'observations[0].eth_src: 5 bytes' };
    const metrics = start({ batchMaxCount: 3 });
    spoolSome(3);
    await collector.waitFor(() => metrics.rejected === 3, 5000, 'rejection');
    spoolSome(2);
    await collector.waitFor((r) => r.observations.length === 2, 5000);
    expect(seqs()).toEqual([4, 5]);
    expect(logs.some((l) => l.includes('rejected observations as invalid') && l.includes('eth_src'))).toBe(true);
  });

  it('keeps retrying while the token is refused, saying so', async () => {
    collector.token = 'the-right-one';
    await collector.start();
    start({ token: 'wrong' });
    await collector.waitFor((r) => r.metadata.length >= 2, 5000, 'two attempts');
    expect(logs.some((l) => l.includes('UNAUTHENTICATED') && l.includes('check token'))).toBe(true);
  });

  it('waits for acknowledgements on stop, within its budget', async () => {
    await collector.start();
    start();
    await collector.waitFor((r) => r.inventories.length === 1, 5000, 'connected');
    spoolSome(20);
    await shipper!.stop(2000);
    shipper = undefined;
    expect(spool.committed).toBe(20);
  });
});

describe('TLS', () => {
  let pki: string;
  const file = (name: string) => join(pki, name);
  beforeAll(() => {
    pki = mkdtempSync(join(tmpdir(), 'nw-pki-'));
    const openssl = (...a: string[]) => execFileSync('openssl', a, { cwd: pki, stdio: 'pipe' });
    const ca = (name: string) => {
      openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`);
    };
    const leaf = (name: string, signer: string, ext: string) => {
      openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
      writeFileSync(join(pki, `${name}.ext`), ext);
      openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${signer}.pem`, '-CAkey', `${signer}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
    };
    ca('ca');
    ca('other-ca');
    leaf('collector', 'ca', 'subjectAltName=DNS:collector.test\nextendedKeyUsage=serverAuth\n');
    leaf('agent', 'ca', 'extendedKeyUsage=clientAuth\n');
  });
  afterAll(() => rmSync(pki, { recursive: true, force: true }));

  async function tlsCollector(): Promise<void> {
    await collector.stop();
    collector = new FakeCollector(
      `unix://${join(dir, 'tls.sock')}`,
      grpc.ServerCredentials.createSsl(readFileSync(file('ca.pem')), [{ private_key: readFileSync(file('collector.key')), cert_chain: readFileSync(file('collector.pem')) }], true),
    );
    await collector.start();
  }

  it('connects over TLS with a client certificate (mutual TLS) and delivers', async () => {
    await tlsCollector();
    start({ tls: { mode: 'on', ca: file('ca.pem'), cert: file('agent.pem'), key: file('agent.key'), serverName: 'collector.test' } });
    spoolSome(3);
    await collector.waitFor((r) => r.observations.length === 3, 10_000, 'observations over TLS');
  });

  it('refuses a collector whose certificate another CA signed, and says why', async () => {
    await tlsCollector();
    start({ tls: { mode: 'on', ca: file('other-ca.pem'), cert: file('agent.pem'), key: file('agent.key'), serverName: 'collector.test' } });
    spoolSome(1);
    await new Promise((r) => setTimeout(r, 1500));
    expect(collector.received.hellos).toHaveLength(0);
    expect(logs.some((l) => l.includes('collector stream failed') && l.includes('UNAVAILABLE'))).toBe(true);
  });

  it('cannot reach a collector that requires a client certificate without one', async () => {
    await tlsCollector();
    start({ tls: { mode: 'on', ca: file('ca.pem'), serverName: 'collector.test' } });
    spoolSome(1);
    await new Promise((r) => setTimeout(r, 1500));
    expect(collector.received.observations).toHaveLength(0);
    expect(logs.some((l) => l.includes('collector stream failed'))).toBe(true);
  });
});

describe('TLS decision', () => {
  it('is plaintext only for loopback and unix sockets unless asked', () => {
    expect(isLocalTarget('127.0.0.1:50051')).toBe(true);
    expect(isLocalTarget('[::1]:50051')).toBe(true);
    expect(isLocalTarget('localhost:50051')).toBe(true);
    expect(isLocalTarget('unix:///run/neighwatch.sock')).toBe(true);
    expect(isLocalTarget('192.0.2.5:50051')).toBe(false);
    expect(isLocalTarget('collector.example:50051')).toBe(false);
    const base = { token: undefined, batchMaxCount: 1, reconnectMaxDelayMs: 1 };
    expect(usesTls({ ...base, collector: '192.0.2.5:50051', tls: { mode: 'auto' } })).toBe(true);
    expect(usesTls({ ...base, collector: '127.0.0.1:50051', tls: { mode: 'auto' } })).toBe(false);
    expect(usesTls({ ...base, collector: '127.0.0.1:50051', tls: { mode: 'auto', ca: '/ca.pem' } })).toBe(true);
    expect(usesTls({ ...base, collector: '192.0.2.5:50051', tls: { mode: 'off' } })).toBe(false);
    expect(usesTls({ ...base, collector: '127.0.0.1:50051', tls: { mode: 'on' } })).toBe(true);
  });
});
