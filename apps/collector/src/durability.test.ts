/**
 * Nothing acknowledged is lost and nothing is counted twice, whatever happens to the
 * collector process: SIGKILL in the middle of ingest, then a restart on the same
 * database and a full replay; a graceful SIGTERM; and configuration errors exit 2.
 */
import * as grpc from '@grpc/grpc-js';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeNdp } from '@neighwatch/packet';
import { observationOf, type ListBindingsResponse__Output, type ListNodesResponse__Output, type Observation } from '@neighwatch/proto';
import { BIN, ROOT, TOKENS, TestAgent, ask, bearer, queryClient, startCollector, tempDir, type CollectorProcess } from './testing/harness';

const FRAME = encodeNdp({
  ethSrc: '00:03:ff:13:7d:75',
  ethDst: '33:33:ff:78:ad:40',
  src: 'fe80::203:ffff:fe13:7d75',
  dst: 'ff02::1:ff78:ad40',
  message: { type: 'NS', target: 'fe80::5a6d:8fff:fe78:ad40' },
  options: [{ type: 'source-lladdr', mac: '00:03:ff:13:7d:75' }],
});
const TEMPLATE = observationOf(FRAME, { sequence: 1, timeUs: Date.now() * 1000, iface: 'eth0', direction: 'sent' });
const BATCH = 100;

function batch(first: number): { observations: { agentTimeUs: number; observations: Observation[] } } {
  const now = Date.now() * 1000;
  const observations = Array.from({ length: BATCH }, (_, i) => ({ ...TEMPLATE, sequence: first + i, captureTimeUs: now }));
  return { observations: { agentTimeUs: now, observations } };
}

/**
 * Streams batches with up to `window` unacknowledged, like an agent shipping its spool.
 * Calls `onAck` with every acknowledged sequence; resolves when the stream ends.
 */
async function stream(agent: TestAgent, from: number, until: number, window: number, onAck: (committed: number) => void) {
  let next = from;
  let acked = from - 1;
  const pump = () => {
    while (next <= until && next - 1 - acked < window * BATCH) {
      agent.send(batch(next));
      next += BATCH;
    }
  };
  agent.call.on('data', (m) => {
    if (m.body !== 'ack') return;
    acked = Math.max(acked, m.ack!.committedSequence);
    onAck(acked);
    pump();
  });
  pump();
  return { sent: () => next - 1, ended: agent.ended };
}

let tmp: ReturnType<typeof tempDir>;
const running: CollectorProcess[] = [];
const agents: TestAgent[] = [];

beforeAll(() => {
  execFileSync(process.execPath, [join(ROOT, 'tools/build.mjs'), 'collector'], { cwd: ROOT });
});

afterEach(async () => {
  for (const a of agents.splice(0)) a.close();
  for (const c of running.splice(0)) await c.stop('SIGKILL');
  tmp?.remove();
});

async function start(database: string) {
  const c = await startCollector({ dir: tmp.dir, database, args: ['--commit-max-rows', '500'] });
  running.push(c);
  return c;
}

async function observationsOf(c: CollectorProcess, node: string): Promise<number> {
  const q = queryClient(c.address);
  try {
    const { nodes } = await ask<ListNodesResponse__Output>(q, 'ListNodes', {});
    return nodes.find((n) => n.name === node)?.observations ?? 0;
  } finally {
    q.close();
  }
}

describe('durability', () => {
  it('loses no acknowledged observation to SIGKILL mid-ingest, and counts a full replay once', async () => {
    tmp = tempDir();
    const database = join(tmp.dir, 'state', 'neighwatch.db');
    const first = await start(database);
    const agent = new TestAgent(first.address, TOKENS.vm);
    agents.push(agent);
    agent.hello('vm');
    await agent.next((m) => m.body === 'helloReply');
    const TOTAL = 20_000;
    let highestAcked = 0;
    let killed = false;
    const run = await stream(agent, 1, TOTAL, 8, (acked) => {
      highestAcked = acked;
      // Kill while batches are still in flight: well before the end.
      if (!killed && acked >= 3000) {
        killed = true;
        first.child.kill('SIGKILL');
      }
    });
    const ended = await run.ended;
    expect(ended.code).not.toBe(grpc.status.OK);
    const exit = await first.exited;
    expect(exit.signal).toBe('SIGKILL');
    expect(highestAcked).toBeGreaterThanOrEqual(3000);
    expect(run.sent()).toBeLessThan(TOTAL);

    const second = await start(database);
    const again = new TestAgent(second.address, TOKENS.vm);
    agents.push(again);
    again.hello('vm');
    const reply = await again.next((m) => m.body === 'helloReply');
    // Everything acknowledged before the kill survived it.
    expect(reply.helloReply!.committedSequence).toBeGreaterThanOrEqual(highestAcked);

    // The agent replays everything from the start (worst case): stored exactly once.
    const replay = await stream(again, 1, TOTAL, 8, () => undefined);
    await again.acked(TOTAL);
    expect(replay.sent()).toBe(TOTAL);
    expect(await observationsOf(second, 'vm')).toBe(TOTAL);
  });

  it('counts every binding sighting exactly once across a SIGKILL between binding flushes, a restart and a full replay', async () => {
    tmp = tempDir();
    const database = join(tmp.dir, 'neighwatch.db');
    // Eight hosts soliciting, each binding its IPv6 address to its SLLAO: 1 sighting per observation.
    const HOSTS = 8;
    const hostFrames = Array.from({ length: HOSTS }, (_, k) => {
      const mac = `02:00:00:00:0b:0${k}`;
      const frame = encodeNdp({
        ethSrc: mac,
        ethDst: '33:33:ff:00:00:01',
        src: `2001:db8::b${k}`,
        dst: 'ff02::1:ff00:1',
        message: { type: 'NS', target: '2001:db8::1' },
        options: [{ type: 'source-lladdr', mac }],
      });
      return observationOf(frame, { sequence: 1, timeUs: Date.now() * 1000, iface: 'eth0', direction: 'received' });
    });
    const send = async (agent: TestAgent, from: number, until: number) => {
      for (let first = from; first <= until; first += BATCH) {
        const now = Date.now() * 1000;
        const observations = Array.from({ length: BATCH }, (_, i) => ({ ...hostFrames[(first + i) % HOSTS], sequence: first + i, captureTimeUs: now }));
        agent.send({ observations: { agentTimeUs: now, observations } });
      }
      await agent.acked(until);
    };
    const counts = async (c: CollectorProcess) => {
      const q = queryClient(c.address);
      try {
        const { bindings } = await ask<ListBindingsResponse__Output>(q, 'ListBindings', { node: 'vm' });
        return Object.fromEntries(bindings.map((b) => [`${b.ip} ${b.mac}`, b.count]));
      } finally {
        q.close();
      }
    };
    const expected = (perHost: number) => Object.fromEntries(Array.from({ length: HOSTS }, (_, k) => [`2001:db8::b${k} 02:00:00:00:0b:0${k}`, perHost]));

    // A flush interval longer than the test: only a query or a shutdown writes the fold.
    const first = await startCollector({ dir: tmp.dir, database, args: ['--binding-flush-interval', '5m'] });
    running.push(first);
    const agent = new TestAgent(first.address, TOKENS.vm);
    agents.push(agent);
    agent.hello('vm');
    await agent.next((m) => m.body === 'helloReply');
    await send(agent, 1, 2000);
    expect(await counts(first)).toEqual(expected(250));
    // Acknowledged, stored, but folded in memory only when the collector dies.
    await send(agent, 2001, 4000);
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const db = new Database(database, { readonly: true });
    const written = db.prepare("SELECT SUM(count) AS n FROM binding WHERE source = 'wire'").get() as { n: number };
    const rows = db.prepare('SELECT COUNT(*) AS n FROM observation').get() as { n: number };
    db.close();
    expect(written.n).toBe(2000);
    expect(rows.n).toBe(4000);

    // The restart re-folds the 2,000 observations above the watermark: none lost, none twice.
    const second = await start(database);
    expect(await counts(second)).toEqual(expected(500));
    // A full replay after the restart is dropped as duplicates: the counts do not move.
    const again = new TestAgent(second.address, TOKENS.vm);
    agents.push(again);
    again.hello('vm', Date.now() * 1000, 1);
    await again.next((m) => m.body === 'helloReply');
    await send(again, 1, 4000);
    await send(again, 4001, 4400);
    expect(await counts(second)).toEqual(expected(550));
    // A graceful stop writes the fold; the next start counts nothing twice.
    await second.stop('SIGTERM');
    const third = await start(database);
    expect(await counts(third)).toEqual(expected(550));
  });

  it('stops gracefully on SIGTERM: acknowledges what it committed, ends streams UNAVAILABLE, exits 0', async () => {
    tmp = tempDir();
    const database = join(tmp.dir, 'neighwatch.db');
    const c = await start(database);
    const agent = new TestAgent(c.address, TOKENS.host);
    agents.push(agent);
    agent.hello('host');
    await agent.next((m) => m.body === 'helloReply');
    const q = queryClient(c.address);
    const watch = q.Watch({}, bearer(TOKENS.read));
    watch.on('data', () => undefined);
    const watchEnded = new Promise<grpc.StatusObject>((resolve) => {
      watch.on('error', () => undefined);
      watch.on('status', resolve);
    });
    let highestAcked = 0;
    let signalled = false;
    const run = await stream(agent, 1, 50_000, 8, (acked) => {
      highestAcked = acked;
      if (!signalled && acked >= 2000) {
        signalled = true;
        c.child.kill('SIGTERM');
      }
    });
    const ended = await run.ended;
    expect(ended.code).toBe(grpc.status.UNAVAILABLE);
    expect((await c.exited).code).toBe(0);
    expect(c.lines.map((l) => l.msg)).toContain('stopped');
    expect((await watchEnded).code).toBe(grpc.status.UNAVAILABLE);
    q.close();

    const again = await start(database);
    const agent2 = new TestAgent(again.address, TOKENS.host);
    agents.push(agent2);
    agent2.hello('host');
    const reply = await agent2.next((m) => m.body === 'helloReply');
    expect(reply.helloReply!.committedSequence).toBeGreaterThanOrEqual(highestAcked);
    expect(await observationsOf(again, 'host')).toBe(reply.helloReply!.committedSequence);
  });
});

describe('configuration errors', () => {
  const run = (args: string[], cwd: string) => spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 30_000 });

  it('refuses a non-loopback address without TLS unless --insecure, exit 2', () => {
    tmp = tempDir();
    const r = run(['--listen', '0.0.0.0:0', '--database', join(tmp.dir, 'db')], tmp.dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/without TLS .* --insecure/);
  });

  it('names an unknown key in the config file and a bad value, exit 2', () => {
    tmp = tempDir();
    const file = join(tmp.dir, 'collector.yaml');
    writeFileSync(file, 'listen: 127.0.0.1:0\nquietPeriod: 1h\nretension: 7d\n');
    const r = run(['--config', file], tmp.dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown key "retension" \(did you mean "retention"\?\)/);
    writeFileSync(file, 'allowlist:\n  - kind: LLADDR_MISMATCH\n    mac: 02:bf:c0:00:02:32\n');
    const r2 = run(['--config', file], tmp.dir);
    expect(r2.status).toBe(2);
    expect(r2.stderr).toMatch(/config key "allowlist".*\[0\]\.comment: required/);
    const r3 = run(['--commit-interval', 'soon'], tmp.dir);
    expect(r3.status).toBe(2);
    expect(r3.stderr).toMatch(/config key "commitInterval"/);
  });

  it('prints the effective configuration with secrets redacted', () => {
    tmp = tempDir();
    const r = run(['--print-config', '--read-tokens', 'secret-read-token-123456', '--retention', '3d'], tmp.dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^retention: 3d$/m);
    expect(r.stdout).toMatch(/^readTokens: <redacted>$/m);
    expect(r.stdout).not.toContain('secret-read-token');
  });
});
