import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations, createMigration, migrationsDir } from './migrate.ts';

// The contributor workflow of docs/storage.md, on a copy of prisma/: change the schema,
// create the migration offline (Wasm engine, shadow database replaying the history), apply.
let dir: string;
let baseDir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nw-store-migrate-dev-'));
  cpSync(dirname(migrationsDir()), join(dir, 'prisma'), { recursive: true });
  baseDir = join(dir, 'prisma', 'migrations');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('creating a migration offline', () => {
  it('writes the next named migration for a schema change and applies it on top of the history', async () => {
    const file = join(dir, 'dev.db');
    await applyMigrations(file, baseDir);
    expect(await createMigration(file, 'nothing', { baseDir })).toEqual({ directory: null, script: null });

    appendFileSync(
      join(dir, 'prisma', 'schema.prisma'),
      '\nmodel Probe {\n  id    Int    @id @default(autoincrement())\n  label String\n\n  @@map("probe")\n}\n',
    );
    const created = await createMigration(file, 'add_probe', { baseDir });
    expect(created.directory).toMatch(/^\d{14}_add_probe$/);
    const sql = readFileSync(join(baseDir, created.directory!, 'migration.sql'), 'utf8');
    expect(sql).toContain('CREATE TABLE "probe"');
    // Only the change: the history was replayed into the shadow database, not re-created.
    expect(sql).not.toContain('CREATE TABLE "mismatch"');

    expect(await applyMigrations(file, baseDir)).toEqual([created.directory]);
    const db = new Database(file, { readonly: true });
    const names = (db.prepare('SELECT migration_name AS n FROM _prisma_migrations ORDER BY n').all() as { n: string }[]).map((r) => r.n);
    const probe = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'probe'").get();
    db.close();
    const folders = readdirSync(baseDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    expect(names).toEqual(folders);
    expect(probe).toBeDefined();
  });
});
