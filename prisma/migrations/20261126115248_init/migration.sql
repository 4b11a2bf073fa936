-- CreateTable
CREATE TABLE "node" (
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
    "inventory_us" BIGINT NOT NULL DEFAULT 0
);

-- CreateTable
CREATE TABLE "node_interface" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "node_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "mac" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "bridge_master" TEXT NOT NULL,
    "up" BOOLEAN NOT NULL,
    "addresses" TEXT NOT NULL,
    CONSTRAINT "node_interface_node_id_fkey" FOREIGN KEY ("node_id") REFERENCES "node" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "observation" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
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

-- CreateTable
CREATE TABLE "binding" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "ip" TEXT NOT NULL,
    "mac" TEXT NOT NULL,
    "observer_id" INTEGER NOT NULL,
    "iface" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "first_seen_us" BIGINT NOT NULL,
    "last_seen_us" BIGINT NOT NULL,
    "count" BIGINT NOT NULL,
    CONSTRAINT "binding_observer_id_fkey" FOREIGN KEY ("observer_id") REFERENCES "node" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "neighbor_entry" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "node_id" INTEGER NOT NULL,
    "iface" TEXT NOT NULL,
    "ip" TEXT NOT NULL,
    "mac" TEXT,
    "state" TEXT NOT NULL,
    "router" BOOLEAN NOT NULL,
    "updated_us" BIGINT NOT NULL,
    CONSTRAINT "neighbor_entry_node_id_fkey" FOREIGN KEY ("node_id") REFERENCES "node" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "mismatch" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "kind" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "ip" TEXT,
    "macs" TEXT NOT NULL,
    "subject_node" TEXT,
    "summary" TEXT NOT NULL,
    "rewritten_fields" TEXT NOT NULL,
    "stale_fields" TEXT NOT NULL,
    "first_seen_us" BIGINT NOT NULL,
    "last_seen_us" BIGINT NOT NULL,
    "count" BIGINT NOT NULL,
    "suppressed" BOOLEAN NOT NULL DEFAULT false,
    "suppressed_count" BIGINT NOT NULL DEFAULT 0,
    "acknowledged_by" TEXT,
    "acknowledged_us" BIGINT,
    "acknowledged_note" TEXT,
    "state_changed_us" BIGINT NOT NULL
);

-- CreateTable
CREATE TABLE "mismatch_vantage_point" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "mismatch_id" INTEGER NOT NULL,
    "node" TEXT NOT NULL,
    "iface" TEXT NOT NULL,
    CONSTRAINT "mismatch_vantage_point_mismatch_id_fkey" FOREIGN KEY ("mismatch_id") REFERENCES "mismatch" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "mismatch_evidence" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "mismatch_id" INTEGER NOT NULL,
    "node" TEXT NOT NULL,
    "iface" TEXT NOT NULL,
    "sequence" BIGINT NOT NULL,
    "direction" TEXT NOT NULL,
    "time_us" BIGINT NOT NULL,
    "type" TEXT NOT NULL,
    "frame" BLOB NOT NULL,
    "frame_length" INTEGER NOT NULL,
    CONSTRAINT "mismatch_evidence_mismatch_id_fkey" FOREIGN KEY ("mismatch_id") REFERENCES "mismatch" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "mismatch_occurrence" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "mismatch_id" INTEGER NOT NULL,
    "hour_start_us" BIGINT NOT NULL,
    "count" BIGINT NOT NULL,
    CONSTRAINT "mismatch_occurrence_mismatch_id_fkey" FOREIGN KEY ("mismatch_id") REFERENCES "mismatch" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "mismatch_state_change" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "mismatch_id" INTEGER NOT NULL,
    "state" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "at_us" BIGINT NOT NULL,
    "by" TEXT NOT NULL DEFAULT '',
    "note" TEXT NOT NULL DEFAULT '',
    CONSTRAINT "mismatch_state_change_mismatch_id_fkey" FOREIGN KEY ("mismatch_id") REFERENCES "mismatch" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "node_name_key" ON "node"("name");

-- CreateIndex
CREATE UNIQUE INDEX "node_interface_node_name_key" ON "node_interface"("node_id", "name");

-- CreateIndex
CREATE INDEX "observation_time_idx" ON "observation"("time_us");

-- CreateIndex
CREATE UNIQUE INDEX "observation_node_sequence_key" ON "observation"("node_id", "sequence");

-- CreateIndex
CREATE INDEX "binding_mac_idx" ON "binding"("mac");

-- CreateIndex
CREATE INDEX "binding_observer_idx" ON "binding"("observer_id");

-- CreateIndex
CREATE INDEX "binding_last_seen_idx" ON "binding"("last_seen_us");

-- CreateIndex
CREATE UNIQUE INDEX "binding_identity_key" ON "binding"("ip", "mac", "observer_id", "iface", "source");

-- CreateIndex
CREATE UNIQUE INDEX "neighbor_entry_identity_key" ON "neighbor_entry"("node_id", "iface", "ip");

-- CreateIndex
CREATE INDEX "mismatch_last_seen_idx" ON "mismatch"("last_seen_us", "id");

-- CreateIndex
CREATE INDEX "mismatch_state_last_seen_idx" ON "mismatch"("state", "last_seen_us", "id");

-- CreateIndex
CREATE INDEX "mismatch_ip_idx" ON "mismatch"("ip");

-- CreateIndex
CREATE INDEX "mismatch_first_seen_idx" ON "mismatch"("first_seen_us");

-- CreateIndex
CREATE UNIQUE INDEX "mismatch_kind_subject_key" ON "mismatch"("kind", "subject");

-- CreateIndex
CREATE INDEX "mismatch_vantage_point_node_idx" ON "mismatch_vantage_point"("node");

-- CreateIndex
CREATE UNIQUE INDEX "mismatch_vantage_point_key" ON "mismatch_vantage_point"("mismatch_id", "node", "iface");

-- CreateIndex
CREATE INDEX "mismatch_evidence_vantage_idx" ON "mismatch_evidence"("mismatch_id", "node", "iface");

-- CreateIndex
CREATE UNIQUE INDEX "mismatch_evidence_frame_key" ON "mismatch_evidence"("mismatch_id", "node", "sequence");

-- CreateIndex
CREATE INDEX "mismatch_occurrence_hour_idx" ON "mismatch_occurrence"("hour_start_us", "mismatch_id");

-- CreateIndex
CREATE UNIQUE INDEX "mismatch_occurrence_hour_key" ON "mismatch_occurrence"("mismatch_id", "hour_start_us");

-- CreateIndex
CREATE INDEX "mismatch_state_change_mismatch_idx" ON "mismatch_state_change"("mismatch_id", "at_us");

-- CreateIndex
CREATE INDEX "mismatch_state_change_at_idx" ON "mismatch_state_change"("at_us");
