import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from './index.ts';
import { batch } from '../test/fixtures.ts';
import { applyMigrations, migrationsDir } from './migrate.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nw-store-migrate-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const migrationFolders = () =>
  readdirSync(migrationsDir(), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();

/**
 * A database migrated up to (not including) the migration whose folder starts with
 * `before`: the history until then, beside the schema file, applied to a fresh file.
 */
async function databaseBefore(before: string): Promise<string> {
  const old = join(dir, 'old', 'prisma', 'migrations');
  mkdirSync(old, { recursive: true });
  cpSync(join(dirname(migrationsDir()), 'schema.prisma'), join(dir, 'old', 'prisma', 'schema.prisma'));
  cpSync(join(migrationsDir(), 'migration_lock.toml'), join(old, 'migration_lock.toml'));
  for (const f of migrationFolders().filter((name) => name < before)) cpSync(join(migrationsDir(), f), join(old, f), { recursive: true });
  const file = join(dir, 'upgrade.db');
  await applyMigrations(file, old);
  return file;
}

describe('migrations', () => {
  it('upgrades a database from before the binding fold without re-counting its bindings', async () => {
    const file = await databaseBefore('20261126141736'); // binding_fold_watermark
    const before = new Database(file);
    before.prepare("INSERT INTO node (name, committed_sequence) VALUES ('router', 2)").run();
    const insert = before.prepare(
      `INSERT INTO observation (node_id, sequence, time_us, iface, direction, type, eth_src, eth_dst, src_ip, target_ip, lladdr, na_flags, fingerprint, frame, frame_length)
       VALUES (1, ?, ?, 'eth0', 'received', 'NDP_NS', '02:00:00:00:00:01', '33:33:ff:00:00:01', '2001:db8::5', '2001:db8::1', '02:00:00:00:00:02', 0, '00', x'00', 1)`,
    );
    insert.run(1, 10);
    insert.run(2, 20);
    // Written with the observations, as every build before the fold did.
    before
      .prepare("INSERT INTO binding (ip, mac, observer_id, iface, source, first_seen_us, last_seen_us, count) VALUES ('2001:db8::5', '02:00:00:00:00:02', 1, 'eth0', 'wire', 10, 20, 2)")
      .run();
    before.close();

    const store = await openStore({ file });
    try {
      expect((await store.listBindings({ ip: '2001:db8::5' })).items.map((b) => b.count)).toEqual([2]);
    } finally {
      await store.close();
    }
    const after = new Database(file, { readonly: true });
    expect(after.prepare('SELECT bindings_folded_sequence AS folded FROM node').get()).toEqual({ folded: 2 });
    after.close();
  });

  it('upgrades observations to store-assigned ids, re-folding exactly what was not folded yet', async () => {
    // Observations keyed by (node, sequence).
    const file = await databaseBefore('20261126175307'); // observation_row_id
    const before = new Database(file);
    // router: sequences 1–3 folded into `binding`, 4–5 only in memory when it stopped;
    // host: 1 folded, 2 not. Rows written interleaved, as units of both nodes are.
    before.prepare("INSERT INTO node (name, committed_sequence, bindings_folded_sequence) VALUES ('router', 5, 3), ('host', 2, 1)").run();
    const insert = before.prepare(
      `INSERT INTO observation (node_id, sequence, time_us, iface, direction, type, eth_src, eth_dst, src_ip, target_ip, lladdr, na_flags, fingerprint, frame, frame_length)
       VALUES (?, ?, ?, 'eth0', 'received', 'NDP_NS', '02:00:00:00:00:01', '33:33:ff:00:00:01', ?, '2001:db8::1', '02:00:00:00:00:02', 0, '00', x'00', 1)`,
    );
    for (const [node, sequence] of [[1, 1], [2, 1], [1, 2], [1, 3], [2, 2], [1, 4], [1, 5]]) insert.run(node, sequence, 10 * sequence, node === 1 ? '2001:db8::5' : '2001:db8::6');
    const binding = before.prepare(
      "INSERT INTO binding (ip, mac, observer_id, iface, source, first_seen_us, last_seen_us, count) VALUES (?, '02:00:00:00:00:02', ?, 'eth0', 'wire', 10, ?, ?)",
    );
    binding.run('2001:db8::5', 1, 30, 3);
    binding.run('2001:db8::6', 2, 10, 1);
    before.close();

    const store = await openStore({ file });
    try {
      const count = async (ip: string) => (await store.listBindings({ ip })).items.map((b) => b.count);
      expect(await count('2001:db8::5')).toEqual([5]);
      expect(await count('2001:db8::6')).toEqual([2]);
      // New rows go after the migrated ones; a replay is still dropped.
      const more = await store.commitIngest({ observations: [...batch('router', 5, 3, 100)] });
      expect(more.inserted).toBe(2);
      expect(more.duplicates).toBe(1);
    } finally {
      await store.close();
    }
    const after = new Database(file, { readonly: true });
    const rows = after.prepare('SELECT id, node_id AS node, sequence FROM observation ORDER BY id').all();
    expect(rows).toEqual([
      { id: 1, node: 1, sequence: 1 },
      { id: 2, node: 1, sequence: 2 },
      { id: 3, node: 1, sequence: 3 },
      { id: 4, node: 1, sequence: 4 },
      { id: 5, node: 1, sequence: 5 },
      { id: 6, node: 2, sequence: 1 },
      { id: 7, node: 2, sequence: 2 },
      { id: 8, node: 1, sequence: 6 },
      { id: 9, node: 1, sequence: 7 },
    ]);
    after.close();
  });

  it('lives in Prisma’s standard layout, every migration named', () => {
    const folders = migrationFolders();
    expect(folders.length).toBeGreaterThan(0);
    for (const f of folders) {
      expect(f).toMatch(/^\d{14}_[a-z0-9_]+$/);
      expect(readFileSync(join(migrationsDir(), f, 'migration.sql'), 'utf8')).toContain('CREATE');
    }
    expect(readFileSync(join(migrationsDir(), 'migration_lock.toml'), 'utf8')).toContain('provider = "sqlite"');
  });

  it('applies to a missing file in a missing directory and records _prisma_migrations with checksums', async () => {
    const file = join(dir, 'nested', 'collector.db');
    const store = await openStore({ file });
    await store.close();

    const db = new Database(file, { readonly: true });
    const rows = db
      .prepare('SELECT migration_name, checksum, finished_at, applied_steps_count, rolled_back_at FROM _prisma_migrations ORDER BY migration_name')
      .all() as { migration_name: string; checksum: string; finished_at: unknown; applied_steps_count: number; rolled_back_at: unknown }[];
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
    db.close();

    expect(rows.map((r) => r.migration_name)).toEqual(migrationFolders());
    for (const r of rows) {
      // The checksum `prisma migrate deploy` compares: SHA-256 of migration.sql.
      const sql = readFileSync(join(migrationsDir(), r.migration_name, 'migration.sql'));
      expect(r.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
      expect(r.finished_at).not.toBeNull();
      expect(r.rolled_back_at).toBeNull();
      expect(r.applied_steps_count).toBe(1);
    }
    expect(tables).toEqual(expect.arrayContaining(['node', 'observation', 'binding', 'mismatch', 'mismatch_evidence', 'mismatch_occurrence', 'mismatch_state_change']));
  });

  it('is idempotent on restart: nothing re-applied, data kept', async () => {
    const file = join(dir, 'collector.db');
    const first = await openStore({ file });
    await first.createNode('router', 1);
    await first.close();

    expect(await applyMigrations(file)).toEqual([]);
    const second = await openStore({ file });
    expect((await second.listNodes()).map((n) => n.name)).toEqual(['router']);
    await second.close();

    const db = new Database(file, { readonly: true });
    const count = (db.prepare('SELECT COUNT(*) AS c FROM _prisma_migrations').get() as { c: number }).c;
    db.close();
    expect(count).toBe(migrationFolders().length);
  });

  it('opens the database in WAL mode', async () => {
    const file = join(dir, 'wal.db');
    const store = await openStore({ file });
    const db = new Database(file, { readonly: true });
    const mode = db.pragma('journal_mode', { simple: true });
    db.close();
    await store.close();
    expect(mode).toBe('wal');
  });
});
