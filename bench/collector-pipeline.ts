/**
 * The collector's ingest pipeline without the network: validate → dedupe → convert →
 * correlate → group commit into SQLite, in one process, on batches already decoded (as
 * grpc-js hands them over). Shows the ceiling of the collector's own work per core, and
 * how it splits between stages.
 *
 *   npx tsx bench/collector-pipeline.ts [--agents 100] [--batches 50]
 *
 * Results: bench/collector.md.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { openStore } from '../libs/store/src/index.ts';
import { createLogger } from '../libs/config/src/index.ts';
import type { ObservationBatch__Output, Observation__Output } from '../libs/proto/src/index.ts';
import { Allowlist } from '../apps/collector/src/allowlist.ts';
import { Collector } from '../apps/collector/src/collector.ts';
import { Correlation } from '../apps/collector/src/correlation.ts';
import { toNeighborObservation } from '../apps/collector/src/convert.ts';
import { CollectorMetrics } from '../apps/collector/src/metrics.ts';
import { DEFAULT_LIMITS, validateBatch } from '../apps/collector/src/validate.ts';
import { agentTraffic } from './traffic.ts';
import { tempDir } from '../apps/collector/src/testing/harness.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const AGENTS = arg('agents', 100);
const BATCHES = arg('batches', 50);
const BATCH = 100;

function batches(): ObservationBatch__Output[][] {
  const now = Date.now() * 1000;
  return Array.from({ length: AGENTS }, (_, a) => {
    const t = agentTraffic(a) as Observation__Output[];
    let seq = 0;
    return Array.from({ length: BATCHES }, () => ({
      agentTimeUs: now,
      observations: Array.from({ length: BATCH }, (_, i) => ({ ...t[(seq + i) % t.length], sequence: ++seq, captureTimeUs: now + seq })),
    }));
  });
}

const total = AGENTS * BATCHES * BATCH;

// Heap and ArrayBuffer bytes in use after a full collection (to measure what a stage keeps).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function heapUsed(): number {
  gc();
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}
const tmp = tempDir('nw-bench-pipeline-');
try {
  // Stage costs, one at a time, on the same data.
  const data = batches();
  let t0 = performance.now();
  for (const perAgent of data) for (const b of perAgent) validateBatch(b, Date.now() * 1000, DEFAULT_LIMITS);
  const validateUs = ((performance.now() - t0) * 1000) / total;
  const heapBefore = heapUsed();
  t0 = performance.now();
  const converted: ReturnType<typeof toNeighborObservation>[][] = data.map((perAgent, a) => perAgent.flatMap((b) => b.observations.map((o) => toNeighborObservation(`agent-${a}`, o, o.captureTimeUs))));
  const convertUs = ((performance.now() - t0) * 1000) / total;
  // Correlation alone: CPU time per observation, and the heap it holds afterwards (all
  // observations fall inside its 10 s match horizon here: capture times are 1 µs apart).
  const correlateCpu0 = process.cpuUsage();
  t0 = performance.now();
  const correlation = new Correlation();
  for (let k = 0; k < BATCHES; k++) for (const list of converted) correlation.observe(list.slice(k * BATCH, (k + 1) * BATCH));
  const correlateUs = ((performance.now() - t0) * 1000) / total;
  const correlateCpu = process.cpuUsage(correlateCpu0);
  const correlateCpuUs = (correlateCpu.user + correlateCpu.system) / total;
  // Drop the converted observations: what stays is what the correlator holds.
  converted.length = 0;
  const correlateHeapMb = (heapUsed() - heapBefore) / 1e6;
  const correlateState = correlation.size();

  // The whole pipeline through the group committer and the real store.
  const store = await openStore({ file: `${tmp.dir}/pipeline.db` });
  const log = createLogger({ level: 'warn', format: 'json' });
  const collector = new Collector(store, new Correlation(), new Allowlist([]), new CollectorMetrics(), log, {
    limits: DEFAULT_LIMITS,
    rate: { observationsPerSecond: 1e9, burst: 1e9 },
    commit: { intervalMs: 5, maxRows: 5000 },
  });
  for (let a = 0; a < AGENTS; a++) await collector.hello({ node: `agent-${a}`, agentVersion: 'bench', os: 'bench', bootId: 'b', agentTimeUs: Date.now() * 1000, spoolDropped: 0, nextSequence: 1 });
  const fresh = batches();
  t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const acks: Promise<number>[] = [];
  for (let k = 0; k < BATCHES; k++) {
    for (let a = 0; a < AGENTS; a++) {
      const outcome = collector.batch(`agent-${a}`, fresh[a][k]);
      if (outcome.kind !== 'ack') throw new Error(outcome.message);
      acks.push(outcome.committed);
    }
    // Let commits run as batches keep arriving, as the event loop does with gRPC reads.
    if (k % 4 === 3) await new Promise((r) => setImmediate(r));
  }
  await Promise.all(acks);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const metrics = collector.metrics.render();
  const commits = Number(/^neighwatch_sqlite_write_seconds_count (\S+)$/m.exec(metrics)![1]);
  const writeSeconds = Number(/^neighwatch_sqlite_write_seconds_sum (\S+)$/m.exec(metrics)![1]);
  await collector.drain();
  await store.close();
  console.log(
    JSON.stringify({
      observations: total,
      pipelineObsPerSec: Math.round(total / seconds),
      pipelineObsPerCpuSecond: Math.round(total / cpuSeconds),
      pipelineCpuUsPerObservation: Number(((cpuSeconds * 1e6) / total).toFixed(1)),
      commits,
      meanRowsPerCommit: Math.round(total / commits),
      storeUsPerObservation: Number(((writeSeconds * 1e6) / total).toFixed(1)),
      validateUsPerObservation: Number(validateUs.toFixed(2)),
      convertUsPerObservation: Number(convertUs.toFixed(2)),
      correlateUsPerObservation: Number(correlateUs.toFixed(2)),
      correlateCpuUsPerObservation: Number(correlateCpuUs.toFixed(2)),
      correlateHeapMbAfter: Number(correlateHeapMb.toFixed(1)),
      correlateState,
    }),
  );
} finally {
  tmp.remove();
}
