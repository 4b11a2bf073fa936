/**
 * The spool on a disk that fills up, for real: a 64 KiB tmpfs (needs root). Writes fail
 * with ENOSPC; nothing half-written stays in a segment, queued records wait in bounded
 * memory, and once space is back every record is on disk, in order, readable after a restart.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@neighwatch/config';
import { Spool } from './spool';

let dir: string;
let logLines: string[];
const log = () => createLogger({ stream: { write: (t: string) => logLines.push(t) }, format: 'json', level: 'debug' });
const mount = (size: string, remount = false) =>
  execFileSync('mount', ['-t', 'tmpfs', '-o', `${remount ? 'remount,' : ''}size=${size}`, 'tmpfs', dir]);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nw-spool-full-'));
  logLines = [];
  mount('64k');
});
afterEach(() => {
  execFileSync('umount', ['-l', dir]);
  rmSync(dir, { recursive: true, force: true });
});

const open = (maxBytes: number) => Spool.open({ dir, maxBytes, syncIntervalMs: 0, log: log(), segmentBytes: 16 * 1024 });
const payload = (seq: number) => Buffer.alloc(500, seq & 0xff);

describe('Spool on a full disk', () => {
  it('keeps whole records only, retries what could not be written, and loses nothing once space is back', () => {
    const spool = open(1024 * 1024);
    let failure: NodeJS.ErrnoException | undefined;
    let appended = 0;
    while (!failure && appended < 1000) {
      for (let i = 0; i < 10; i++, appended++) spool.append((seq) => payload(seq));
      try {
        spool.flush();
      } catch (error) {
        failure = error as NodeJS.ErrnoException;
      }
    }
    expect(failure?.code).toBe('ENOSPC');
    expect(spool.pendingCount).toBeGreaterThan(0);

    mount('4m', true);
    spool.flush();
    expect(spool.pendingCount).toBe(0);
    spool.close();

    const reopened = open(1024 * 1024);
    const read = reopened.read(10_000);
    expect(read.map((r) => r.sequence)).toEqual(Array.from({ length: appended }, (_, i) => i + 1));
    expect(read.every((r) => r.payload.equals(payload(r.sequence)))).toBe(true);
    expect(reopened.dropped).toBe(0);
    expect(logLines.join('')).not.toMatch(/torn|truncat/i);
    reopened.close();
  });

  it('drops the oldest queued records beyond its size bound while the disk stays full, and counts them', () => {
    const spool = open(200 * 1024);
    for (let round = 0; round < 100; round++) {
      for (let i = 0; i < 20; i++) spool.append((seq) => payload(seq));
      try {
        spool.flush();
      } catch {
        // ENOSPC: retried next round, as the agent does.
      }
    }
    expect(spool.dropped).toBeGreaterThan(0);
    expect(spool.pendingCount * 516).toBeLessThanOrEqual(200 * 1024 + 20 * 516);
    expect(logLines.join('')).toMatch(/spool cannot be written: dropped the oldest queued observations/);
    const queued = spool.pendingCount;
    const droppedBefore = spool.dropped;
    spool.close(); // still full: what is queued is counted as lost, not thrown
    expect(spool.dropped).toBe(droppedBefore + queued);
  });
});
