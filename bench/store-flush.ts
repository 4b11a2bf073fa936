/**
 * The binding flush's hold on the event loop. 50 nodes × 400 distinct wire bindings
 * (20,000, the shape of the collector's latency benchmark) are folded by commitIngest,
 * then written two ways on fresh stores:
 *
 * - sliced: the periodic flush (`bindingFlushMs`), a few nodes per transaction, one slice
 *   per write-queue turn;
 * - whole: the one-transaction flush that `listBindings` runs first (as every flush did
 *   before slicing).
 *
 * For each: the longest time the event loop was held (gaps between setImmediate ticks of a
 * probe running alongside), the flush's wall time, and its CPU per binding.
 *
 *   npx tsx bench/store-flush.ts
 *
 * Results: bench/store.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore, type ObservationRecord } from '../libs/store/src/index.ts';
import { observation } from '../libs/store/test/fixtures.ts';

const NODES = 50;
const HOSTS = 400;
const hex = (n: number) => n.toString(16).padStart(2, '0');

function rows(node: number, first: number): ObservationRecord[] {
  const out: ObservationRecord[] = [];
  for (let h = 0; h < HOSTS; h++) {
    const mac = `02:00:00:${hex(node)}:${hex(h >> 8)}:${hex(h & 255)}`;
    const r = observation(`node-${node}`, first + h, 1_800_000_000_000_000 + first + h);
    r.observation = { ...r.observation, srcIp: `198.18.${node}.${h & 255}`, ethSrc: mac, lladdr: mac, iface: `eth${h >> 8}` };
    out.push(r);
  }
  return out;
}

/**
 * Gaps between consecutive setImmediate ticks until `done` settles, longest first: wall ms,
 * and the process's CPU ms within each gap (on this shared machine a gap's wall time also
 * holds the time the process waited for a core).
 */
async function blocks(done: Promise<unknown>): Promise<{ wall: number[]; cpu: number[] }> {
  let finished = false;
  void done.finally(() => (finished = true));
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  const wall: number[] = [];
  const cpu: number[] = [];
  while (!finished) {
    await new Promise((resolve) => setImmediate(resolve));
    const now = performance.now();
    const c = process.cpuUsage(lastCpu);
    lastCpu = process.cpuUsage();
    wall.push(now - last);
    cpu.push((c.user + c.system) / 1000);
    last = now;
  }
  return { wall: wall.sort((a, b) => b - a), cpu: cpu.sort((a, b) => b - a) };
}

async function run(mode: 'sliced' | 'whole', synchronous: 'full' | 'normal') {
  const dir = mkdtempSync(join(tmpdir(), 'nw-bench-flush-'));
  const file = join(dir, 'flush.db');
  try {
    const store = await openStore({ file, synchronous, bindingFlushMs: mode === 'sliced' ? 200 : 3_600_000 });
    // Round 1 creates the binding rows (inserts); round 2, measured, updates them, as in steady state.
    for (let round = 0; round < 2; round++) {
      for (let n = 0; n < NODES; n++) await store.commitIngest({ observations: rows(n, round * HOSTS + 1) });
      if (round === 0) await store.listBindings({}, { limit: 1 });
    }
    const reader = new Database(file, { readonly: true });
    const unfolded = reader.prepare('SELECT COUNT(*) AS c FROM node WHERE bindings_folded_sequence <> committed_sequence');
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const done =
      mode === 'whole'
        ? store.listBindings({}, { limit: 1 })
        : (async () => {
            while ((unfolded.get() as { c: number }).c > 0) await new Promise((resolve) => setTimeout(resolve, 1));
          })();
    const gaps = await blocks(done);
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    reader.close();
    await store.close();
    return {
      mode,
      bindings: NODES * HOSTS,
      synchronous,
      longestEventLoopBlocksMs: gaps.wall.slice(0, 3).map((g) => Number(g.toFixed(1))),
      longestBlocksCpuMs: gaps.cpu.slice(0, 3).map((g) => Number(g.toFixed(1))),
      blocksOver5Ms: gaps.wall.filter((g) => g > 5).length,
      flushWallMs: Number(wall.toFixed(0)),
      cpuUsPerBinding: Number(((cpu.user + cpu.system) / (NODES * HOSTS)).toFixed(1)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(JSON.stringify({ loadAverage: loadavg().map((l) => l.toFixed(1)).join(' ') }));
for (const synchronous of ['full', 'normal'] as const) {
  for (let i = 0; i < 2; i++) {
    console.log(JSON.stringify(await run('whole', synchronous)));
    console.log(JSON.stringify(await run('sliced', synchronous)));
  }
}
