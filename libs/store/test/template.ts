/**
 * One migrated database per spec file, copied for every test: each test still gets its own
 * file with the real migrations applied (by the real engine, once), without paying the
 * engine's start-up for every test. migrate.spec.ts covers applying to empty files.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { applyMigrations } from '../src/migrate.ts';

export function migratedTemplate(): (target: string) => void {
  let dir = '';
  let template = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nw-store-template-'));
    template = join(dir, 'template.db');
    await applyMigrations(template);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return (target) => copyFileSync(template, target);
}
