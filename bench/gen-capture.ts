/**
 * Writes an N-frame pcap of mixed ARP/NDP traffic (see packet-mix.ts) for benchmarks:
 *
 *   npx tsx bench/gen-capture.ts --frames 1000000 -o bench/out/mixed-1m.pcap [--seed 1] [--nanosecond]
 *
 * Deterministic for a seed. Timestamps start at 2026-01-01T00:00:00Z, 0–2 ms apart.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { PcapWriter } from '@neighwatch/packet';
import { buildMixedPool, prng } from './packet-mix';

const { values } = parseArgs({
  options: {
    frames: { type: 'string', default: '1000000' },
    out: { type: 'string', short: 'o', default: 'bench/out/mixed-1m.pcap' },
    seed: { type: 'string', default: '1' },
    nanosecond: { type: 'boolean', default: false },
  },
});
const frames = Number(values.frames);
const seed = Number(values.seed);
if (!Number.isInteger(frames) || frames < 0) {
  console.error(`--frames must be a non-negative integer, got "${values.frames}"`);
  process.exit(2);
}

const started = performance.now();
const pool = buildMixedPool(seed);
const rnd = prng(seed ^ 0x5bd1e995);
mkdirSync(dirname(values.out!), { recursive: true });
const writer = new PcapWriter(values.out!, { nanosecond: values.nanosecond });
let t = Date.UTC(2026, 0, 1) * 1000;
for (let i = 0; i < frames; i++) {
  const f = pool[Math.floor(rnd() * pool.length)];
  t += Math.floor(rnd() * 2000);
  writer.write({ data: f.bytes, timestampUs: t });
}
writer.close();
console.log(`wrote ${frames} frames to ${values.out} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
