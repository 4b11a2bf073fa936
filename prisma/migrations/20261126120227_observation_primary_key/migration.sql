/*
  Warnings:

  - The primary key for the `observation` table will be changed. If it partially fails, the table could be left without primary key constraint.
  - You are about to drop the column `id` on the `observation` table. All the data in the column will be lost.

*/
-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_observation" (
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

    PRIMARY KEY ("node_id", "sequence"),
    CONSTRAINT "observation_node_id_fkey" FOREIGN KEY ("node_id") REFERENCES "node" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_observation" ("checksum_ok", "direction", "eth_dst", "eth_src", "fingerprint", "frame", "frame_length", "iface", "lladdr", "na_flags", "node_id", "sequence", "src_ip", "target_ip", "time_us", "type", "vlan") SELECT "checksum_ok", "direction", "eth_dst", "eth_src", "fingerprint", "frame", "frame_length", "iface", "lladdr", "na_flags", "node_id", "sequence", "src_ip", "target_ip", "time_us", "type", "vlan" FROM "observation";
DROP TABLE "observation";
ALTER TABLE "new_observation" RENAME TO "observation";
CREATE INDEX "observation_time_idx" ON "observation"("time_us");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
