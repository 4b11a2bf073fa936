-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_node" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "agent_version" TEXT NOT NULL DEFAULT '',
    "os" TEXT NOT NULL DEFAULT '',
    "boot_id" TEXT NOT NULL DEFAULT '',
    "clock_offset_us" BIGINT NOT NULL DEFAULT 0,
    "spool_dropped" BIGINT NOT NULL DEFAULT 0,
    "first_seen_us" BIGINT NOT NULL DEFAULT 0,
    "last_seen_us" BIGINT NOT NULL DEFAULT 0,
    "observation_count" BIGINT NOT NULL DEFAULT 0,
    "committed_sequence" BIGINT NOT NULL DEFAULT 0,
    "inventory_us" BIGINT NOT NULL DEFAULT 0,
    "bindings_folded_sequence" BIGINT NOT NULL DEFAULT 0
);
INSERT INTO "new_node" ("agent_version", "boot_id", "clock_offset_us", "committed_sequence", "first_seen_us", "id", "inventory_us", "last_seen_us", "name", "observation_count", "os", "spool_dropped") SELECT "agent_version", "boot_id", "clock_offset_us", "committed_sequence", "first_seen_us", "id", "inventory_us", "last_seen_us", "name", "observation_count", "os", "spool_dropped" FROM "node";
DROP TABLE "node";
ALTER TABLE "new_node" RENAME TO "node";
CREATE UNIQUE INDEX "node_name_key" ON "node"("name");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- Backfill: before this migration every wire binding was written in its observation's own
-- transaction, so everything committed so far is already folded.
UPDATE "node" SET "bindings_folded_sequence" = "committed_sequence";
