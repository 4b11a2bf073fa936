-- The observation table loses its (node_id, sequence) primary key for a store-assigned id
-- (rows are appended in commit order; replays are dropped by the node's committed sequence
-- before any row is written). Existing rows get ids in (node, sequence) order, so that each
-- node's fold watermark becomes an id below which all of its folded rows lie.
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
    "bindings_folded_sequence" BIGINT NOT NULL DEFAULT 0,
    "bindings_folded_id" BIGINT NOT NULL DEFAULT 0
);
INSERT INTO "new_node" ("agent_version", "bindings_folded_sequence", "boot_id", "clock_offset_us", "committed_sequence", "first_seen_us", "id", "inventory_us", "last_seen_us", "name", "observation_count", "os", "spool_dropped") SELECT "agent_version", "bindings_folded_sequence", "boot_id", "clock_offset_us", "committed_sequence", "first_seen_us", "id", "inventory_us", "last_seen_us", "name", "observation_count", "os", "spool_dropped" FROM "node";
DROP TABLE "node";
ALTER TABLE "new_node" RENAME TO "node";
CREATE UNIQUE INDEX "node_name_key" ON "node"("name");
CREATE TABLE "new_observation" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "node_id" INTEGER NOT NULL,
    "sequence" BIGINT NOT NULL,
    "time_us" BIGINT NOT NULL,
    "iface" TEXT NOT NULL,
    "direction" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "eth_src" TEXT NOT NULL,
    "eth_dst" TEXT NOT NULL,
    "vlan" INTEGER,
    "src_ip" TEXT NOT NULL,
    "target_ip" TEXT,
    "lladdr" TEXT,
    "na_flags" INTEGER NOT NULL,
    "checksum_ok" BOOLEAN,
    "fingerprint" TEXT NOT NULL,
    "frame" BLOB NOT NULL,
    "frame_length" INTEGER NOT NULL,
    CONSTRAINT "observation_node_id_fkey" FOREIGN KEY ("node_id") REFERENCES "node" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_observation" ("id", "checksum_ok", "direction", "eth_dst", "eth_src", "fingerprint", "frame", "frame_length", "iface", "lladdr", "na_flags", "node_id", "sequence", "src_ip", "target_ip", "time_us", "type", "vlan") SELECT ROW_NUMBER() OVER (ORDER BY "node_id", "sequence"), "checksum_ok", "direction", "eth_dst", "eth_src", "fingerprint", "frame", "frame_length", "iface", "lladdr", "na_flags", "node_id", "sequence", "src_ip", "target_ip", "time_us", "type", "vlan" FROM "observation" ORDER BY "node_id", "sequence";
DROP TABLE "observation";
ALTER TABLE "new_observation" RENAME TO "observation";
CREATE INDEX "observation_time_idx" ON "observation"("time_us");
-- Backfill: each node's folded rows are the ones up to its folded sequence.
CREATE INDEX "observation_backfill_tmp" ON "observation"("node_id", "sequence");
UPDATE "node" SET "bindings_folded_id" = COALESCE(
    (SELECT MAX("id") FROM "observation" WHERE "node_id" = "node"."id" AND "sequence" <= "node"."bindings_folded_sequence"), 0);
DROP INDEX "observation_backfill_tmp";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
