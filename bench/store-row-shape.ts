/**
 * What one observation row costs SQLite itself, outside the store: the `observation`
 * table as the migrations create it, one transaction per 1,000 rows from 100 nodes, and
 * variants that weigh the row's shape and the way it is inserted:
 *
 * - `stmt.run` per row (what `commitIngest` does) against one multi-row
 *   `INSERT … VALUES (…), (…)` of 32 or 100 rows per statement;
 * - rows interleaved across nodes against rows grouped by node (what the collector's
 *   units are: whole batches of one agent after another);
 * - the table as stored since 2026-11-26 18:00 (an `id INTEGER PRIMARY KEY` the store
 *   assigns in commit order, no index on (node, sequence)) against the (node, sequence)
 *   primary key it had before, without the `observation_time_idx` index, and as a
 *   `WITHOUT ROWID` table (which Prisma cannot express; measured to know).
 *
 *   npx tsx bench/store-row-shape.ts [--units 300]
 *
 * CPU µs per row (process.cpuUsage around each transaction). Results: bench/store.md.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const i = process.argv.indexOf('--units');
const UNITS = i === -1 ? 300 : Number(process.argv[i + 1]);
const PER_UNIT = 1000;
const NODES = 100;
const COLUMNS = 17;
const FRAME = Buffer.alloc(86, 0xab);
const HEAD_ID = `INSERT INTO observation (id, node_id, sequence, time_us, iface, direction, type, eth_src, eth_dst, vlan, src_ip,
  target_ip, lladdr, na_flags, checksum_ok, fingerprint, frame, frame_length) VALUES `;
const HEAD = `INSERT INTO observation (node_id, sequence, time_us, iface, direction, type, eth_src, eth_dst, vlan, src_ip,
  target_ip, lladdr, na_flags, checksum_ok, fingerprint, frame, frame_length) VALUES `;
const TUPLE = `(${new Array<string>(COLUMNS).fill('?').join(', ')})`;

interface Variant {
  name: string;
  perStatement: number;
  grouped: boolean;
  timeIndex: boolean;
  primaryKey: boolean;
  withoutRowid: boolean;
  /** The store-assigned `id INTEGER PRIMARY KEY` (the table as stored). */
  rowId: boolean;
}

function run(v: Variant): number {
  const dir = mkdtempSync(join(tmpdir(), 'nw-bench-row-'));
  const db = new Database(join(dir, 'rows.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(`CREATE TABLE observation (${v.rowId ? 'id INTEGER NOT NULL PRIMARY KEY, ' : ''}
      node_id INTEGER NOT NULL, sequence BIGINT NOT NULL, time_us BIGINT NOT NULL, iface TEXT NOT NULL, direction TEXT NOT NULL,
      type TEXT NOT NULL, eth_src TEXT NOT NULL, eth_dst TEXT NOT NULL, vlan INTEGER, src_ip TEXT NOT NULL, target_ip TEXT,
      lladdr TEXT, na_flags INTEGER NOT NULL, checksum_ok BOOLEAN, fingerprint TEXT NOT NULL, frame BLOB NOT NULL,
      frame_length INTEGER NOT NULL${v.primaryKey ? ', PRIMARY KEY (node_id, sequence)' : ''})${v.withoutRowid ? ' WITHOUT ROWID' : ''}`);
    if (v.timeIndex) db.exec('CREATE INDEX observation_time_idx ON observation(time_us)');
    const tail = v.primaryKey ? ' ON CONFLICT (node_id, sequence) DO NOTHING' : '';
    const statements = new Map<number, Database.Statement>();
    const statement = (rows: number) => {
      let s = statements.get(rows);
      const tuple = v.rowId ? `(?, ${TUPLE.slice(1)}` : TUPLE;
      if (!s) statements.set(rows, (s = db.prepare((v.rowId ? HEAD_ID : HEAD) + new Array<string>(rows).fill(tuple).join(', ') + tail)));
      return s;
    };
    const sequences = new Array<number>(NODES).fill(0);
    let nextId = 1;
    let cpu = 0;
    const warm = 20;
    for (let u = 0; u < UNITS + warm; u++) {
      const rows: unknown[][] = [];
      for (let k = 0; k < PER_UNIT; k++) {
        // Grouped: 100-row batches of one node after another; else every row from the next node.
        const node = v.grouped ? Math.floor(k / (PER_UNIT / NODES)) : k % NODES;
        const seq = ++sequences[node];
        rows.push([...(v.rowId ? [nextId++] : []), node + 1, seq, 1_800_000_000_000_000 + u * 10_000 + k, 'eth0', 'received', 'NDP_NS', '02:00:00:00:00:01',
          '33:33:ff:00:00:01', null, `2001:db8::${(seq % 256).toString(16)}`, '2001:db8::1', '02:00:00:00:00:02', 0, 1,
          '0011223344556677', FRAME, FRAME.length]);
      }
      const c0 = process.cpuUsage();
      db.transaction(() => {
        if (v.perStatement === 1) {
          const s = statement(1);
          for (const r of rows) s.run(r);
        } else {
          for (let r = 0; r < rows.length; r += v.perStatement) {
            const chunk = rows.slice(r, r + v.perStatement);
            statement(chunk.length).run(chunk.flat());
          }
        }
      }).immediate();
      const c = process.cpuUsage(c0);
      if (u >= warm) cpu += c.user + c.system;
    }
    return cpu / (UNITS * PER_UNIT);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const stored: Variant = { name: 'as stored: run per row, grouped by node, id INTEGER PRIMARY KEY + time index', perStatement: 1, grouped: true, timeIndex: true, primaryKey: false, withoutRowid: false, rowId: true };
const base: Variant = { name: 'before: (node, sequence) primary key + time index', perStatement: 1, grouped: true, timeIndex: true, primaryKey: true, withoutRowid: false, rowId: false };
const variants: Variant[] = [
  stored,
  base,
  { ...base, name: 'multi-row INSERT, 32 rows per statement', perStatement: 32 },
  { ...base, name: 'multi-row INSERT, 100 rows per statement', perStatement: 100 },
  { ...base, name: 'rows interleaved across nodes', grouped: false },
  { ...base, name: 'without observation_time_idx', timeIndex: false },
  { ...base, name: 'without the (node, sequence) primary key', primaryKey: false },
  { ...base, name: 'without either index', primaryKey: false, timeIndex: false },
  { ...base, name: 'WITHOUT ROWID on (node, sequence)', withoutRowid: true },
];
console.log(JSON.stringify({ loadAverage: loadavg().map((l) => l.toFixed(1)).join(' '), rowsPerTransaction: PER_UNIT, nodes: NODES }));
for (let round = 1; round <= 2; round++) {
  for (const v of variants) console.log(JSON.stringify({ round, variant: v.name, cpuUsPerRow: Number(run(v).toFixed(2)) }));
}
