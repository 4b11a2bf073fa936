import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from './index.ts';
import { runUntilKilled } from '../test/kill-child.ts';

const writer = fileURLToPath(new URL('../test/crash-writer.ts', import.meta.url));
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nw-store-crash-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('crash safety', () => {
  it('every sequence reported committed survives a SIGKILL mid-run', async () => {
    const file = join(dir, 'collector.db');
    let lastAcked = 0;
    let commits = 0;
    // Kill while it is busy writing the next unit.
    const child = await runUntilKilled(writer, [file, 'crash-node'], (line) => {
      if (line === 'ready') return false;
      lastAcked = Number(line);
      return ++commits === 40;
    });
    expect(child.signalCode).toBe('SIGKILL');
    expect(lastAcked).toBe(40 * 500);

    const store = await openStore({ file });
    try {
      expect(await store.committedSequence('crash-node')).toBeGreaterThanOrEqual(lastAcked);
    } finally {
      await store.close();
    }
    const db = new Database(file, { readonly: true });
    const row = db
      .prepare('SELECT COUNT(*) AS c, MIN(o.sequence) AS lo, MAX(o.sequence) AS hi FROM observation o JOIN node n ON n.id = o.node_id WHERE n.name = ? AND o.sequence <= ?')
      .get('crash-node', lastAcked) as { c: number; lo: number; hi: number };
    db.close();
    expect(row).toEqual({ c: lastAcked, lo: 1, hi: lastAcked });
  });
});
