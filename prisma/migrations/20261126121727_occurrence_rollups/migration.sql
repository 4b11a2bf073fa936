-- DropIndex
DROP INDEX "mismatch_occurrence_hour_idx";

-- CreateTable
CREATE TABLE "mismatch_daily_occurrence" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "mismatch_id" INTEGER NOT NULL,
    "day_start_us" BIGINT NOT NULL,
    "count" BIGINT NOT NULL,
    CONSTRAINT "mismatch_daily_occurrence_mismatch_id_fkey" FOREIGN KEY ("mismatch_id") REFERENCES "mismatch" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "mismatch_daily_occurrence_day_cover_idx" ON "mismatch_daily_occurrence"("day_start_us", "mismatch_id", "count");

-- CreateIndex
CREATE UNIQUE INDEX "mismatch_daily_occurrence_day_key" ON "mismatch_daily_occurrence"("mismatch_id", "day_start_us");

-- CreateIndex
CREATE INDEX "mismatch_occurrence_hour_cover_idx" ON "mismatch_occurrence"("hour_start_us", "mismatch_id", "count");

-- Backfill: daily counts of what is already counted per hour (UTC days, µs since the epoch).
INSERT INTO "mismatch_daily_occurrence" ("mismatch_id", "day_start_us", "count")
SELECT "mismatch_id", ("hour_start_us" / 86400000000) * 86400000000, SUM("count")
FROM "mismatch_occurrence"
GROUP BY "mismatch_id", ("hour_start_us" / 86400000000) * 86400000000;
