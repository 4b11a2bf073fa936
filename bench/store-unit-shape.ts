/**
 * What a commitIngest row costs depending on the shape of the unit the collector hands
 * over: rows per transaction, how many distinct bindings the rows carry, and
 * `synchronous` FULL vs NORMAL. The store benchmark (store-ingest.ts) gives every row the
 * same binding; a collector under 100 agents' load writes one binding per row.
 *
 *   npx tsx bench/store-unit-shape.ts [--rows 300000]
 *
 * SHAPE_SIZES=600,5000 picks the unit sizes; SHAPE_DROP=index,… drops indexes after the
 * migrations, to weigh what each costs.
 *
 * Results: bench/store.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type ObservationRecord } from '../libs/store/src/index.ts';
import { observation } from '../libs/store/test/fixtures.ts';

const i = process.argv.indexOf('--rows');
const ROWS = i === -1 ? 300_000 : Number(process.argv[i + 1]);
const NODES = 100;
const HOSTS = 400;
const hex = (n: number) => n.toString(16).padStart(2, '0');

/** `rows` observations spread over 100 nodes; `distinct`: each carries its own host's binding (400 hosts per node), else all the same. */
function unit(u: number, rows: number, distinct: boolean): ObservationRecord[] {
  const per = rows / NODES;
  const out: ObservationRecord[] = [];
  for (let n = 0; n < NODES; n++) {
    for (let k = 0; k < per; k++) {
      const seq = u * per + k + 1;
      const r = observation(`node-${n}`, seq, 1_800_000_000_000_000 + u * 10_000 + k);
      const h = seq % HOSTS;
      const mac = `02:00:00:${hex(n)}:${hex(h >> 8)}:${hex(h & 255)}`;
      r.observation = distinct
        ? { ...r.observation, srcIp: `198.18.${n}.${h & 255}`, ethSrc: mac, lladdr: mac, iface: `eth${h >> 8}` }
        : { ...r.observation, srcIp: '2001:db8::1' };
      out.push(r);
    }
  }
  return out;
}

async function run(rowsPerUnit: number, distinct: boolean, synchronous: 'normal' | 'full') {
  const dir = mkdtempSync(join(tmpdir(), 'nw-bench-shape-'));
  try {
    const store = await openStore({ file: join(dir, 'shape.db'), synchronous });
    if (process.env.SHAPE_DROP) {
      const { default: Database } = await import('better-sqlite3');
      const db = new Database(join(dir, 'shape.db'));
      for (const ix of process.env.SHAPE_DROP.split(',')) db.exec(`DROP INDEX ${ix}`);
      db.close();
    }
    const units = Math.ceil(ROWS / rowsPerUnit);
    const data = Array.from({ length: units + 5 }, (_, u) => unit(u, rowsPerUnit, distinct));
    // Warm-up: every node, and with distinct bindings every binding, exists before timing.
    for (let u = 0; u < 5; u++) await store.commitIngest({ observations: data[u] });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let u = 5; u < data.length; u++) await store.commitIngest({ observations: data[u] });
    // close() writes the folded wire bindings: their one flush is part of the cost.
    await store.close();
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const rows = units * rowsPerUnit;
    return { rowsPerUnit, bindings: distinct ? 'one per row' : 'one per unit', synchronous, cpuUsPerRow: Number(((cpu.user + cpu.system) / rows).toFixed(1)), wallUsPerRow: Number(((wall * 1000) / rows).toFixed(1)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(JSON.stringify({ loadAverage: loadavg().map((l) => l.toFixed(1)).join(' ') }));
const SIZES = process.env.SHAPE_SIZES ? process.env.SHAPE_SIZES.split(",").map(Number) : [600, 5000];
for (const rowsPerUnit of SIZES) {
  for (const distinct of [false, true]) {
    for (const synchronous of ['full', 'normal'] as const) console.log(JSON.stringify(await run(rowsPerUnit, distinct, synchronous)));
  }
}
