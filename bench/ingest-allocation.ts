/**
 * Bytes the collector's main thread allocates per observation, by stage, on the ingest
 * path before SQLite: decode (the Ingest service's own deserializer, on encoded batches
 * as they arrive), validate, convert, and pack (the `--database-thread` hand-over).
 * Allocation drives garbage collection, and under a high allocation rate V8 lets the heap
 * grow further between full collections (bench/collector.md, "Database thread: where the
 * extra memory is").
 *
 *   npx tsx bench/ingest-allocation.ts [--agents 100] [--batches 40]
 *
 * Measured with V8's sampling heap profiler counting objects that garbage collection has
 * already freed (what was allocated, not what is still alive): a sample every 8 KiB, so
 * each figure is an estimate within a few percent. Time per observation comes from
 * separate passes without the profiler that keep nothing but the unit being built, as the
 * collector does (thread time per stage, best of three passes). Results: bench/collector.md.
 */
import { Session } from 'node:inspector/promises';
import { loadavg } from 'node:os';
import { ingestServerDefinition, ingestService, type AgentMessage, type AgentMessage__Output } from '../libs/proto/src/index.ts';
import type { IngestUnit, ObservationRecord } from '../libs/store/src/index.ts';
import { toNeighborObservation } from '../apps/collector/src/convert.ts';
import { packIngestUnit, recyclePacked } from '../apps/collector/src/ingest-pack.ts';
import { DEFAULT_LIMITS, validateBatch, type ValidObservation } from '../apps/collector/src/validate.ts';
import { agentTraffic } from './traffic.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const AGENTS = arg('agents', 100);
const BATCHES = arg('batches', 40);
const BATCH = 100;

const serialize = ingestService().service.Stream.requestSerialize as (m: AgentMessage) => Buffer;
const deserialize = ingestServerDefinition().Stream.requestDeserialize as (b: Buffer) => AgentMessage__Output;

const now = Date.now() * 1000;
const encoded: Buffer[] = [];
for (let a = 0; a < AGENTS; a++) {
  const t = agentTraffic(a);
  let seq = 0;
  for (let b = 0; b < BATCHES; b++) {
    const observations = Array.from({ length: BATCH }, (_, i) => ({ ...t[(seq + i) % t.length], sequence: seq + i + 1, captureTimeUs: now + seq + i }));
    seq += BATCH;
    encoded.push(serialize({ observations: { agentTimeUs: now, observations } }));
  }
}
const total = encoded.length * BATCH;

// Each stage runs on the previous stage's output, kept alive, so that only the stage
// itself is measured.
let decoded: AgentMessage__Output[] = [];
let validated: ValidObservation[][] = [];
let records: ObservationRecord[][] = [];
const reset = () => {
  decoded = [];
  validated = [];
  records = [];
};
const stages: [string, () => void][] = [
  ['decode', () => {
    for (const bytes of encoded) decoded.push(deserialize(bytes));
  }],
  ['validate', () => {
    for (const m of decoded) validated.push(validateBatch(m.observations!, now, DEFAULT_LIMITS));
  }],
  ['convert', () => {
    for (const list of validated) {
      const out: ObservationRecord[] = [];
      for (const o of list) out.push({ sequence: o.sequence, observation: toNeighborObservation('agent', o, o.captureTimeUs), frame: o.frame, frameLength: o.frameLength });
      records.push(out);
    }
  }],
  ['pack (--database-thread)', () => {
    // Units of 15 batches (~1,500 rows, a commit's size under load), each buffer handed
    // back as the store thread does after committing.
    for (let i = 0; i < records.length; i += 15) {
      const unit: IngestUnit = { observations: records.slice(i, i + 15).flat() };
      recyclePacked(packIngestUnit(unit));
    }
  }],
];

const session = new Session();
session.connect();
await session.post('HeapProfiler.enable');
console.log(JSON.stringify({ loadAverage: loadavg().map((l) => l.toFixed(1)).join(' '), observations: total }));
interface Node {
  selfSize: number;
  children: Node[];
}
const sum = (n: Node): number => n.selfSize + n.children.reduce((s, c) => s + sum(c), 0);
// Time: batch by batch through all four stages, as the collector goes, best of three.
const stageUs = new Map<string, number>();
for (let pass = 0; pass < 3; pass++) {
  const spent = [0, 0, 0, 0];
  let unit: ObservationRecord[] = [];
  let t = performance.now();
  const lap = (stage: number) => {
    const now = performance.now();
    spent[stage] += now - t;
    t = now;
  };
  for (let i = 0; i < encoded.length; i++) {
    t = performance.now();
    const message = deserialize(encoded[i]);
    lap(0);
    const list = validateBatch(message.observations!, now, DEFAULT_LIMITS);
    lap(1);
    for (const o of list) unit.push({ sequence: o.sequence, observation: toNeighborObservation('agent', o, o.captureTimeUs), frame: o.frame, frameLength: o.frameLength });
    lap(2);
    if (i % 15 === 14 || i === encoded.length - 1) {
      recyclePacked(packIngestUnit({ observations: unit }));
      unit = [];
      lap(3);
    }
  }
  stages.forEach(([name], k) => stageUs.set(name, Math.min(stageUs.get(name) ?? Infinity, (spent[k] * 1000) / total)));
}
reset();
let all = 0;
let allUs = 0;
for (const [name, run] of stages) {
  await session.post('HeapProfiler.startSampling', { samplingInterval: 8192, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  run();
  const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: Node } };
  const bytes = sum(profile.head);
  all += bytes;
  allUs += stageUs.get(name)!;
  console.log(JSON.stringify({ stage: name, bytesPerObservation: Math.round(bytes / total), usPerObservation: Number(stageUs.get(name)!.toFixed(2)) }));
}
console.log(JSON.stringify({ stage: 'all four', bytesPerObservation: Math.round(all / total), usPerObservation: Number(allUs.toFixed(2)) }));
session.disconnect();
