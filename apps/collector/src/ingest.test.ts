/**
 * A real collector process on a temp SQLite file, real gRPC clients: authentication,
 * validation, acks after commit, dedupe on reconnect, health and reflection.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { arpRequest, encodeNdp } from '@neighwatch/packet';
import { service as healthService } from 'grpc-health-check';
import { agentMessageFromBytes, ingestService, type CollectorMessage__Output, type ListNodesResponse__Output, type Observation } from '@neighwatch/proto';
import { ROOT, TOKENS, TestAgent, ask, bearer, queryClient, startCollector, tempDir, type CollectorProcess } from './testing/harness';
import { observationOf } from './testing/frames';

const VM_MAC = '00:03:ff:13:7d:75';
const VM_LL = 'fe80::203:ffff:fe13:7d75';
const ROUTER_LL = 'fe80::5a6d:8fff:fe78:ad40';

function ns(sequence: number, timeUs = Date.now() * 1000): Observation {
  const frame = encodeNdp({
    ethSrc: VM_MAC,
    ethDst: '33:33:ff:78:ad:40',
    src: VM_LL,
    dst: 'ff02::1:ff78:ad40',
    message: { type: 'NS', target: ROUTER_LL },
    options: [{ type: 'source-lladdr', mac: VM_MAC }],
  });
  return observationOf(frame, { sequence, timeUs, iface: 'eth0', direction: 'sent' });
}

function arp(sequence: number): Observation {
  return observationOf(arpRequest({ senderMac: VM_MAC, senderIp: '192.0.2.104', targetIp: '192.0.2.1' }), {
    sequence,
    timeUs: Date.now() * 1000,
    iface: 'eth0',
    direction: 'sent',
  });
}

const batch = (...observations: Observation[]) => ({ observations: { agentTimeUs: Date.now() * 1000, observations } });

let tmp: ReturnType<typeof tempDir>;
let collector: CollectorProcess;
const agents: TestAgent[] = [];
const agent = (token: string) => {
  const a = new TestAgent(collector.address, token);
  agents.push(a);
  return a;
};

beforeAll(async () => {
  execFileSync(process.execPath, [join(ROOT, 'tools/build.mjs'), 'collector'], { cwd: ROOT });
  tmp = tempDir();
  collector = await startCollector({ dir: tmp.dir, args: ['--rate-limit-observations-per-second', '1000', '--rate-limit-burst', '1000'] });
});

afterEach(() => {
  for (const a of agents.splice(0)) a.close();
});

afterAll(async () => {
  await collector?.stop();
  tmp?.remove();
});

describe('authentication', () => {
  it('ends a stream without a token with UNAUTHENTICATED', async () => {
    const a = agent('');
    a.hello('vm');
    expect((await a.ended).code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it('ends a stream with a wrong token with UNAUTHENTICATED', async () => {
    const a = agent('not-a-known-token-123456');
    a.hello('vm');
    expect((await a.ended).code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it("answers PERMISSION_DENIED to an agent presenting another node's token", async () => {
    const a = agent(TOKENS.host);
    a.hello('vm');
    const s = await a.ended;
    expect(s.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(s.details).toContain('"host", not "vm"');
  });

  it('keeps read tokens out of Ingest and agent tokens out of Query', async () => {
    const a = agent(TOKENS.read);
    a.hello('vm');
    expect((await a.ended).code).toBe(grpc.status.PERMISSION_DENIED);
    const q = queryClient(collector.address);
    await expect(ask(q, 'ListNodes', {}, TOKENS.vm)).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
    await expect(ask(q, 'ListNodes', {}, '')).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    q.close();
  });
});

describe('the stream protocol', () => {
  it('ends a stream whose first message is not a Hello with INVALID_ARGUMENT', async () => {
    const a = agent(TOKENS.vm);
    a.send(batch(ns(1)));
    const s = await a.ended;
    expect(s.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(s.details).toMatch(/first message on a stream must be a Hello/);
  });

  it('ends a stream with a malformed Hello with INVALID_ARGUMENT naming the field', async () => {
    const a = agent(TOKENS.vm);
    a.hello('vm', 5); // agent clock in 1970
    const s = await a.ended;
    expect(s.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(s.details).toMatch(/^hello\.agent_time_us: /);
  });

  it('ends a stream carrying bytes that are not an AgentMessage with INVALID_ARGUMENT and the decoder’s reason, and keeps serving other agents', async () => {
    const metric = async () =>
      Number(/^neighwatch_stream_errors_total\{code="INVALID_ARGUMENT"\} (\d+)$/m.exec(await (await fetch(`http://${collector.metricsAddress}/metrics`)).text())?.[1] ?? 0);
    const errorsBefore = await metric();
    // Another agent, mid-stream while the bad bytes arrive.
    const other = agent(TOKENS.host);
    other.hello('host');
    const base = (await other.next((m) => m.body === 'helloReply')).helloReply!.committedSequence;

    // A client that writes whatever bytes it is given on Ingest/Stream.
    const real = ingestService().service.Stream;
    const Raw = grpc.makeGenericClientConstructor(
      {
        Stream: {
          path: real.path,
          requestStream: true,
          responseStream: true,
          requestSerialize: (bytes: Buffer) => bytes,
          requestDeserialize: (bytes: Buffer) => bytes,
          responseSerialize: real.responseSerialize,
          responseDeserialize: real.responseDeserialize,
        },
      },
      'RawIngest',
    );
    const raw = new Raw(collector.address, grpc.credentials.createInsecure());
    try {
      const call = (raw as unknown as { Stream(md: grpc.Metadata, options: grpc.CallOptions): grpc.ClientDuplexStream<Buffer, CollectorMessage__Output> }).Stream(bearer(TOKENS.vm), { deadline: Date.now() + 10_000 });
      const received: CollectorMessage__Output[] = [];
      call.on('data', (m: CollectorMessage__Output) => received.push(m));
      call.on('error', () => undefined);
      const ended = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
      const helloReply = new Promise<void>((resolve) => call.on('data', (m: CollectorMessage__Output) => m.body === 'helloReply' && resolve()));
      call.write(real.requestSerialize({ hello: { node: 'vm', agentVersion: 'test', os: 'Linux test', bootId: 'boot', agentTimeUs: Date.now() * 1000, spoolDropped: 0, nextSequence: 1 } }));
      await helloReply;
      // An observations field (2 … 4) claiming 8 bytes where 3 follow: a truncated batch.
      const garbage = Buffer.from([0x22, 0x08, 0x08, 0x01, 0x12]);
      let reason = '';
      try {
        agentMessageFromBytes(garbage);
      } catch (error) {
        reason = (error as Error).message;
      }
      expect(reason).not.toBe('');
      call.write(garbage);
      const s = await ended;
      expect(grpc.status[s.code]).toBe('INVALID_ARGUMENT');
      expect(s.details).toBe(`malformed AgentMessage: ${reason}`);
      expect(received.map((m) => m.body)).toEqual(['helloReply']);
    } finally {
      raw.close();
    }

    // The collector is still there: the other agent's stream carries on, and a new one opens.
    other.send(batch(ns(base + 1)));
    expect((await other.acked(base + 1)).ack!.committedSequence).toBe(base + 1);
    const again = agent(TOKENS.vm);
    again.hello('vm');
    await again.next((m) => m.body === 'helloReply');
    expect(await metric()).toBe(errorsBefore + 1);
  });

  it('rejects an invalid batch in band, naming the field, and acks the next valid batch on the same stream', async () => {
    const a = agent(TOKENS.vm);
    a.hello('vm');
    const reply = await a.next((m) => m.body === 'helloReply');
    const base = reply.helloReply!.committedSequence;
    const bad = ns(base + 4);
    bad.ethSrc = Buffer.alloc(5);
    a.send(batch(ns(base + 1), ns(base + 2), ns(base + 3), bad));
    const rejection = await a.next((m) => m.body === 'rejection');
    expect(rejection.rejection).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      message: 'observations[3].eth_src: 5 bytes, want 6',
      firstSequence: base + 1,
      lastSequence: base + 4,
    });
    a.send(batch(ns(base + 5), arp(base + 6)));
    const ack = await a.acked(base + 6);
    expect(ack.ack!.committedSequence).toBe(base + 6);
    // Other agents carry on meanwhile.
    const other = agent(TOKENS.router);
    other.hello('router');
    await other.next((m) => m.body === 'helloReply');
  });

  it('does not count a batch twice when an agent resends it after reconnecting', async () => {
    const q = queryClient(collector.address);
    const first = agent(TOKENS.host);
    first.hello('host');
    const base = (await first.next((m) => m.body === 'helloReply')).helloReply!.committedSequence;
    const observations = [ns(base + 1), ns(base + 2), ns(base + 3)];
    for (const o of observations) o.interface = 'wlan0';
    first.send(batch(...observations));
    await first.acked(base + 3);
    const before = (await ask<ListNodesResponse__Output>(q, 'ListNodes', {})).nodes.find((n) => n.name === 'host')!;
    first.close();

    // The agent did not see the ack (say) and resends the same batch on a new stream.
    const second = agent(TOKENS.host);
    second.hello('host');
    const reply = await second.next((m) => m.body === 'helloReply');
    expect(reply.helloReply!.committedSequence).toBe(base + 3);
    second.send(batch(...observations, ns(base + 4)));
    await second.acked(base + 4);
    const after = (await ask<ListNodesResponse__Output>(q, 'ListNodes', {})).nodes.find((n) => n.name === 'host')!;
    expect(after.observations - before.observations).toBe(1);
    expect(after.connected).toBe(true);
    q.close();
  });

  it('answers a flood with RESOURCE_EXHAUSTED and a retry delay, without starving another agent', async () => {
    const flood = agent(TOKENS.router);
    flood.hello('router');
    let seq = (await flood.next((m) => m.body === 'helloReply')).helloReply!.committedSequence;
    const big = () => batch(...Array.from({ length: 600 }, () => ns(++seq)));
    // 2,400 observations at once against a bucket of 1,000 refilled at 1,000/s.
    for (let i = 0; i < 4; i++) flood.send(big());
    const rejection = await flood.next((m) => m.body === 'rejection');
    expect(rejection.rejection!.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(rejection.rejection!.retryAfterMs).toBeGreaterThan(0);
    const quiet = agent(TOKENS.vm);
    quiet.hello('vm');
    const base = (await quiet.next((m) => m.body === 'helloReply')).helloReply!.committedSequence;
    quiet.send(batch(ns(base + 1)));
    await quiet.acked(base + 1);
  });
});

describe('standard services', () => {
  it('reports SERVING through the health service', async () => {
    const Health = grpc.makeClientConstructor(healthService, 'Health');
    const client = new Health(collector.address, grpc.credentials.createInsecure()) as unknown as {
      check(r: object, o: grpc.CallOptions, cb: (e: Error | null, r: { status: string }) => void): void;
      close(): void;
    };
    for (const name of ['', 'neighwatch.v1.Ingest', 'neighwatch.v1.Query']) {
      const reply = await new Promise<{ status: string }>((resolve, reject) =>
        client.check({ service: name }, { deadline: Date.now() + 5000 }, (e, r) => (e ? reject(e) : resolve(r))),
      );
      expect(reply.status).toBe('SERVING');
    }
    client.close();
  });

  it('lists the services through server reflection', async () => {
    const definition = protoLoader.loadSync('grpc/reflection/v1/reflection.proto', {
      includeDirs: [join(ROOT, 'node_modules/@grpc/reflection/build/proto')],
    });
    const loaded = grpc.loadPackageDefinition(definition) as unknown as {
      grpc: { reflection: { v1: { ServerReflection: grpc.ServiceClientConstructor } } };
    };
    const client = new loaded.grpc.reflection.v1.ServerReflection(collector.address, grpc.credentials.createInsecure());
    const call = (client as unknown as { ServerReflectionInfo(): grpc.ClientDuplexStream<object, { listServicesResponse: { service: { name: string }[] } }> }).ServerReflectionInfo();
    const response = await new Promise<{ listServicesResponse: { service: { name: string }[] } }>((resolve, reject) => {
      call.on('data', resolve);
      call.on('error', reject);
      call.write({ listServices: '' });
    });
    call.end();
    client.close();
    const names = response.listServicesResponse.service.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['neighwatch.v1.Ingest', 'neighwatch.v1.Query', 'grpc.health.v1.Health']));
  });

  it('exposes Prometheus metrics', async () => {
    const text = await (await fetch(`http://${collector.metricsAddress}/metrics`)).text();
    expect(text).toMatch(/^neighwatch_observations_ingested_total\{type="NDP_NS"\} \d+$/m);
    expect(text).toMatch(/^neighwatch_rejections_total\{code="INVALID_ARGUMENT"\} [1-9]/m);
    expect(text).toMatch(/^neighwatch_sqlite_write_seconds_count [1-9]/m);
    const rss = Number(/^neighwatch_process_memory_bytes\{kind="rss"\} (\d+)$/m.exec(text)?.[1]);
    const heapUsed = Number(/^neighwatch_process_memory_bytes\{kind="heap_used"\} (\d+)$/m.exec(text)?.[1]);
    expect(heapUsed).toBeGreaterThan(1 << 20);
    expect(rss).toBeGreaterThan(heapUsed);
  });
});
