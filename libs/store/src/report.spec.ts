import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migratedTemplate } from '../test/template.ts';
import { batch, DAY, finding, HOUR, T0 } from '../test/fixtures.ts';
import { openStore, type Store } from './index.ts';

let dir: string;
let store: Store;
const copyMigrated = migratedTemplate();
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nw-store-report-'));
  copyMigrated(join(dir, 'collector.db'));
  store = await openStore({ file: join(dir, 'collector.db') });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `count` occurrences of one mismatch, one per minute from `start`, seen at `node`. */
async function occurrences(subject: string, start: number, count: number, node = 'router', kind: 'LLADDR_MISMATCH' | 'SPLIT_STACK' = 'LLADDR_MISMATCH') {
  const seq = (await store.committedSequence(node)) + 1;
  const obs = batch(node, seq, count, start);
  await store.commitIngest({
    observations: obs,
    findings: obs.map((o, i) => ({
      finding: finding(subject, start + i * 60_000_000, { kind, ref: o.sequence, vantagePoints: [{ node, iface: 'eth0' }] }),
    })),
  });
}

describe('report', () => {
  it('totals, timeline and top recurring over a range, computed from hourly counts', async () => {
    await occurrences('2001:db8::a', T0, 120); // two hours
    await occurrences('2001:db8::b', T0 + DAY, 30, 'host');
    await occurrences('198.51.100.7', T0 + 2 * DAY, 10, 'router', 'SPLIT_STACK');

    const r = await store.report({ sinceUs: T0, untilUs: T0 + 3 * DAY, bucket: 'day', top: 2 });
    expect(r.occurrences).toBe(160);
    expect(r.byKind).toEqual([
      { key: 'LLADDR_MISMATCH', occurrences: 150, mismatches: 2 },
      { key: 'SPLIT_STACK', occurrences: 10, mismatches: 1 },
    ]);
    expect(r.byNode).toEqual([
      { key: 'router', occurrences: 130, mismatches: 2 },
      { key: 'host', occurrences: 30, mismatches: 1 },
    ]);
    expect(r.byIp[0]).toEqual({ key: '2001:db8::a', occurrences: 120, mismatches: 1 });
    expect(r.timeline).toEqual([
      { bucketStartUs: T0, kind: 'LLADDR_MISMATCH', occurrences: 120 },
      { bucketStartUs: T0 + DAY, kind: 'LLADDR_MISMATCH', occurrences: 30 },
      { bucketStartUs: T0 + 2 * DAY, kind: 'SPLIT_STACK', occurrences: 10 },
    ]);
    expect(r.top.map((m) => [m.subject, m.occurrencesInRange])).toEqual([
      ['2001:db8::a', 120],
      ['2001:db8::b', 30],
    ]);
    expect(r.opened.map((m) => m.subject)).toEqual(['2001:db8::a', '2001:db8::b', '198.51.100.7']);

    const hourly = await store.report({ sinceUs: T0 + HOUR, untilUs: T0 + 2 * HOUR, bucket: 'hour' });
    expect(hourly.occurrences).toBe(60);
    expect(hourly.timeline).toEqual([{ bucketStartUs: T0 + HOUR, kind: 'LLADDR_MISMATCH', occurrences: 60 }]);
    expect(hourly.opened).toEqual([]);
  });

  it('a range starting inside an hour counts that whole hour and says so', async () => {
    await occurrences('2001:db8::d', T0 + 50 * 60_000_000, 5); // 00:50–00:54
    const r = await store.report({ sinceUs: T0 + 43 * 60_000_000, untilUs: T0 + 2 * HOUR, bucket: 'hour' });
    expect(r.sinceUs).toBe(T0);
    expect(r.occurrences).toBe(5);
    expect(r.opened.map((m) => m.subject)).toEqual(['2001:db8::d']);
  });

  it('a range that cuts days in half counts whole days and the partial days at its edges', async () => {
    const hourly = Array.from({ length: 72 }, (_, h) => ({ finding: finding('2001:db8::c', T0 + h * HOUR + 60_000_000) }));
    await store.commitIngest({ observations: [], findings: hourly });
    const range = { sinceUs: T0 + 12 * HOUR, untilUs: T0 + 2 * DAY + 6 * HOUR };

    const byDay = await store.report({ ...range, bucket: 'day' });
    expect(byDay.occurrences).toBe(42);
    expect(byDay.timeline.map((p) => [(p.bucketStartUs - T0) / DAY, p.occurrences])).toEqual([
      [0, 12],
      [1, 24],
      [2, 6],
    ]);
    expect(byDay.top[0].occurrencesInRange).toBe(42);

    const byHour = await store.report({ ...range, bucket: 'hour' });
    expect(byHour.occurrences).toBe(42);
    expect(byHour.timeline).toHaveLength(42);
    expect(byHour.timeline[0].bucketStartUs).toBe(T0 + 12 * HOUR);

    const inOneDay = await store.report({ sinceUs: T0 + 30 * HOUR, untilUs: T0 + 40 * HOUR, bucket: 'day' });
    expect(inOneDay.occurrences).toBe(10);
  });

  it('a past range shows what was true then, not what is true now', async () => {
    await occurrences('2001:db8::a', T0, 5);
    const [a] = (await store.listMismatches({})).items;
    await store.acknowledge({ id: a.id, by: 'alice', note: 'bridge', atUs: T0 + 2 * DAY });
    await store.resolveQuiet(T0 + 4 * DAY, DAY);
    await occurrences('2001:db8::b', T0 + 5 * DAY, 3);

    // Week one, looked at after everything happened: a was still open at its end.
    const dayOne = await store.report({ sinceUs: T0, untilUs: T0 + DAY, bucket: 'hour' });
    expect(dayOne.stillOpen.map((m) => [m.subject, m.state])).toEqual([['2001:db8::a', 'open']]);
    expect(dayOne.resolved).toEqual([]);

    const upToDay3 = await store.report({ sinceUs: T0, untilUs: T0 + 3 * DAY, bucket: 'day' });
    expect(upToDay3.stillOpen.map((m) => [m.subject, m.state])).toEqual([['2001:db8::a', 'acknowledged']]);

    const days3to6 = await store.report({ sinceUs: T0 + 3 * DAY, untilUs: T0 + 6 * DAY, bucket: 'day' });
    expect(days3to6.resolved.map((m) => [m.subject, m.state])).toEqual([['2001:db8::a', 'resolved']]);
    expect(days3to6.stillOpen.map((m) => m.subject)).toEqual(['2001:db8::b']);
    expect(days3to6.opened.map((m) => m.subject)).toEqual(['2001:db8::b']);
    expect(days3to6.occurrences).toBe(3);

    // Nothing had happened yet before T0.
    const before = await store.report({ sinceUs: T0 - DAY, untilUs: T0, bucket: 'day' });
    expect(before).toMatchObject({ occurrences: 0, stillOpen: [], opened: [], top: [], byKind: [] });
  });
});
