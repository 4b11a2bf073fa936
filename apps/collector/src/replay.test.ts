/**
 * A replayed batch (an agent resending what it has not seen acknowledged) is stored once
 * and its findings count once: replays are dropped before correlation, both after a
 * reconnect and after a transaction failed while later batches of the same node waited.
 */
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@neighwatch/config';
import { encodeNdp } from '@neighwatch/packet';
import type { ListMismatchesResponse__Output, ListNodesResponse__Output, Observation, ObservationBatch__Output } from '@neighwatch/proto';
import { openStore, type Store } from '@neighwatch/store';
import { Allowlist } from './allowlist';
import { Collector } from './collector';
import { Correlation } from './correlation';
import { CollectorMetrics } from './metrics';
import { DEFAULT_LIMITS } from './validate';
import { ROOT, TOKENS, TestAgent, ask, queryClient, startCollector, tempDir, type CollectorProcess } from './testing/harness';
import { observationOf } from './testing/frames';

/** An NA whose target link-layer address is not its Ethernet source: one LLADDR_MISMATCH per frame. */
const MISMATCH = encodeNdp({
  ethSrc: '02:00:00:00:aa:01',
  ethDst: '02:00:00:00:aa:02',
  src: '2001:db8:1::10',
  dst: '2001:db8:1::1',
  message: { type: 'NA', target: '2001:db8:1::10', solicited: true, override: true },
  options: [{ type: 'target-lladdr', mac: '02:00:00:00:aa:03' }],
});
/** An ordinary NS with SLLAO: no finding. */
const PLAIN = encodeNdp({
  ethSrc: '02:00:00:00:bb:01',
  ethDst: '33:33:ff:00:00:01',
  src: '2001:db8:1::20',
  dst: 'ff02::1:ff00:1',
  message: { type: 'NS', target: '2001:db8:1::1' },
  options: [{ type: 'source-lladdr', mac: '02:00:00:00:bb:01' }],
});

/** Sequences first..last, one mismatching frame at `mismatchAt`, the rest plain. */
function observations(first: number, last: number, mismatchAt: number, timeUs: number): Observation[] {
  const out: Observation[] = [];
  for (let s = first; s <= last; s++) {
    const o = observationOf(s === mismatchAt ? MISMATCH : PLAIN, { sequence: s, timeUs: timeUs + s, iface: 'eth0', direction: 'received' });
    out.push({ ...o, captureTimeUs: timeUs + s });
  }
  return out;
}

let tmp: ReturnType<typeof tempDir> | undefined;
const cleanups: (() => Promise<unknown> | unknown)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  tmp?.remove();
  tmp = undefined;
});

describe('replays', () => {
  beforeAll(() => {
    execFileSync(process.execPath, [join(ROOT, 'tools/build.mjs'), 'collector'], { cwd: ROOT });
  });

  it('counts the findings of a batch replayed after a reconnect once', async () => {
    tmp = tempDir();
    const c: CollectorProcess = await startCollector({ dir: tmp.dir });
    cleanups.push(() => c.stop('SIGKILL'));
    const now = Date.now() * 1000;
    const batch = { observations: { agentTimeUs: now, observations: observations(1, 20, 7, now) } };

    const first = new TestAgent(c.address, TOKENS.vm);
    cleanups.push(() => first.close());
    first.hello('vm');
    await first.next((m) => m.body === 'helloReply');
    first.send(batch);
    await first.acked(20);

    const query = queryClient(c.address);
    cleanups.push(() => query.close());
    const count = async () => {
      const { mismatches } = await ask<ListMismatchesResponse__Output>(query, 'ListMismatches', { state: 'MISMATCH_STATE_ALL' });
      const ours = mismatches.filter((m) => m.kind === 'MISMATCH_KIND_LLADDR_MISMATCH' && m.ip === '2001:db8:1::10');
      return ours.reduce((n, m) => n + Number(m.count), 0);
    };
    expect(await count()).toBe(1);

    // The agent reconnects without having seen the ack and resends the whole batch,
    // then the next one: only the new batch's mismatch counts.
    first.close();
    const again = new TestAgent(c.address, TOKENS.vm);
    cleanups.push(() => again.close());
    again.hello('vm');
    const reply = await again.next((m) => m.body === 'helloReply');
    expect(reply.helloReply!.committedSequence).toBe(20);
    again.send(batch);
    again.send({ observations: { agentTimeUs: now, observations: observations(21, 30, 25, now) } });
    await again.acked(30);
    expect(await count()).toBe(2);
    const { nodes } = await ask<ListNodesResponse__Output>(query, 'ListNodes', {});
    expect(nodes.find((n) => n.name === 'vm')?.observations).toBe(30);
  });
});

describe('replays after a failed transaction', () => {
  const M = 20;

  it('refuses batches queued behind a failed transaction and counts the resend once', async () => {
    tmp = tempDir();
    const file = join(tmp.dir, 'neighwatch.db');
    const store: Store = await openStore({ file, busyTimeoutMs: 50 });
    cleanups.push(() => store.close());
    const collector = new Collector(store, new Correlation(), new Allowlist([]), new CollectorMetrics(), createLogger({ level: 'error', format: 'json' }), {
      limits: DEFAULT_LIMITS,
      rate: { observationsPerSecond: 1e9, burst: 1e9 },
      // A full group starts at once; a smaller one waits long enough for the resend to join.
      commit: { intervalMs: 2000, maxRows: M },
    });
    cleanups.push(() => collector.drain());
    const now = Date.now() * 1000;
    await collector.hello({ node: 'vm', agentVersion: 't', os: 't', bootId: 'b', agentTimeUs: now, spoolDropped: 0, nextSequence: 1 });
    const batch = (first: number, last: number, mismatchAt: number): ObservationBatch__Output =>
      ({ agentTimeUs: now, observations: observations(first, last, mismatchAt, now) }) as unknown as ObservationBatch__Output;

    // Another connection holds the write lock: the next transaction fails (SQLITE_BUSY).
    const locker = new Database(file);
    cleanups.push(() => locker.close());
    locker.exec('BEGIN IMMEDIATE');
    const a = collector.batch('vm', batch(1, M, 0)); // a full group: its transaction starts now
    const b = collector.batch('vm', batch(M + 1, M + 5, M + 3)); // queued behind it, holds a mismatch
    if (a.kind !== 'ack' || b.kind !== 'ack') throw new Error('batches refused');
    const bSettled = b.committed.then(
      (committed) => ({ ok: true as const, committed }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    await expect(a.committed).rejects.toThrow(/database write failed/);
    locker.exec('ROLLBACK');

    // The agent's stream was ended; it reconnects and resends everything unacknowledged.
    await collector.hello({ node: 'vm', agentVersion: 't', os: 't', bootId: 'b', agentTimeUs: now, spoolDropped: 0, nextSequence: 1 });
    const resend = collector.batch('vm', batch(1, M + 5, M + 3));
    if (resend.kind !== 'ack') throw new Error('resend refused');
    // The batch queued behind the failure is refused, not committed past the gap…
    const bOutcome = await bSettled;
    expect(bOutcome.ok).toBe(false);
    // …and the resend stores every observation, its mismatch counted once.
    expect(await resend.committed).toBe(M + 5);
    expect(await store.committedSequence('vm')).toBe(M + 5);
    const nodes = await store.listNodes();
    expect(nodes.find((n) => n.name === 'vm')?.observations).toBe(M + 5);
    const { items } = await store.listMismatches({ state: 'all' });
    expect(items.filter((m) => m.kind === 'LLADDR_MISMATCH').map((m) => m.count)).toEqual([1]);
  });
});
