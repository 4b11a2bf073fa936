/**
 * @neighwatch/store: the collector's repository over SQLite (WAL) through Prisma 7.
 *
 * `openStore()` creates the database file, applies the migrations in `prisma/migrations`
 * (recorded in `_prisma_migrations`, as `prisma migrate deploy` does) and returns a
 * `Store`. Callers only see domain types; which engine runs a statement (Prisma for
 * queries and node state, prepared better-sqlite3 statements for the ingest hot path) is
 * this library's business. Writes are serialised inside the store, so callers may issue
 * them concurrently.
 */
export { openStore } from './store.ts';
export { wireBindingOf } from './bindings.ts';
export type { WireBinding } from './bindings.ts';
export type { Store } from './api.ts';
export { EVIDENCE_PER_VANTAGE_POINT, DEFAULT_RETENTION_US, DEFAULT_RESOLVE_QUIET_US } from './api.ts';
export { StoreConflictError, StoreNotFoundError, StoreError } from './errors.ts';
/** `prisma migrate deploy` without the native engine (openStore already calls it). */
export { applyMigrations, migrationsDir } from './migrate.ts';
export type * from './types.ts';
