/**
 * Collector load benchmark: N simulated agents on loopback (in separate worker
 * processes: the machine has 2 cores) stream realistic batches to one collector process
 * on a SQLite file; an observation counts only when its Ack (sent after COMMIT) arrives.
 *
 *   npx tsx bench/collector-load.ts throughput [--agents 100] [--seconds 20] [--workers 2]
 *   npx tsx bench/collector-load.ts streams    [--agents 1000] [--seconds 20]
 *   npx tsx bench/collector-load.ts latency    [--rate 5000] [--seconds 20]
 *   npx tsx bench/collector-load.ts all
 *
 * throughput: every agent sends as fast as acks allow: batches of --batch observations
 *             (default 100), at most --window batches unacknowledged (default 8, what the
 *             agent's shipper allows: WINDOW_BATCHES in apps/agent/src/shipper.ts).
 * streams:    that many agents connected at once, each at a trickle (5 observations/s).
 * latency:    background load at --rate observations/s, plus a probe agent whose every
 *             observation opens a new mismatch; p50/p99 from the probe's capture time to
 *             the Watch event the collector sends after the transaction commits (the
 *             mismatch is queryable from then on).
 * Each mode reports the collector's peak RSS, and the CPU per acknowledged observation of
 * the collector and of the simulated agents (pre-encoded batches, see "cheap simulated
 * agents" below). BENCH_COLLECTOR_BUNDLE runs another build. Results: bench/collector.md.
 */
import * as grpc from '@grpc/grpc-js';
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { encodeNdp } from '../libs/packet/src/index.ts';
import { ingestService, type CollectorMessage__Output, type MismatchEvent__Output, type Observation } from '../libs/proto/src/index.ts';
import { ROOT, TOKENS, TestAgent, bearer, queryClient, startCollector, tempDir } from '../apps/collector/src/testing/harness.ts';
import { observationOf } from '../apps/collector/src/testing/frames.ts';
import { agentTraffic } from './traffic.ts';
import { WINDOW_BATCHES } from '../apps/agent/src/shipper.ts';
import { encodeAgentMessage, varintLength, writeVarint } from '../apps/agent/src/wire.ts';

const SELF = fileURLToPath(import.meta.url);
const DEFAULT_BATCH = 100;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

// ---- cheap simulated agents ---------------------------------------------------------

/**
 * On a real deployment agents run on other machines; here they share the collector's two
 * cores, so each simulated agent sends pre-encoded bytes: every template observation is
 * encoded once (protobuf, with sequence and capture time left at 0, which proto3 omits),
 * and a batch is those bytes with the two leading varint fields written in front of each
 * (fields 1 and 2 come first in field order, so the encoding is the canonical one the
 * agent's own serializer produces). Same frames, same shapes, same bytes on the wire.
 */
type Stream = grpc.ClientDuplexStream<Buffer, CollectorMessage__Output>;
const ingestDefinition = ingestService().service.Stream;
const RawIngest = grpc.makeGenericClientConstructor(
  { Stream: { ...ingestDefinition, requestSerialize: (b: Buffer) => b } },
  'Ingest',
);

/** The Observation message's bytes without fields 1 and 2 (the AgentMessage's framing stripped). */
function encodeTemplate(o: Observation): Buffer {
  const whole = encodeAgentMessage({ observations: { agentTimeUs: 0, observations: [{ ...o, sequence: 0, captureTimeUs: 0 }] } });
  let at = 0;
  const varint = () => {
    while (whole[at++] & 128);
  };
  const skipField = (tag: number) => {
    if (whole[at] !== tag) return;
    at++;
    varint();
  };
  const expect = (tag: number) => {
    if (whole[at++] !== tag) throw new Error('unexpected encoding of a template observation');
  };
  // AgentMessage.observations (0x22, length) → [agent_time_us (0x08)] → ObservationBatch.observations
  // (0x12, length) → Observation → [sequence (0x08)] [capture_time_us (0x10)] → the rest.
  expect(0x22);
  varint();
  skipField(0x08);
  expect(0x12);
  varint();
  skipField(0x08);
  skipField(0x10);
  return whole.subarray(at);
}

/** One AgentMessage{observations} holding `count` templates from `t`, sequences from `firstSequence`. */
function encodeBatch(templates: Buffer[], t: number, count: number, firstSequence: number, timeUs: number): Buffer {
  let inner = 1 + varintLength(timeUs);
  const timeBytes = 1 + varintLength(timeUs);
  for (let i = 0; i < count; i++) {
    const size = 1 + varintLength(firstSequence + i) + timeBytes + templates[(t + i) % templates.length].length;
    inner += 1 + varintLength(size) + size;
  }
  const buf = Buffer.allocUnsafe(1 + varintLength(inner) + inner);
  let at = 0;
  buf[at++] = 0x22;
  at = writeVarint(buf, at, inner);
  buf[at++] = 0x08;
  at = writeVarint(buf, at, timeUs);
  for (let i = 0; i < count; i++) {
    const rest = templates[(t + i) % templates.length];
    const sequence = firstSequence + i;
    buf[at++] = 0x12;
    at = writeVarint(buf, at, 1 + varintLength(sequence) + timeBytes + rest.length);
    buf[at++] = 0x08;
    at = writeVarint(buf, at, sequence);
    buf[at++] = 0x10;
    at = writeVarint(buf, at, timeUs);
    at += rest.copy(buf, at);
  }
  return buf;
}

// ---- worker: a share of the agents ---------------------------------------------------

interface WorkerSpec {
  address: string;
  first: number;
  count: number;
  /** Observations/s per agent; 0 = as fast as acks allow. */
  rate: number;
  seconds: number;
  /** Throughput mode: observations per batch, and batches unacknowledged at most. */
  batch: number;
  window: number;
}

async function worker(spec: WorkerSpec): Promise<void> {
  const tokens: Record<string, string> = JSON.parse(process.env.BENCH_TOKENS!);
  let acked = 0;
  let connected = 0;
  // Connect every agent first; the clock starts when the parent says go.
  const sessions = await Promise.all(
    Array.from({ length: spec.count }, async (_, k) => {
      const index = spec.first + k;
      const node = `agent-${index}`;
      const client = new RawIngest(process.env.BENCH_ADDRESS!, grpc.credentials.createInsecure());
      const call = (client as unknown as { Stream(md: grpc.Metadata): Stream }).Stream(bearer(tokens[node]));
      const ended = new Promise<void>((resolve) => {
        call.on('error', () => undefined);
        call.on('status', () => resolve());
      });
      const replied = new Promise<CollectorMessage__Output>((resolve) => {
        const first = (m: CollectorMessage__Output) => {
          if (m.body !== 'helloReply') return;
          call.off('data', first);
          resolve(m);
        };
        call.on('data', first);
      });
      const now = Date.now() * 1000;
      call.write(encodeAgentMessage({ hello: { node, agentVersion: 'bench', os: 'Linux bench', bootId: 'boot', agentTimeUs: now, spoolDropped: 0, nextSequence: 1 } }));
      const reply = await replied;
      connected++;
      const objects = agentTraffic(index);
      const templates = objects.map(encodeTemplate);
      // The patched bytes are exactly what the agent's serializer writes for the same batch.
      const at = Date.now() * 1000;
      const expected = encodeAgentMessage({
        observations: { agentTimeUs: at, observations: objects.slice(0, 3).map((o, i) => ({ ...o, sequence: 1_000_000 + i, captureTimeUs: at })) },
      });
      if (!encodeBatch(templates, 0, 3, 1_000_000, at).equals(expected)) throw new Error('pre-encoded batch differs from the serializer');
      return { call, client, ended, templates, committed: reply.helloReply!.committedSequence };
    }),
  );
  // The worker's own CPU seconds so far (user + system): the load generator's cost.
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  process.send!({ acked, connected, ready: true, cpu: cpu() });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  const stop = Date.now() + spec.seconds * 1000;
  const report = setInterval(() => process.send!({ acked, connected, cpu: cpu() }), 500);
  await Promise.all(
    sessions.map(async ({ call, client, ended, templates, committed }) => {
      let seq = committed;
      let lastAcked = seq;
      let t = 0;
      const send = (size: number) => {
        call.write(encodeBatch(templates, t, size, seq + 1, Date.now() * 1000));
        t = (t + size) % templates.length;
        seq += size;
      };
      await new Promise<void>((resolve) => {
        call.on('data', (m: CollectorMessage__Output) => {
          if (m.body === 'rejection') process.send!({ rejection: m.rejection!.message });
          if (m.body !== 'ack') return;
          acked += m.ack!.committedSequence - lastAcked;
          lastAcked = m.ack!.committedSequence;
          if (spec.rate === 0 && Date.now() < stop) while (seq - lastAcked < spec.window * spec.batch) send(spec.batch);
          if (Date.now() >= stop && lastAcked === seq) resolve();
        });
        if (spec.rate === 0) {
          for (let i = 0; i < spec.window; i++) send(spec.batch);
        } else {
          // Trickle: one batch per agent per second, as an agent on a quiet link ships.
          const size = Math.max(1, Math.round(spec.rate));
          setTimeout(() => {
            send(size);
            const timer = setInterval(() => {
              if (Date.now() >= stop) {
                clearInterval(timer);
                if (lastAcked === seq) resolve();
                return;
              }
              send(size);
            }, 1000);
          }, Math.random() * 1000);
        }
        void ended.then(() => resolve());
      });
      call.end();
      client.close();
    }),
  );
  clearInterval(report);
  process.send!({ acked, connected, done: true, cpu: cpu() });
}

// ---- parent -----------------------------------------------------------------------

/** CPU seconds (user + system) the process used so far: comparable across runs on a shared machine. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function runMode(mode: 'throughput' | 'streams' | 'latency'): Promise<Record<string, unknown>> {
  const agents = arg('agents', mode === 'streams' ? 1000 : mode === 'latency' ? 50 : 100);
  const seconds = arg('seconds', 20);
  const workers = arg('workers', 2);
  const batch = arg('batch', DEFAULT_BATCH);
  const window = arg('window', WINDOW_BATCHES);
  const rate = mode === 'throughput' ? 0 : mode === 'streams' ? 5 : arg('rate', 5000) / agents;
  const tmp = tempDir('nw-bench-collector-');
  const tokens: Record<string, string> = { probe: 'probe-token-0000000000000000' };
  for (let i = 0; i < agents; i++) tokens[`agent-${i}`] = `bench-token-${String(i).padStart(16, '0')}`;
  const collector = await startCollector({
    dir: tmp.dir,
    tokens: { agents: tokens, readTokens: [TOKENS.read] },
    args: ['--metrics-listen', '127.0.0.1:0', ...(process.env.BENCH_COLLECTOR_ARGS ?? '').split(' ').filter(Boolean)],
    // BENCH_COLLECTOR_BUNDLE=dist/…/main.js runs another build (before/after comparisons).
    ...(process.env.BENCH_COLLECTOR_BUNDLE ? { bin: process.env.BENCH_COLLECTOR_BUNDLE } : {}),
    // BENCH_CPU_PROFILE=DIR writes the collector's CPU profile there on exit.
    // BENCH_COLLECTOR_NODE_ARGS="…" passes Node/V8 flags (e.g. heap sizes) to the collector.
    nodeArgs: [
      ...(process.env.BENCH_CPU_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`] : []),
      ...(process.env.BENCH_COLLECTOR_NODE_ARGS ?? '').split(' ').filter(Boolean),
    ],
  });
  const pid = collector.child.pid!;
  let peakRss = rssMb(pid);
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, rssMb(pid))), 250);
  // What the RSS is made of, from the collector's own metrics, sampled once a second.
  const peakMemory: Record<string, number> = {};
  const memoryTimer = setInterval(() => {
    fetch(`http://${collector.metricsAddress}/metrics`)
      .then((r) => r.text())
      .then((text) => {
        for (const [, kind, value] of text.matchAll(/^neighwatch_process_memory_bytes\{kind="(\w+)"\} (\S+)$/gm)) {
          peakMemory[kind] = Math.max(peakMemory[kind] ?? 0, Math.round(Number(value) / 2 ** 20));
        }
      })
      .catch(() => undefined);
  }, 1000);

  const children: ChildProcess[] = [];
  const state = new Map<number, { acked: number; connected: number; done: boolean; ready: boolean; cpu: number }>();
  const rejections: string[] = [];
  const per = Math.ceil(agents / workers);
  for (let w = 0; w < workers; w++) {
    const spec: WorkerSpec = { address: collector.address, first: w * per, count: Math.max(0, Math.min(per, agents - w * per)), rate, seconds, batch, window };
    if (spec.count === 0) continue;
    const child = fork(SELF, ['--worker', JSON.stringify(spec)], {
      cwd: ROOT,
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, BENCH_TOKENS: JSON.stringify(tokens), BENCH_ADDRESS: collector.address },
    });
    state.set(w, { acked: 0, connected: 0, done: false, ready: false, cpu: 0 });
    child.on('message', (m: { acked?: number; connected?: number; done?: boolean; ready?: boolean; rejection?: string; cpu?: number }) => {
      if (m.rejection) {
        if (rejections.length < 5) rejections.push(m.rejection);
        return;
      }
      const previous = state.get(w)!;
      state.set(w, {
        acked: m.acked ?? 0,
        connected: m.connected ?? 0,
        done: Boolean(m.done),
        ready: previous.ready || Boolean(m.ready),
        cpu: m.cpu ?? previous.cpu,
      });
      if (m.ready && [...state.values()].every((s) => s.ready)) allReady();
    });
    children.push(child);
  }
  let allReady!: () => void;
  const ready = new Promise<void>((resolve) => (allReady = resolve));
  await ready;
  const connectedAll = [...state.values()].reduce((n, s) => n + s.connected, 0);
  const rssConnected = rssMb(pid);

  // Latency probe: a new mismatch per probe (an NA whose TLLAO differs from its source).
  const latencies: number[] = [];
  let probeTimer: NodeJS.Timeout | null = null;
  let watch: grpc.ClientReadableStream<MismatchEvent__Output> | null = null;
  let probe: TestAgent | null = null;
  if (mode === 'latency') {
    const sentAt = new Map<string, number>();
    const query = queryClient(collector.address);
    watch = query.Watch({ kinds: ['MISMATCH_KIND_LLADDR_MISMATCH'], node: 'probe' }, bearer(TOKENS.read));
    watch.on('error', () => undefined);
    watch.on('data', (e: MismatchEvent__Output) => {
      if (process.env.BENCH_SAMPLES && e.mismatch) process.stderr.write(`event ${e.type} ${e.mismatch.kind} ${e.mismatch.ip} ${e.mismatch.subject}\n`);
      const at = e.mismatch ? sentAt.get(e.mismatch.ip) : undefined;
      if (at !== undefined) {
        latencies.push((Date.now() * 1000 - at) / 1000);
        sentAt.delete(e.mismatch!.ip);
      }
    });
    probe = new TestAgent(collector.address, tokens.probe);
    probe.hello('probe');
    let seq = (await probe.next((m) => m.body === 'helloReply')).helloReply!.committedSequence;
    let n = 0;
    probeTimer = setInterval(() => {
      n++;
      const ip = `2001:db8:ffff::${(n & 0xffff).toString(16)}`;
      const frame = encodeNdp({
        ethSrc: '02:00:00:00:ff:01',
        ethDst: '02:00:00:00:ff:02',
        src: ip,
        dst: '2001:db8::fe',
        message: { type: 'NA', target: ip, solicited: true, override: true },
        options: [{ type: 'target-lladdr', mac: '02:00:00:00:ff:03' }],
      });
      const now = Date.now() * 1000;
      sentAt.set(ip, now);
      probe!.send({ observations: { agentTimeUs: now, observations: [observationOf(frame, { sequence: ++seq, timeUs: now, iface: 'eth0', direction: 'received' })] } });
    }, 50);
  }

  for (const child of children) child.send('go');
  const started = Date.now();
  const samples: { t: number; acked: number; cpu: number; generator: number }[] = [];
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      let acked = 0;
      for (const s of state.values()) acked += s.acked;
      let generator = 0;
      for (const s of state.values()) generator += s.cpu;
      samples.push({ t: (Date.now() - started) / 1000, acked, cpu: cpuSeconds(pid), generator });
      if (process.env.BENCH_SAMPLES) process.stderr.write(`${samples.at(-1)!.t.toFixed(1)} s ${acked}\n`);
      if ([...state.values()].every((s) => s.done) || Date.now() - started > (seconds + 60) * 1000) {
        clearInterval(tick);
        resolve();
      }
    }, 500);
  });
  if (probeTimer) clearInterval(probeTimer);
  watch?.cancel();
  probe?.close();
  clearInterval(rssTimer);
  clearInterval(memoryTimer);
  const metrics = await (await fetch(`http://${collector.metricsAddress}/metrics`)).text();
  const metric = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
  const commits = metric('neighwatch_sqlite_write_seconds_count');
  // Rows per transaction, as a distribution (builds that have the histogram): share of commits at or below each bound.
  const rowBuckets = [...metrics.matchAll(/^neighwatch_commit_rows_bucket\{le="([^"]+)"\} (\S+)$/gm)].map((m) => [m[1], Number(m[2])] as const);
  const rowsTotal = metric('neighwatch_commit_rows_count');
  const commitRowsShare = rowBuckets.length
    ? Object.fromEntries(rowBuckets.filter(([le]) => le !== '+Inf').map(([le, c]) => [`<=${le}`, Number((c / rowsTotal).toFixed(2))]))
    : undefined;
  const writeSeconds = metric('neighwatch_sqlite_write_seconds_sum');
  await collector.stop();
  tmp.remove();

  // Sustained rate: the middle of the run (skip ramp-up and drain).
  const inside = samples.filter((s) => s.t >= 2 && s.t <= seconds);
  const rateObs = inside.length >= 2 ? (inside.at(-1)!.acked - inside[0].acked) / (inside.at(-1)!.t - inside[0].t) : NaN;
  // The collector's own CPU per acknowledged observation over the same window.
  const cpuUs = inside.length >= 2 ? ((inside.at(-1)!.cpu - inside[0].cpu) * 1e6) / (inside.at(-1)!.acked - inside[0].acked) : NaN;
  // The simulated agents' CPU (all worker processes) per acknowledged observation.
  const generatorUs =
    inside.length >= 2 ? ((inside.at(-1)!.generator - inside[0].generator) * 1e6) / (inside.at(-1)!.acked - inside[0].acked) : NaN;
  latencies.sort((a, b) => a - b);
  return {
    mode,
    agents,
    ...(mode === 'throughput' ? { batch, window } : {}),
    connected: connectedAll,
    rssWithAllConnectedMb: Math.round(rssConnected),
    seconds,
    ackedTotal: samples.at(-1)?.acked ?? 0,
    sustainedObsPerSec: Math.round(rateObs),
    collectorCpuUsPerObs: Number(cpuUs.toFixed(1)),
    obsPerCollectorCpuSecond: Math.round(1e6 / cpuUs),
    loadGeneratorCpuUsPerObs: Number(generatorUs.toFixed(1)),
    loadAverage: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    peakRssMb: Math.round(peakRss),
    /** Peaks of each kind over the run (MB): heap_used vs external shows what grows. */
    peakMemoryMb: peakMemory,
    commits,
    meanCommitMs: Number(((writeSeconds / commits) * 1000).toFixed(1)),
    meanRowsPerCommit: Math.round((samples.at(-1)?.acked ?? 0) / commits),
    ...(commitRowsShare ? { commitRowsShare } : {}),
    ...(mode === 'latency' ? { probes: latencies.length, p50Ms: percentile(latencies, 50)?.toFixed(1), p99Ms: percentile(latencies, 99)?.toFixed(1), maxMs: latencies.at(-1)?.toFixed(1) } : {}),
    ...(rejections.length ? { rejections } : {}),
  };
}

if (process.argv[2] === '--worker') {
  await worker(JSON.parse(process.argv[3]) as WorkerSpec);
  process.exit(0);
} else {
  execFileSync(process.execPath, ['tools/build.mjs', 'collector'], { cwd: ROOT });
  const mode = process.argv[2] ?? 'all';
  const modes = mode === 'all' ? (['throughput', 'streams', 'latency'] as const) : [mode as 'throughput' | 'streams' | 'latency'];
  for (const m of modes) console.log(JSON.stringify(await runMode(m)));
}
