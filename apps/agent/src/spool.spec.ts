import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@neighwatch/config';
import { RECORD_HEADER_BYTES, Spool } from './spool';

let dir: string;
let logLines: string[];
const log = () => createLogger({ stream: { write: (t: string) => logLines.push(t) }, format: 'json', level: 'debug' });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nw-spool-'));
  logLines = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const open = (extra: Partial<Parameters<typeof Spool.open>[0]> = {}) =>
  Spool.open({ dir, maxBytes: 1024 * 1024, syncIntervalMs: 0, log: log(), segmentBytes: 4096, ...extra });

const payload = (seq: number, size = 100) => Buffer.alloc(size, seq & 0xff);

function fill(spool: Spool, count: number, size = 100): number[] {
  const seqs: number[] = [];
  for (let i = 0; i < count; i++) seqs.push(spool.append((seq) => payload(seq, size)));
  spool.flush();
  return seqs;
}

const segments = () => readdirSync(dir).filter((n) => n.endsWith('.seg')).sort();

describe('Spool', () => {
  it('assigns increasing sequences and reads back what was flushed, in order', () => {
    const spool = open();
    expect(fill(spool, 3)).toEqual([1, 2, 3]);
    spool.append((seq) => payload(seq));
    expect(spool.pendingCount).toBe(1);
    const read = spool.read(10);
    expect(read.map((r) => r.sequence)).toEqual([1, 2, 3]);
    expect(read[1].payload).toEqual(payload(2));
    spool.flush();
    expect(spool.read(10).map((r) => r.sequence)).toEqual([4]);
    expect(spool.read(10)).toEqual([]);
    spool.close();
  });

  it('spreads records over segments and reads across them with a count limit', () => {
    const spool = open();
    fill(spool, 100);
    expect(segments().length).toBeGreaterThan(2);
    const first = spool.read(30);
    const rest = spool.read(1000);
    expect([...first, ...rest].map((r) => r.sequence)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    spool.close();
  });

  it('keeps sequences and unacknowledged records across a restart, never reusing a sequence', () => {
    const spool = open();
    fill(spool, 10);
    spool.acknowledge(4);
    spool.close();

    const again = open();
    expect(again.committed).toBe(4);
    expect(again.nextSequence).toBe(11);
    expect(again.read(100).map((r) => r.sequence)).toEqual([5, 6, 7, 8, 9, 10]);
    expect(fill(again, 1)).toEqual([11]);
    again.close();
  });

  it('survives a kill without close: flushed records are on disk', () => {
    const spool = open({ syncIntervalMs: 1000 });
    fill(spool, 5);
    // no close(): as after SIGKILL
    const again = open();
    expect(again.read(100).map((r) => r.sequence)).toEqual([1, 2, 3, 4, 5]);
    again.close();
    spool.close();
  });

  it('continues sequences after every segment was acknowledged and deleted', () => {
    const spool = open();
    fill(spool, 50);
    spool.acknowledge(50);
    expect(segments()).toEqual([]);
    spool.close();
    const again = open();
    expect(fill(again, 1)).toEqual([51]);
    again.close();
  });

  it('never reuses a sequence after acknowledged segments were deleted and the process died', () => {
    const spool = open();
    fill(spool, 100);
    spool.acknowledge(100);
    expect(segments()).toEqual([]);
    // no close(): a crash right after the acknowledgement
    const again = open();
    expect(fill(again, 1)).toEqual([101]);
    again.close();
    spool.close();
  });

  it('deletes acknowledged segments but keeps the rest readable after a rewind', () => {
    const spool = open();
    fill(spool, 100);
    const before = segments().length;
    expect(spool.acknowledge(60)).toBe(60);
    expect(segments().length).toBeLessThan(before);
    spool.rewind(0);
    expect(spool.read(1000).map((r) => r.sequence)).toEqual(Array.from({ length: 40 }, (_, i) => i + 61));
    spool.rewind(90);
    expect(spool.read(1000).map((r) => r.sequence)).toEqual(Array.from({ length: 11 }, (_, i) => i + 90));
    expect(spool.unacknowledged()).toBe(40);
    spool.close();
  });

  it('truncates a torn last record on start and carries on', () => {
    const spool = open();
    fill(spool, 3);
    spool.close();
    const last = join(dir, segments().at(-1)!);
    const goodSize = statSync(last).size;
    // A crash in the middle of a write: a header and half a payload.
    const header = Buffer.alloc(RECORD_HEADER_BYTES);
    header.writeUInt32LE(100, 0);
    header.writeUInt32LE(4, 8);
    appendFileSync(last, Buffer.concat([header, Buffer.alloc(40)]));

    const again = open();
    expect(statSync(last).size).toBe(goodSize);
    expect(logLines.some((l) => l.includes('truncating a damaged segment'))).toBe(true);
    expect(again.read(100).map((r) => r.sequence)).toEqual([1, 2, 3]);
    expect(fill(again, 1)).toEqual([4]);
    again.close();
  });

  it('detects a flipped byte by checksum and truncates from that record', () => {
    const spool = open();
    fill(spool, 3);
    spool.close();
    const file = join(dir, segments()[0]);
    const bytes = readFileSync(file);
    const second = RECORD_HEADER_BYTES + 100 + RECORD_HEADER_BYTES + 10;
    bytes[second] ^= 0xff;
    writeFileSync(file, bytes);
    const again = open();
    expect(again.read(100).map((r) => r.sequence)).toEqual([1]);
    expect(logLines.some((l) => l.includes('checksum mismatch'))).toBe(true);
    // Sequences 2 and 3 were on disk once: they are not reused.
    expect(fill(again, 1)).toEqual([4]);
    again.close();
  });

  it('drops the oldest segments when full, counts them and persists the count', () => {
    const spool = open({ maxBytes: 16 * 1024 });
    fill(spool, 400); // ~46 KiB of records
    expect(spool.totalBytes()).toBeLessThanOrEqual(16 * 1024);
    expect(spool.dropped).toBeGreaterThan(200);
    const remaining = spool.read(1000).map((r) => r.sequence);
    expect(remaining.at(-1)).toBe(400);
    expect(remaining[0]).toBe(spool.dropped + 1);
    expect(remaining.length + spool.dropped).toBe(400);
    expect(logLines.some((l) => l.includes('spool full'))).toBe(true);
    const dropped = spool.dropped;
    spool.close();
    expect(open().dropped).toBe(dropped);
  });

  it('does not count acknowledged records as dropped', () => {
    const spool = open({ maxBytes: 16 * 1024 });
    fill(spool, 100);
    spool.acknowledge(100);
    fill(spool, 100);
    expect(spool.dropped).toBe(0);
    spool.close();
  });

  it('moves the read position forward when the segment under it is dropped', () => {
    const spool = open({ maxBytes: 16 * 1024 });
    fill(spool, 10);
    expect(spool.read(5).map((r) => r.sequence)).toEqual([1, 2, 3, 4, 5]);
    fill(spool, 400);
    const next = spool.read(1)[0].sequence;
    expect(next).toBe(spool.dropped + 1);
    spool.close();
  });

  it('continues above sequences a collector already holds from a wiped spool', () => {
    const spool = open();
    fill(spool, 2);
    expect(spool.skipAbove(1)).toBe(false);
    expect(spool.skipAbove(500)).toBe(true);
    expect(fill(spool, 1)).toEqual([501]);
    spool.close();
    expect(open().nextSequence).toBe(502);
  });

  it('ignores an acknowledgement beyond what it assigned', () => {
    const spool = open();
    fill(spool, 3);
    spool.acknowledge(1000);
    expect(spool.committed).toBe(3);
    expect(fill(spool, 1)).toEqual([4]);
    spool.close();
  });

  it('starts from a damaged state file using the segments', () => {
    const spool = open();
    fill(spool, 5);
    spool.close();
    writeFileSync(join(dir, 'state.json'), '{not json');
    const again = open();
    expect(again.nextSequence).toBe(6);
    again.close();
  });

  it('survives a segment cut to zero length', () => {
    const spool = open();
    fill(spool, 5);
    spool.close();
    truncateSync(join(dir, segments()[0]), 0);
    const again = open();
    expect(again.read(10)).toEqual([]);
    expect(fill(again, 1)[0]).toBeGreaterThanOrEqual(6);
    again.close();
  });
});
