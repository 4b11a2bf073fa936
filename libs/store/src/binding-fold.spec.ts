import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { batch, mac, observation, T0 } from '../test/fixtures.ts';
import { runUntilKilled } from '../test/kill-child.ts';
import { openStore, type BindingRow, type Store } from './index.ts';

const writer = fileURLToPath(new URL('../test/binding-crash-writer.ts', import.meta.url));
const sliceWriter = fileURLToPath(new URL('../test/binding-slice-writer.ts', import.meta.url));
let dir: string;
let file: string;
let store: Store | null = null;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nw-store-fold-'));
  file = join(dir, 'collector.db');
});
afterEach(async () => {
  await store?.close();
  store = null;
  rmSync(dir, { recursive: true, force: true });
});

/** What is in the binding table right now, read on a connection of its own (no flush). */
function storedWireBindings(): { ip: string; mac: string; count: number; first: number; last: number }[] {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare("SELECT ip, mac, count, first_seen_us AS first, last_seen_us AS last FROM binding WHERE source = 'wire' ORDER BY ip")
      .all() as { ip: string; mac: string; count: number; first: number; last: number }[];
  } finally {
    db.close();
  }
}

function watermark(node: string): { committed: number; folded: number } {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare('SELECT committed_sequence AS committed, bindings_folded_sequence AS folded FROM node WHERE name = ?')
      .get(node) as { committed: number; folded: number };
  } finally {
    db.close();
  }
}

async function allBindings(s: Store, node: string): Promise<BindingRow[]> {
  const rows: BindingRow[] = [];
  let cursor = '';
  do {
    const page = await s.listBindings({ node }, { limit: 1000, cursor });
    rows.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return rows;
}

describe('binding fold across commits', () => {
  it('keeps wire bindings in memory between flushes and answers queries with every committed sighting', async () => {
    store = await openStore({ file, bindingFlushMs: 3_600_000 });
    const ip = '2001:db8::20';
    for (let u = 0; u < 3; u++) {
      const observations = [1, 2].map((k) => observation('router', u * 2 + k, T0 + u * 10 + k, { srcIp: ip, lladdr: mac(7) }));
      await store.commitIngest({ observations });
    }
    // Six committed sightings, no binding row written yet: the fold is in memory.
    expect(storedWireBindings()).toEqual([]);
    expect(watermark('router')).toEqual({ committed: 6, folded: 0 });

    const listed = await store.listBindings({ ip });
    expect(listed.items).toEqual([
      { ip, mac: mac(7), observer: 'router', iface: 'eth0', source: 'wire', firstSeenUs: T0 + 1, lastSeenUs: T0 + 22, count: 6 },
    ]);
    // The query wrote the fold and moved the watermark in the same transaction.
    expect(storedWireBindings()).toEqual([{ ip, mac: mac(7), count: 6, first: T0 + 1, last: T0 + 22 }]);
    expect(watermark('router')).toEqual({ committed: 6, folded: 6 });

    // Replays add nothing; new sightings add to the same row at the next flush.
    await store.commitIngest({ observations: [observation('router', 6, T0 + 22, { srcIp: ip, lladdr: mac(7) })] });
    await store.commitIngest({ observations: [observation('router', 7, T0 + 5, { srcIp: ip, lladdr: mac(7) })] });
    expect((await store.listBindings({ ip })).items[0]).toMatchObject({ count: 7, firstSeenUs: T0 + 1, lastSeenUs: T0 + 22 });
  });

  it('does not count the bindings of a unit that rolled back', async () => {
    store = await openStore({ file, bindingFlushMs: 3_600_000 });
    const ip = '2001:db8::30';
    const seen = (sequence: number) => observation('router', sequence, T0 + sequence, { srcIp: ip, lladdr: mac(8) });
    await store.commitIngest({ observations: [seen(1), seen(2)] });
    // The third row cannot be bound (not bytes): the unit fails after folding two sightings.
    const broken = { ...seen(5), frame: {} as unknown as Uint8Array };
    await expect(store.commitIngest({ observations: [seen(3), seen(4), broken] })).rejects.toThrow();
    await store.commitIngest({ observations: [seen(3), seen(4)] });
    expect((await store.listBindings({ ip })).items.map((b) => b.count)).toEqual([4]);
    expect(watermark('router')).toEqual({ committed: 4, folded: 4 });
  });

  it('writes the fold on its own every bindingFlushMs', async () => {
    store = await openStore({ file, bindingFlushMs: 20 });
    await store.commitIngest({ observations: batch('router', 1, 300, T0) });
    await vi.waitFor(() => expect(watermark('router').folded).toBe(300), { timeout: 5000, interval: 10 });
    const stored = storedWireBindings();
    expect(stored).toHaveLength(256);
    expect(stored.reduce((sum, b) => sum + b.count, 0)).toBe(300);
  });

  it('writes the fold at close: a clean restart has nothing to re-fold and counts nothing twice', async () => {
    store = await openStore({ file, bindingFlushMs: 3_600_000 });
    await store.commitIngest({ observations: batch('router', 1, 1000, T0) });
    await store.close();
    store = null;
    expect(watermark('router')).toEqual({ committed: 1000, folded: 1000 });
    expect(storedWireBindings().reduce((sum, b) => sum + b.count, 0)).toBe(1000);
    store = await openStore({ file });
    const rows = await allBindings(store, 'router');
    expect(rows.reduce((sum, b) => sum + b.count, 0)).toBe(1000);
  });

  it('re-folds what a SIGKILL left only in memory: every stored sighting counted exactly once', async () => {
    const child = await runUntilKilled(writer, [file, 'fold-node'], (line) => line === 'kill');
    expect(child.signalCode).toBe('SIGKILL');
    // The kill left at least the 10 units after the forced flush unfolded in the table.
    const before = watermark('fold-node');
    expect(before.folded).toBe(20 * 500);
    expect(before.committed).toBeGreaterThanOrEqual(30 * 500);
    expect(storedWireBindings().reduce((sum, b) => sum + b.count, 0)).toBe(20 * 500);

    store = await openStore({ file, bindingFlushMs: 3_600_000 });
    expect(watermark('fold-node').folded).toBe(before.committed);
    // Expected: one sighting per stored observation, per (source IP, SLLAO).
    const db = new Database(file, { readonly: true });
    const expected = db
      .prepare('SELECT src_ip AS ip, lladdr AS mac, COUNT(*) AS count, MIN(time_us) AS first, MAX(time_us) AS last FROM observation GROUP BY src_ip, lladdr ORDER BY src_ip')
      .all() as { ip: string; mac: string; count: number; first: number; last: number }[];
    db.close();
    expect(expected.reduce((sum, b) => sum + b.count, 0)).toBe(before.committed);
    const got = (await allBindings(store, 'fold-node'))
      .map((b) => ({ ip: b.ip, mac: b.mac, count: b.count, first: b.firstSeenUs, last: b.lastSeenUs }))
      .sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
    expect(got).toEqual(expected);

    // Opening again re-folds nothing more.
    await store.close();
    store = await openStore({ file });
    expect((await allBindings(store, 'fold-node')).reduce((sum, b) => sum + b.count, 0)).toBe(before.committed);
  });

  it('flushes a few nodes per transaction, each with its own watermark, and units go in between', async () => {
    store = await openStore({ file, bindingFlushMs: 20 });
    const nodes = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6'];
    // 256 distinct bindings per node: more than one node's worth per slice would exceed the slice bound.
    await store.commitIngest({ observations: nodes.flatMap((node) => batch(node, 1, 300, T0)) });
    const reader = new Database(file, { readonly: true });
    const folded = reader.prepare('SELECT COUNT(*) AS c FROM node WHERE bindings_folded_sequence = committed_sequence');
    const seen = new Set<number>();
    let unitsDuringRound = 0;
    try {
      await vi.waitFor(
        async () => {
          const c = (folded.get() as { c: number }).c;
          seen.add(c);
          // A unit committed while the round is half done: its node keeps its binding for the next round.
          if (c > 0 && c < nodes.length && unitsDuringRound === 0) {
            unitsDuringRound++;
            await store!.commitIngest({ observations: [observation('n1', 301, T0 + 400, { srcIp: '2001:db8::99', lladdr: mac(9) })] });
          }
          expect(c).toBe(nodes.length);
        },
        { timeout: 5000, interval: 0 },
      );
      // Watermarks moved node by node (the reader saw states in between), not all at once.
      expect([...seen].some((c) => c > 0 && c < nodes.length)).toBe(true);
      expect(unitsDuringRound).toBe(1);
      // Every committed sighting ends up counted exactly once.
      await vi.waitFor(() => expect(storedWireBindings().reduce((sum, b) => sum + b.count, 0)).toBe(6 * 300 + 1), { timeout: 5000, interval: 10 });
    } finally {
      reader.close();
    }
    for (const node of nodes) expect(watermark(node).folded).toBe(watermark(node).committed);
  });

  it('a SIGKILL in the middle of a sliced flush loses no sighting and counts none twice', async () => {
    const child = await runUntilKilled(sliceWriter, [file], (line) => line === 'kill');
    expect(child.signalCode).toBe('SIGKILL');
    const db = new Database(file, { readonly: true });
    const marks = db.prepare('SELECT name, committed_sequence AS committed, bindings_folded_sequence AS folded FROM node ORDER BY name').all() as {
      name: string;
      committed: number;
      folded: number;
    }[];
    const expected = db
      .prepare(
        `SELECT n.name AS node, o.src_ip AS ip, o.lladdr AS mac, COUNT(*) AS count, MIN(o.time_us) AS first, MAX(o.time_us) AS last
         FROM observation o JOIN node n ON n.id = o.node_id GROUP BY n.name, o.src_ip, o.lladdr ORDER BY n.name, o.src_ip`,
      )
      .all() as { node: string; ip: string; mac: string; count: number; first: number; last: number }[];
    db.close();
    expect(marks).toHaveLength(6);
    // Slices ran before the kill: some watermarks had moved.
    expect(marks.some((m) => m.folded > 0)).toBe(true);

    store = await openStore({ file, bindingFlushMs: 3_600_000 });
    const got: typeof expected = [];
    for (const m of marks) {
      expect(watermark(m.name).folded).toBe(m.committed);
      for (const b of await allBindings(store, m.name)) {
        got.push({ node: m.name, ip: b.ip, mac: b.mac, count: b.count, first: b.firstSeenUs, last: b.lastSeenUs });
      }
    }
    got.sort((a, b) => (a.node !== b.node ? (a.node < b.node ? -1 : 1) : a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
    expect(got).toEqual(expected);
    expect(got.reduce((sum, b) => sum + b.count, 0)).toBe(marks.reduce((sum, m) => sum + m.committed, 0));
  });

  it('stores the first of two rows with the same sequence inside one unit, and folds its binding once', async () => {
    store = await openStore({ file, bindingFlushMs: 3_600_000 });
    // The repeat of sequence 5 comes 65 rows after the original, with another binding.
    const rows = batch('router', 1, 69, T0);
    rows.push(observation('router', 5, T0 + 999, { srcIp: '2001:db8::77', lladdr: mac(77) }));
    const result = await store.commitIngest({ observations: rows });
    expect(result).toMatchObject({ inserted: 69, duplicates: 1 });
    expect((await store.listBindings({ ip: '2001:db8::77' })).items).toEqual([]);
    expect((await allBindings(store, 'router')).reduce((sum, b) => sum + b.count, 0)).toBe(69);
  });
});
