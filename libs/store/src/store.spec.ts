import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migratedTemplate } from '../test/template.ts';
import { batch, DAY, finding, FRAME, HOUR, mac, observation, T0 } from '../test/fixtures.ts';
import { EVIDENCE_PER_VANTAGE_POINT, openStore, StoreConflictError, StoreError, StoreNotFoundError, type Store } from './index.ts';

let dir: string;
let file: string;
let store: Store;
const copyMigrated = migratedTemplate();
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nw-store-'));
  file = join(dir, 'collector.db');
  copyMigrated(file);
  store = await openStore({ file });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function rawCount(sql: string, ...args: unknown[]): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(sql).get(...args) as { c: number }).c;
  } finally {
    db.close();
  }
}

describe('commitIngest', () => {
  it('stores observations and returns the committed sequence per node', async () => {
    const result = await store.commitIngest({
      observations: [...batch('router', 1, 1000, T0), ...batch('host', 1, 250, T0), ...batch('vm', 41, 10, T0)],
    });
    expect(result.committed).toEqual(new Map([['router', 1000], ['host', 250], ['vm', 50]]));
    expect(result.inserted).toBe(1260);
    expect(rawCount('SELECT COUNT(*) AS c FROM observation')).toBe(1260);
    expect(await store.committedSequence('router')).toBe(1000);
    expect(await store.committedSequence('nobody')).toBe(0);
    const nodes = await store.listNodes();
    expect(nodes.find((n) => n.name === 'host')).toMatchObject({ observations: 250, committedSequence: 250, lastSeenUs: T0 + 249 });
  });

  it('drops a replayed batch: nothing counted twice', async () => {
    const first = batch('router', 1, 100, T0);
    await store.commitIngest({ observations: first, findings: [{ finding: finding('2001:db8::2', T0, { ref: 5 }) }] });
    // The agent did not get the ack and sends the batch again, plus new ones.
    const replay = await store.commitIngest({ observations: [...first, ...batch('router', 101, 20, T0 + 100)] });
    expect(replay.inserted).toBe(20);
    expect(replay.duplicates).toBe(100);
    expect(replay.committed.get('router')).toBe(120);

    expect(rawCount('SELECT COUNT(*) AS c FROM observation')).toBe(120);
    const nodes = await store.listNodes();
    expect(nodes[0].observations).toBe(120);
    const bindings = await store.listBindings({ node: 'router' }, { limit: 10_000 });
    const total = bindings.items.reduce((sum, b) => sum + b.count, 0);
    expect(total).toBe(120);
  });

  it('counts a sequence once when one unit holds overlapping or out-of-order batches of a node', async () => {
    // A reconnecting agent's resend can share a unit with the old stream's last batches.
    const unit = [...batch('router', 11, 10, T0 + 10), ...batch('router', 1, 15, T0), ...batch('host', 1, 5, T0), ...batch('router', 18, 5, T0 + 17)];
    const result = await store.commitIngest({ observations: unit });
    expect(result.inserted).toBe(22 + 5);
    expect(result.duplicates).toBe(5 + 3);
    expect(result.committed).toEqual(new Map([['router', 22], ['host', 5]]));
    expect(rawCount('SELECT COUNT(*) AS c FROM observation WHERE node_id = (SELECT id FROM node WHERE name = ?)', 'router')).toBe(22);
    expect(rawCount('SELECT COUNT(DISTINCT sequence) AS c FROM observation')).toBe(22);
    const bindings = await store.listBindings({ node: 'router' }, { limit: 10_000 });
    expect(bindings.items.reduce((sum, b) => sum + b.count, 0)).toBe(22);
    // Rows are appended in commit order under ids the store assigns.
    expect(rawCount('SELECT MIN(id) AS c FROM observation')).toBe(1);
    expect(rawCount('SELECT MAX(id) AS c FROM observation')).toBe(27);
  });

  it('drops replays of sequences whose rows were already pruned', async () => {
    await store.commitIngest({ observations: batch('router', 1, 10, T0) });
    await store.prune(T0 + 30 * DAY);
    const replay = await store.commitIngest({ observations: batch('router', 1, 10, T0) });
    expect(replay.inserted).toBe(0);
    expect(rawCount('SELECT COUNT(*) AS c FROM observation')).toBe(0);
  });

  it('moves the committed sequence past a rejected range so the agent can be acked', async () => {
    await store.commitIngest({ observations: batch('vm', 1, 10, T0) });
    const r = await store.commitIngest({ observations: [], rejected: [{ node: 'vm', firstSequence: 11, lastSequence: 30 }] });
    expect(r.committed.get('vm')).toBe(30);
    const next = await store.commitIngest({ observations: batch('vm', 31, 5, T0 + 100) });
    expect(next.committed.get('vm')).toBe(35);
    expect(rawCount('SELECT COUNT(*) AS c FROM observation')).toBe(15);
  });

  it('aggregates wire bindings: steady traffic updates counters, not rows', async () => {
    const same = (seq: number, t: number) =>
      observation('router', seq, t, { type: 'ARP_REQUEST', srcIp: '192.0.2.10', targetIp: '192.0.2.1', lladdr: mac(7), ethSrc: mac(7) });
    for (let round = 0; round < 5; round++) {
      await store.commitIngest({ observations: Array.from({ length: 100 }, (_, i) => same(round * 100 + i + 1, T0 + round * HOUR + i)) });
    }
    const page = await store.listBindings({ ip: '192.0.2.10' });
    expect(page.items).toEqual([
      { ip: '192.0.2.10', mac: mac(7), observer: 'router', iface: 'eth0', source: 'wire', firstSeenUs: T0, lastSeenUs: T0 + 4 * HOUR + 99, count: 500 },
    ]);
    expect(rawCount('SELECT COUNT(*) AS c FROM binding')).toBe(1);
  });

  it('keeps at most a few evidence frames per vantage point', async () => {
    const obs = batch('router', 1, 20, T0);
    const findings = obs.map((o) => ({ finding: finding('2001:db8::2', o.observation.timeUs, { ref: o.sequence }) }));
    await store.commitIngest({ observations: obs, findings });
    // Another vantage point, in a later unit.
    const host = batch('host', 1, 6, T0 + 50);
    await store.commitIngest({
      observations: host,
      findings: host.map((o) => ({
        finding: finding('2001:db8::2', o.observation.timeUs, { ref: o.sequence, vantagePoints: [{ node: 'host', iface: 'eth0' }] }),
      })),
    });
    const page = await store.listMismatches({});
    expect(page.items).toHaveLength(1);
    const detail = await store.getMismatch(page.items[0].id);
    expect(detail.mismatch.count).toBe(26);
    expect(detail.mismatch.vantagePoints).toEqual([
      { node: 'router', iface: 'eth0' },
      { node: 'host', iface: 'eth0' },
    ]);
    const perNode = (node: string) => detail.evidence.filter((e) => e.node === node);
    expect(perNode('router')).toHaveLength(EVIDENCE_PER_VANTAGE_POINT);
    expect(perNode('host')).toHaveLength(EVIDENCE_PER_VANTAGE_POINT);
    expect(perNode('router').map((e) => e.sequence)).toEqual([1, 2, 3, 4]);
    expect(Buffer.from(detail.evidence[0].frame)).toEqual(FRAME);
    expect(detail.evidence[0]).toMatchObject({ type: 'NDP_NS', direction: 'received', frameLength: FRAME.length, timeUs: T0 });
  });

  it('merges MACs and counts suppressed occurrences', async () => {
    await store.commitIngest({ observations: batch('router', 1, 2, T0), findings: [{ finding: finding('192.0.2.5', T0, { kind: 'MAC_CHANGED', macs: [mac(1)] }) }] });
    await store.commitIngest({
      observations: [],
      findings: [{ finding: finding('192.0.2.5', T0 + 10, { kind: 'MAC_CHANGED', macs: [mac(3)] }), suppressed: true }],
    });
    const all = await store.listMismatches({ includeSuppressed: true });
    expect(all.items[0]).toMatchObject({ macs: [mac(1), mac(3)], count: 2, suppressed: true, suppressedCount: 1 });
    const visible = await store.listMismatches({});
    expect(visible.items).toEqual([]);
    expect(visible.suppressed).toBe(1);
  });
});

describe('mismatch lifecycle', () => {
  it('open → acknowledged → resolved → reopened, with history and events', async () => {
    const opened = await store.commitIngest({ observations: batch('router', 1, 1, T0), findings: [{ finding: finding('2001:db8::2', T0) }] });
    expect(opened.events.map((e) => e.type)).toEqual(['opened']);
    const id = opened.events[0].mismatch.id;

    const acked = await store.acknowledge({ id, by: 'alice', note: 'known Wi-Fi bridge', atUs: T0 + HOUR });
    expect(acked).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'alice', acknowledgedNote: 'known Wi-Fi bridge', acknowledgedUs: T0 + HOUR });

    expect(await store.resolveQuiet(T0 + 2 * HOUR, 6 * HOUR)).toEqual([]);
    const resolved = await store.resolveQuiet(T0 + 7 * HOUR, 6 * HOUR);
    expect(resolved.map((e) => [e.type, e.mismatch.id, e.mismatch.state])).toEqual([['resolved', id, 'resolved']]);
    expect((await store.listMismatches({})).items).toEqual([]);
    expect((await store.listMismatches({ state: 'resolved' })).items.map((m) => m.id)).toEqual([id]);

    const again = await store.commitIngest({ observations: batch('router', 2, 1, T0 + DAY), findings: [{ finding: finding('2001:db8::2', T0 + DAY, { ref: 2 }) }] });
    expect(again.events.map((e) => [e.type, e.mismatch.state])).toEqual([['reopened', 'open']]);
    expect(again.events[0].mismatch.acknowledgedBy).toBeNull();

    const detail = await store.getMismatch(id);
    expect(detail.history).toEqual([
      { state: 'open', atUs: T0, by: '', note: '' },
      { state: 'acknowledged', atUs: T0 + HOUR, by: 'alice', note: 'known Wi-Fi bridge' },
      { state: 'resolved', atUs: T0 + 7 * HOUR, by: '', note: '' },
      { state: 'open', atUs: T0 + DAY, by: '', note: '' },
    ]);
    expect(detail.mismatch).toMatchObject({ state: 'open', count: 2, firstSeenUs: T0, lastSeenUs: T0 + DAY });

    const events = await store.eventsSince({});
    expect(events.map((e) => e.type)).toEqual(['opened', 'reopened']);
    expect(await store.eventsSince({ afterId: events[0].id })).toHaveLength(1);
    expect((await store.eventsSince({ types: ['acknowledged', 'resolved'] })).map((e) => e.type)).toEqual(['acknowledged', 'resolved']);
  });

  it('a unit with late and new findings reopens at the first new one and counts every hour', async () => {
    await store.commitIngest({ observations: [], findings: [{ finding: finding('2001:db8::2', T0) }] });
    await store.resolveQuiet(T0 + 2 * HOUR, HOUR);
    const unit = [T0 + HOUR, T0 + 3 * HOUR, T0 + 3 * HOUR + 5, T0 + 5 * HOUR].map((t) => ({ finding: finding('2001:db8::2', t) }));
    const r = await store.commitIngest({ observations: [], findings: unit });
    expect(r.events.map((e) => [e.type, e.atUs])).toEqual([['reopened', T0 + 3 * HOUR]]);
    const [m] = (await store.listMismatches({})).items;
    expect(m).toMatchObject({ count: 5, firstSeenUs: T0, lastSeenUs: T0 + 5 * HOUR, state: 'open' });
    const report = await store.report({ sinceUs: T0, untilUs: T0 + DAY, bucket: 'hour' });
    expect(report.timeline.map((p) => [(p.bucketStartUs - T0) / HOUR, p.occurrences])).toEqual([
      [0, 1],
      [1, 1],
      [3, 2],
      [5, 1],
    ]);
  });

  it('concurrent writers from both engines neither fail nor lose a write', async () => {
    const first = await store.commitIngest({ observations: [], findings: [{ finding: finding('2001:db8::2', T0) }] });
    const id = first.events[0].mismatch.id;
    // Prisma transactions (acknowledge, resolveQuiet) issued while prepared-statement units
    // are in flight on the other connection: every write lands, none fails on a lock.
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) {
      work.push(store.commitIngest({ observations: batch('router', i * 100 + 1, 100, T0 + i * 1000), findings: [{ finding: finding('2001:db8::3', T0 + i * 1000, { ref: i * 100 + 1 }) }] }));
      work.push(store.acknowledge({ id, by: `user${i}`, note: '', atUs: T0 + i }));
      work.push(store.resolveQuiet(T0 + i, DAY));
    }
    await Promise.all(work);
    expect(await store.committedSequence('router')).toBe(2000);
    expect(rawCount('SELECT COUNT(*) AS c FROM observation')).toBe(2000);
    const detail = await store.getMismatch(id);
    expect(detail.history.filter((h) => h.state === 'acknowledged')).toHaveLength(20);
    expect((await store.listMismatches({ ip: '2001:db8::3' })).items[0].count).toBe(20);
  });

  it('acknowledging an unknown mismatch is a not-found error', async () => {
    await expect(store.acknowledge({ id: 4242, by: 'bob', note: '', atUs: T0 })).rejects.toBeInstanceOf(StoreNotFoundError);
    await expect(store.getMismatch(4242)).rejects.toBeInstanceOf(StoreNotFoundError);
  });
});

describe('queries', () => {
  async function seedMismatches(count: number) {
    const obs = batch('router', 1, count, T0);
    await store.commitIngest({
      observations: obs,
      findings: obs.map((o, i) => ({
        finding: finding(`2001:db8::${(i + 1).toString(16)}`, T0 + i * 1000, {
          ref: o.sequence,
          kind: i % 2 ? 'LLADDR_MISMATCH' : 'EUI64_MISMATCH',
          macs: [mac(1), mac(100 + i)],
          vantagePoints: [{ node: i % 3 ? 'router' : 'host', iface: 'eth0' }],
        }),
      })),
    });
  }

  it('pages mismatches newest first without gaps or repeats', async () => {
    await seedMismatches(25);
    const seen: number[] = [];
    let cursor = '';
    let pages = 0;
    do {
      const page = await store.listMismatches({ state: 'all' }, { limit: 10, cursor });
      seen.push(...page.items.map((m) => m.lastSeenUs));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(25);
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
    expect(new Set(seen).size).toBe(25);
  });

  it('filters mismatches by kind, node, ip, mac and time', async () => {
    await seedMismatches(12);
    expect((await store.listMismatches({ kinds: ['EUI64_MISMATCH'] })).items).toHaveLength(6);
    expect((await store.listMismatches({ node: 'host' })).items).toHaveLength(4);
    expect((await store.listMismatches({ ip: '2001:db8::3' })).items.map((m) => m.subject)).toEqual(['2001:db8::3']);
    expect((await store.listMismatches({ mac: mac(104).toUpperCase() })).items.map((m) => m.subject)).toEqual(['2001:db8::5']);
    expect((await store.listMismatches({ sinceUs: T0 + 10_000 })).items).toHaveLength(2);
    expect((await store.listMismatches({ untilUs: T0 + 2000 })).items).toHaveLength(2);
  });

  it('rejects a cursor it did not issue', async () => {
    await expect(store.listMismatches({}, { cursor: 'garbage' })).rejects.toBeInstanceOf(StoreError);
  });

  it('pages and filters bindings', async () => {
    const obs = Array.from({ length: 30 }, (_, i) =>
      observation(i % 2 ? 'router' : 'host', i + 1, T0 + i * 1000, { type: 'ARP_REPLY', srcIp: `192.0.2.${i + 1}`, lladdr: mac(i), ethSrc: mac(i) }),
    );
    await store.commitIngest({ observations: obs });
    const all: string[] = [];
    let cursor = '';
    do {
      const page = await store.listBindings({}, { limit: 7, cursor });
      all.push(...page.items.map((b) => b.ip));
      cursor = page.nextCursor;
    } while (cursor);
    expect(new Set(all).size).toBe(30);
    expect((await store.listBindings({ node: 'router' })).items).toHaveLength(15);
    expect((await store.listBindings({ mac: mac(3) })).items.map((b) => b.ip)).toEqual(['192.0.2.4']);
    expect((await store.listBindings({ sinceUs: T0 + 25_000 })).items).toHaveLength(5);
  });
});

describe('node state', () => {
  it('records Hello, inventory and neighbor caches', async () => {
    const committed = await store.upsertHello({ node: 'host', agentVersion: '0.1.0', os: 'Linux 6.18', bootId: 'b1', clockOffsetUs: -250, spoolDropped: 3, seenUs: T0 });
    expect(committed).toBe(0);
    await store.replaceInventory({
      node: 'host',
      timeUs: T0 + 1,
      interfaces: [
        { name: 'br0', mac: mac(1), kind: 'bridge', bridgeMaster: '', up: true, addresses: ['192.0.2.10/24', '2001:db8::10/64'] },
        { name: 'wlan0', mac: mac(1), kind: 'wireless', bridgeMaster: 'br0', up: true, addresses: [] },
      ],
    });
    // Inventory is replaced as a set.
    await store.replaceInventory({
      node: 'host',
      timeUs: T0 + 2,
      interfaces: [{ name: 'br0', mac: mac(1), kind: 'bridge', bridgeMaster: '', up: true, addresses: ['192.0.2.10/24'] }],
      spoolDropped: 5,
    });
    const [host] = await store.listNodes();
    expect(host).toMatchObject({ name: 'host', agentVersion: '0.1.0', os: 'Linux 6.18', bootId: 'b1', clockOffsetUs: -250, spoolDropped: 5 });
    expect(host.interfaces).toEqual([{ name: 'br0', mac: mac(1), kind: 'bridge', bridgeMaster: '', up: true, addresses: ['192.0.2.10/24'] }]);
    expect((await store.listBindings({ ip: '192.0.2.10' })).items[0]).toMatchObject({ source: 'inventory', observer: 'host', iface: 'br0', count: 2 });

    await store.applyNeighborSnapshot({
      node: 'router',
      timeUs: T0 + 10,
      full: true,
      entries: [
        { iface: 'eth0', ip: '192.0.2.10', mac: mac(1), state: 'reachable', router: false },
        { iface: 'eth0', ip: '2001:db8::10', mac: mac(2), state: 'stale', router: false },
      ],
    });
    await store.applyNeighborSnapshot({
      node: 'router',
      timeUs: T0 + 20,
      full: false,
      entries: [{ iface: 'eth0', ip: '2001:db8::10', mac: null, state: 'failed', router: false, removed: true }],
    });
    expect((await store.neighborCache('router')).map((e) => [e.ip, e.mac, e.state])).toEqual([['192.0.2.10', mac(1), 'reachable']]);
    await store.applyNeighborSnapshot({ node: 'router', timeUs: T0 + 30, full: true, entries: [{ iface: 'eth0', ip: '192.0.2.1', mac: mac(9), state: 'permanent', router: true }] });
    expect((await store.neighborCache()).map((e) => e.ip)).toEqual(['192.0.2.1']);
    expect((await store.listBindings({ node: 'router', ip: '2001:db8::10' })).items[0]).toMatchObject({ source: 'neighbor_cache', mac: mac(2) });
  });

  it('answers a reconnecting agent’s Hello with what is already committed, across a restart', async () => {
    await store.commitIngest({ observations: batch('vm', 1, 300, T0) });
    await store.close();
    store = await openStore({ file });
    const committed = await store.upsertHello({ node: 'vm', agentVersion: '0.1.1', os: 'Linux', bootId: 'b2', clockOffsetUs: 0, spoolDropped: 0, seenUs: T0 + DAY });
    expect(committed).toBe(300);
    const [vm] = await store.listNodes();
    expect(vm).toMatchObject({ name: 'vm', agentVersion: '0.1.1', bootId: 'b2', lastSeenUs: T0 + DAY, observations: 300 });
  });

  it('maps a unique-key violation to a conflict', async () => {
    await store.createNode('router', T0);
    const error = await store.createNode('router', T0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreConflictError);
    expect((error as StoreConflictError).fields.join(',')).toContain('name');
  });
});

describe('retention', () => {
  it('after a prune emptied the table, a crash still re-folds every new sighting', async () => {
    await store.commitIngest({ observations: batch('router', 1, 50, T0) });
    // listBindings writes the fold: the watermark now covers those 50 rows.
    expect((await store.listBindings({ node: 'router' }, { limit: 10_000 })).items.reduce((n, b) => n + b.count, 0)).toBe(50);
    expect((await store.prune(T0 + 30 * DAY, 7 * DAY)).observationsDeleted).toBe(50);
    await store.close();
    store = await openStore({ file, bindingFlushMs: 3_600_000 });
    await store.commitIngest({ observations: batch('router', 51, 10, T0 + 29 * DAY) });
    // A crash now: the 10 new sightings are committed but only folded in memory. The
    // files as they are (WAL included) are what a restart finds.
    const crashed = join(dir, 'crashed.db');
    copyFileSync(file, crashed);
    copyFileSync(`${file}-wal`, `${crashed}-wal`);
    const after = await openStore({ file: crashed });
    try {
      const bindings = await after.listBindings({ node: 'router' }, { limit: 10_000 });
      expect(bindings.items.reduce((n, b) => n + b.count, 0)).toBe(60);
    } finally {
      await after.close();
    }
  });

  it('prune deletes old raw observations and keeps mismatches with their evidence', async () => {
    const old = batch('router', 1, 50, T0);
    await store.commitIngest({ observations: old, findings: [{ finding: finding('2001:db8::2', T0, { ref: 1 }) }] });
    await store.commitIngest({ observations: batch('router', 51, 50, T0 + 8 * DAY) });
    const { observationsDeleted } = await store.prune(T0 + 9 * DAY, 7 * DAY);
    expect(observationsDeleted).toBe(50);
    expect(rawCount('SELECT COUNT(*) AS c FROM observation')).toBe(50);
    const [m] = (await store.listMismatches({})).items;
    const detail = await store.getMismatch(m.id);
    expect(detail.evidence).toHaveLength(1);
    expect(Buffer.from(detail.evidence[0].frame)).toEqual(FRAME);
    const recent = await store.recentObservations(T0 + DAY);
    expect(recent).toHaveLength(50);
    expect(recent[0]).toMatchObject({ node: 'router', ref: 51, checksumOk: true, vlan: null, type: 'NDP_NS' });
    expect(recent[0]).not.toHaveProperty('nodeId');
  });

  it('pages through stored observations in capture order', async () => {
    // Two nodes with interleaved and equal capture times: the keyset must not skip or repeat.
    await store.commitIngest({ observations: [...batch('router', 1, 25, T0), ...batch('host', 1, 25, T0 + 10)] });
    const pages: number[] = [];
    const seen: string[] = [];
    for await (const page of store.observationsSince(T0 + 5, 7)) {
      pages.push(page.length);
      seen.push(...page.map((o) => `${o.timeUs - T0}:${o.node}:${o.ref}`));
    }
    expect(pages).toEqual([7, 7, 7, 7, 7, 7, 3]);
    expect(new Set(seen).size).toBe(45);
    expect(seen).toEqual((await store.recentObservations(T0 + 5)).map((o) => `${o.timeUs - T0}:${o.node}:${o.ref}`));
  });
});
