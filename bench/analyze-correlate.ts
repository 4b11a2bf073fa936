/**
 * Throughput of the correlation rules as the collector runs them (single-vantage rules per
 * (node, interface) plus the cross-node rules), on observations taken from a capture:
 *
 *   npx tsx bench/analyze-correlate.ts [FILE] [--limit N]
 *
 * Every ARP/NDP frame of FILE (default bench/out/mixed-1m.pcap) becomes two observations, as a
 * sending host and a router would report it (the router's copy 200 µs later); one frame in
 * fifty has its Ethernet source rewritten on the way, like the field case. Prints
 * observations per second of CPU time and the state held at the end.
 */
import { CrossNodeCorrelator, VantageCorrelators } from '@neighwatch/correlate';
import type { NeighborObservation } from '@neighwatch/model';
import { classifyInto, fieldsToRecord, FrameDecoder, newNeighborFields, readCapture } from '@neighwatch/packet';

const file = process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : 'bench/out/mixed-1m.pcap';
const limitAt = process.argv.indexOf('--limit');
const limit = limitAt >= 0 ? Number(process.argv[limitAt + 1]) : 500_000;

const observations: NeighborObservation[] = [];
const decoder = new FrameDecoder();
const fields = newNeighborFields();
await readCapture(file, (record) => {
  if (observations.length >= 2 * limit) return false;
  const frame = decoder.decode(record.data, record.linkType);
  if (!classifyInto(frame, fields)) return true;
  const r = fieldsToRecord(frame, fields);
  const base = { ...r, node: 'host', iface: 'eth0', direction: 'sent' as const, timeUs: record.timestampUs, ref: record.index };
  const rewritten = record.index % 50 === 0;
  observations.push(base, {
    ...base,
    node: 'router',
    direction: 'received',
    timeUs: base.timeUs + 200,
    ethSrc: rewritten ? '02:00:5e:00:53:99' : base.ethSrc,
  });
  return true;
});

const vantage = new VantageCorrelators();
const cross = new CrossNodeCorrelator();
let findings = 0;
const byKind = new Map<string, number>();
const count = (list: readonly { kind: string }[]) => {
  for (const f of list) byKind.set(f.kind, (byKind.get(f.kind) ?? 0) + 1);
  return list.length;
};
const start = process.cpuUsage();
for (const obs of observations) {
  findings += count(vantage.observe(obs));
  findings += count(cross.observe(obs));
}
findings += vantage.flush(observations[observations.length - 1].timeUs).length;
const used = process.cpuUsage(start);
const seconds = (used.user + used.system) / 1e6;
console.log(`${observations.length} observations, ${findings} findings, ${seconds.toFixed(2)} s CPU: ${Math.round(observations.length / seconds).toLocaleString('en-US')} observations/s`);
console.log('findings by kind:', Object.fromEntries(byKind));
console.log('cross-node state:', cross.size(), `heap ${Math.round(process.memoryUsage().heapUsed / 1e6)} MB`);
