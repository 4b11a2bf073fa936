/**
 * Prometheus metrics in the text exposition format (version 0.0.4), served over HTTP.
 * Small on purpose: counters and gauges with labels, and one latency histogram.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

type Labels = Record<string, string>;

const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labelText = (labels: Labels) => {
  const keys = Object.keys(labels);
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}="${escape(labels[k])}"`).join(',')}}`;
};

abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
  ) {}
  abstract lines(): string[];
}

export class Counter extends Metric {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(name: string, help: string, type: 'counter' | 'gauge' = 'counter') {
    super(name, help, type);
  }
  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    const entry = this.values.get(key);
    if (entry) entry.value += by;
    else this.values.set(key, { labels, value: by });
  }
  set(labels: Labels, value: number): void {
    this.values.set(labelText(labels), { labels, value });
  }
  /** Replaces every series (for gauges recomputed from a source of truth). */
  reset(): void {
    this.values.clear();
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelText(labels))?.value ?? 0;
  }
  lines(): string[] {
    return [...this.values.values()].map((e) => `${this.name}${labelText(e.labels)} ${e.value}`);
  }
}

export class Histogram extends Metric {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(
    name: string,
    help: string,
    private readonly buckets: number[],
  ) {
    super(name, help, 'histogram');
    this.counts = buckets.map(() => 0);
  }
  observe(value: number): void {
    this.sum += value;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) this.counts[i]++;
  }
  lines(): string[] {
    return [
      ...this.buckets.map((b, i) => `${this.name}_bucket{le="${b}"} ${this.counts[i]}`),
      `${this.name}_bucket{le="+Inf"} ${this.count}`,
      `${this.name}_sum ${this.sum}`,
      `${this.name}_count ${this.count}`,
    ];
  }
}

export class CollectorMetrics {
  readonly observations = new Counter('neighwatch_observations_ingested_total', 'Observations committed, by message type.');
  readonly duplicates = new Counter('neighwatch_observations_duplicate_total', 'Observations received again after they were committed (agent replays).');
  readonly batches = new Counter('neighwatch_batches_total', 'Observation batches received, by outcome (acked, rejected).');
  readonly acks = new Counter('neighwatch_acks_total', 'Acks sent to agents.');
  readonly rejections = new Counter('neighwatch_rejections_total', 'Batches rejected in band, by status code.');
  readonly streamErrors = new Counter('neighwatch_stream_errors_total', 'Ingest streams ended by the collector, by status code.');
  readonly activeAgents = new Counter('neighwatch_active_agents', 'Agents with a live ingest stream.', 'gauge');
  readonly mismatchesOpen = new Counter('neighwatch_mismatches_open', 'Open mismatches, by kind.', 'gauge');
  readonly findings = new Counter('neighwatch_findings_total', 'Mismatch occurrences found by the correlator, by kind.');
  readonly commits = new Counter('neighwatch_commits_total', 'Group-commit transactions, by outcome.');
  readonly writeSeconds = new Histogram('neighwatch_sqlite_write_seconds', 'Latency of one group-commit transaction.', [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
  ]);

  readonly commitRows = new Histogram('neighwatch_commit_rows', 'Observations (or findings/ranges, at least 1) per group-commit transaction.', [
    10, 50, 100, 250, 500, 1000, 2000, 5000, 10000, 20000,
  ]);
  readonly commitWaitSeconds = new Histogram('neighwatch_commit_wait_seconds', 'How long the oldest batch of a group-commit transaction waited before it started.', [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
  ]);

  readonly memory = new Counter(
    'neighwatch_process_memory_bytes',
    'Collector process memory at scrape time, by kind (rss, heap_used, heap_total, external, array_buffers).',
    'gauge',
  );

  private all(): Metric[] {
    return Object.values(this).filter((v): v is Metric => v instanceof Metric);
  }

  render(): string {
    const m = process.memoryUsage();
    this.memory.set({ kind: 'rss' }, m.rss);
    this.memory.set({ kind: 'heap_used' }, m.heapUsed);
    this.memory.set({ kind: 'heap_total' }, m.heapTotal);
    this.memory.set({ kind: 'external' }, m.external);
    this.memory.set({ kind: 'array_buffers' }, m.arrayBuffers);
    const out: string[] = [];
    for (const m of this.all()) {
      out.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`, ...m.lines());
    }
    return out.join('\n') + '\n';
  }
}

/** Serves GET /metrics; resolves with the bound address once listening. */
export async function serveMetrics(metrics: CollectorMetrics, host: string, port: number): Promise<{ server: Server; address: AddressInfo }> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && (req.url === '/metrics' || req.url?.startsWith('/metrics?'))) {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(metrics.render());
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found: metrics are at /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { server, address: server.address() as AddressInfo };
}
