import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore, type ObservationRecord } from '../libs/store/src/index.ts';
import { observation } from '../libs/store/test/fixtures.ts';

const variant = process.argv[2] ?? 'base';
const dir = mkdtempSync(join(tmpdir(), 'nw-exp-'));
const file = join(dir, 'x.db');
const store = await openStore({ file, synchronous: variant.includes('full') ? 'full' : 'normal' });
if (variant.includes('noidx')) {
  const db = new Database(file);
  for (const i of ['binding_mac_idx', 'binding_observer_idx', 'binding_last_seen_idx']) db.exec(`DROP INDEX ${i}`);
  db.close();
}
const NODES = 100, PER = 50, UNITS = 100;
const hex = (n: number) => n.toString(16).padStart(2, '0');
function unit(u: number) {
  const out: ObservationRecord[] = [];
  for (let n = 0; n < NODES; n++) for (let i = 0; i < PER; i++) {
    const seq = u * PER + i + 1;
    const r = observation(`node-${n}`, seq, 1_800_000_000_000_000 + u * 1000 + i);
    const h = seq % 400;
    r.observation = { ...r.observation, srcIp: `198.18.${n}.${h}`, ethSrc: `02:00:00:${hex(n)}:${hex(h >> 8)}:${hex(h & 255)}`, lladdr: variant.includes('samebind') ? r.observation.lladdr : `02:00:00:${hex(n)}:${hex(h >> 8)}:${hex(h & 255)}` };
    if (variant.includes('nobind')) r.observation = { ...r.observation, srcIp: '::' };
    if (variant.includes('samebind')) r.observation = { ...r.observation, srcIp: observation('x',1,1).observation.srcIp, ethSrc: observation('x',1,1).observation.ethSrc };
    out.push(r);
  }
  return out;
}
const units = Array.from({ length: UNITS }, (_, u) => unit(u));
for (let u = 0; u < 5; u++) await store.commitIngest({ observations: units[u] });
const c0 = process.cpuUsage(); const t0 = performance.now();
for (let u = 5; u < UNITS; u++) await store.commitIngest({ observations: units[u] });
const c = process.cpuUsage(c0); const wall = performance.now() - t0;
const rows = (UNITS - 5) * NODES * PER;
console.log(variant, 'cpu us/row', (((c.user + c.system)) / rows).toFixed(2), 'wall us/row', ((wall * 1000) / rows).toFixed(2));
await store.close(); rmSync(dir, { recursive: true, force: true });
