#!/usr/bin/env -S npx tsx
// Offline stand-in for `prisma migrate dev --create-only` and `prisma migrate deploy`
// (the native schema engine cannot be downloaded here). See docs/storage.md.
//
//   npx tsx tools/prisma/migrate.ts dev --name <name> [--db <file>] [--create-only]
//                                                                     create the next migration and apply it
//                                                                     (--create-only: leave it for editing)
//   npx tsx tools/prisma/migrate.ts deploy [--db <file>]              apply pending migrations
//   npx tsx tools/prisma/migrate.ts status [--db <file>]              list migrations, applied or not
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { applyMigrations, createMigration, listMigrations } from '../../libs/store/src/migrate.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const baseDir = join(root, 'prisma', 'migrations');

function usage(): never {
  process.stderr.write('usage: migrate.ts dev --name <name> [--db <file>] [--create-only] | deploy [--db <file>] | status [--db <file>]\n');
  process.exit(2);
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (!value || value.startsWith('--')) usage();
  return value;
}

/** The database: --db, else DATABASE_URL (file:…), else a scratch file. */
function databaseFile(args: string[]): { file: string; scratch: boolean } {
  const db = option(args, '--db') ?? process.env.DATABASE_URL?.replace(/^file:/, '');
  if (db) return { file: resolve(db), scratch: false };
  return { file: join(mkdtempSync(join(tmpdir(), 'neighwatch-migrate-')), 'dev.db'), scratch: true };
}

const [command, ...args] = process.argv.slice(2);
if (command !== 'dev' && command !== 'deploy' && command !== 'status') usage();
const name = command === 'dev' ? option(args, '--name') : undefined;
if (command === 'dev' && (!name || !/^[a-z0-9_]+$/.test(name))) {
  process.stderr.write('migrate dev: --name <snake_case_name> is required (every migration has a name)\n');
  process.exit(2);
}
const { file, scratch } = databaseFile(args);
process.exitCode = await run().then(
  () => 0,
  (error: unknown) => {
    // Engine errors carry the schema excerpt and the reason; the Wasm stack adds nothing.
    const e = error as { code?: string; message?: string };
    process.stderr.write(`migrate ${command}: ${e.code ? `${e.code} ` : ''}${e.message ?? String(error)}\n`);
    return 1;
  },
);

async function run(): Promise<void> {
  try {
    if (command === 'dev' && name) {
      // Bring the database up to date first, so the diff is only what the schema adds.
      await applyMigrations(file, baseDir);
      const created = await createMigration(file, name, { baseDir });
      if (created.directory === null) {
        process.stdout.write('schema and migrations agree: no migration created\n');
      } else if (args.includes('--create-only')) {
        process.stdout.write(`created prisma/migrations/${created.directory}/migration.sql (not applied: edit it, then run deploy)\n`);
      } else {
        process.stdout.write(`created prisma/migrations/${created.directory}/migration.sql\n`);
        const applied = await applyMigrations(file, baseDir);
        process.stdout.write(`applied to ${file}: ${applied.join(', ')}\n`);
      }
    } else if (command === 'deploy') {
      const applied = await applyMigrations(file, baseDir);
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'no pending migrations\n');
    } else if (command === 'status') {
      const all = listMigrations(baseDir).migrationDirectories.map((d) => d.path);
      const done = new Set<string>();
      if (existsSync(file)) {
        const db = new Database(file, { readonly: true });
        const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'").get();
        const rows = hasTable
          ? (db.prepare('SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL').all() as { migration_name: string }[])
          : [];
        for (const r of rows) done.add(r.migration_name);
        db.close();
      } else {
        process.stdout.write(`${file} does not exist yet\n`);
      }
      for (const name of all) process.stdout.write(`${done.has(name) ? 'applied' : 'pending'}  ${name}\n`);
    }
  } finally {
    if (scratch) rmSync(join(file, '..'), { recursive: true, force: true });
  }
}
