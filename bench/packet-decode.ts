/**
 * Decode throughput of @neighwatch/packet on a mixed ARP/NDP set (see packet-mix.ts):
 *
 *   npx tsx bench/packet-decode.ts [--frames 3000000] [--file bench/out/mixed-1m.pcap]
 *
 * In memory: decode only; decode + classify to offsets (the agent's path); decode +
 * classify to text (the JSON path); the same plus JSON.stringify. From a file: streaming
 * pcap read + decode + classify to text, next to `tcpdump -nn -r` on the same file when
 * tcpdump is installed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { FrameDecoder, classifyFrame, classifyInto, newNeighborFields, readCapture } from '@neighwatch/packet';
import { buildMixedPool } from './packet-mix';

const { values } = parseArgs({
  options: {
    frames: { type: 'string', default: '3000000' },
    file: { type: 'string', default: 'bench/out/mixed-1m.pcap' },
  },
});
const N = Number(values.frames);
const pool = buildMixedPool(1);
const decoder = new FrameDecoder();
const fields = newNeighborFields();

/** Each path gets its own loop so the JIT's feedback for one does not slow another. */
function report(name: string, t0: bigint, cpu0: NodeJS.CpuUsage, sink: number): void {
  const ns = Number(process.hrtime.bigint() - t0) / N;
  const cpu = process.cpuUsage(cpu0);
  const cpuNs = ((cpu.user + cpu.system) * 1000) / N;
  console.log(`| ${name} | ${(1e9 / ns / 1e6).toFixed(2)} M | ${ns.toFixed(0)} ns | ${cpuNs.toFixed(0)} ns |${sink > 0 ? '' : ' (no output?)'}`);
}

function decodeOnly(n: number): number {
  let sink = 0;
  for (let i = 0; i < n; i++) {
    const f = pool[i % pool.length];
    sink += decoder.decode(f.bytes, f.linkType).layers.length;
  }
  return sink;
}

function offsets(n: number): number {
  let sink = 0;
  for (let i = 0; i < n; i++) {
    const f = pool[i % pool.length];
    if (classifyInto(decoder.decode(f.bytes, f.linkType), fields)) sink += fields.fingerprintLo & 1;
  }
  return sink + 1;
}

function text(n: number): number {
  let sink = 0;
  for (let i = 0; i < n; i++) {
    const f = pool[i % pool.length];
    const r = classifyFrame(decoder.decode(f.bytes, f.linkType));
    if (r) sink += r.srcIp.length;
  }
  return sink;
}

function json(n: number): number {
  let sink = 0;
  for (let i = 0; i < n; i++) {
    const f = pool[i % pool.length];
    const r = classifyFrame(decoder.decode(f.bytes, f.linkType));
    if (r) sink += JSON.stringify(r).length;
  }
  return sink;
}

console.log(`node ${process.version}, ${N.toLocaleString('en')} frames from a pool of ${pool.length.toLocaleString('en')} mixed ARP/NDP frames\n`);
console.log('| path | frames/s (wall) | per frame (wall) | per frame (CPU) |');
console.log('|---|---|---|---|');
for (const [name, body] of [
  ['decode', decodeOnly],
  ['decode + classifyInto (offsets, fingerprint)', offsets],
  ['decode + classifyFrame (text record)', text],
  ['decode + classifyFrame + JSON.stringify', json],
] as const) {
  body(200_000); // warm-up
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  report(name, t0, cpu0, body(N));
}

const file = values.file!;
if (existsSync(file)) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let records = 0;
  let classified = 0;
  const summary = await readCapture(file, (rec) => {
    records++;
    if (classifyFrame(decoder.decode(rec.data, rec.linkType))) classified++;
  });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `\nfile ${file}: ${records.toLocaleString('en')} records (${classified.toLocaleString('en')} ARP/NDP) read + decoded + classified to text: ` +
      `${(ms / 1000).toFixed(2)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU${summary.error ? `, error: ${summary.error.message}` : ''}`,
  );
  // bash's `time` gives tcpdump's CPU time as well as wall time.
  const td = spawnSync('bash', ['-c', `TIMEFORMAT='%R %U %S'; time tcpdump -nn -r '${file}' > /dev/null 2>&1`], { encoding: 'utf8' });
  const m = td.stderr?.trim().match(/([\d.]+) ([\d.]+) ([\d.]+)$/);
  if (td.status === 0 && m) {
    console.log(`tcpdump -nn -r ${file} > /dev/null: ${Number(m[1]).toFixed(2)} s wall, ${(Number(m[2]) + Number(m[3])).toFixed(2)} s CPU`);
  }
} else {
  console.log(`\n(${file} not found: generate it with npx tsx bench/gen-capture.ts --frames 1000000 -o ${file})`);
}
