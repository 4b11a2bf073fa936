/**
 * Store benchmark: ingest throughput (commitIngest's prepared statements vs Prisma
 * createMany, same run, same rows) and query latency on a seeded database.
 *
 *   npx tsx bench/store-ingest.ts            full run (~1M occurrences, 100k bindings)
 *   npx tsx bench/store-ingest.ts --quick    smaller sizes, for a smoke run
 *
 * Results and the machine they came from: bench/store.md.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { openStore, type FindingRecord, type ObservationRecord, type Store } from '../libs/store/src/index.ts';
import { PrismaClient } from '../libs/store/src/generated/prisma/client.ts';
import { batch, DAY, finding, T0 } from '../libs/store/test/fixtures.ts';
import { seed } from './store-seed.ts';

const quick = process.argv.includes('--quick');
const NODES = 10;
const PER_NODE = 1000;
const UNITS = quick ? 10 : 50;
const PRISMA_ROWS = quick ? 10_000 : 20_000;
const OCCURRENCES = quick ? 100_000 : 1_000_000;
const BINDINGS = quick ? 10_000 : 100_000;
const RUNS = 20;

const dir = mkdtempSync(join(tmpdir(), 'nw-bench-store-'));
const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
/** CPU seconds this process used since `start`: the machine may be shared, wall time alone misleads. */
const cpuSeconds = (start: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(start);
  return (c.user + c.system) / 1e6;
};
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** One unit as the collector builds it: every node's 1,000-observation batch, 1 % findings. */
function unit(u: number, withFindings: boolean): { observations: ObservationRecord[]; findings: FindingRecord[] } {
  const observations: ObservationRecord[] = [];
  const findings: FindingRecord[] = [];
  for (let n = 0; n < NODES; n++) {
    const node = `node-${n}`;
    const first = u * PER_NODE + 1;
    const obs = batch(node, first, PER_NODE, T0 + u * 1_000_000);
    observations.push(...obs);
    if (withFindings) {
      for (let i = 0; i < PER_NODE; i += 100) {
        const o = obs[i];
        findings.push({
          finding: finding(`2001:db8::${(n * 16 + (i % 16)).toString(16)}`, o.observation.timeUs, {
            ref: o.sequence,
            vantagePoints: [{ node, iface: 'eth0' }],
          }),
        });
      }
    }
  }
  return { observations, findings };
}

async function ingest(label: string, withFindings: boolean) {
  const file = join(dir, `${label}.db`);
  const store = await openStore({ file });
  const units = Array.from({ length: UNITS }, (_, u) => unit(u, withFindings));
  // Prisma loads its query engine on the first query (~0.5 s CPU, once per process): a
  // running collector has paid it long before; new mismatches' events are read through it.
  await store.listNodes();
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  let rows = 0;
  for (const u of units) rows += (await store.commitIngest(u)).inserted;
  const s = seconds(start);
  const c = cpuSeconds(cpu);
  await store.close();
  const mb = statSync(file).size / 1e6;
  console.log(`commitIngest ${label}: ${fmt(rows)} observations in ${s.toFixed(2)} s = ${fmt(rows / s)} obs/s wall, ${fmt(rows / c)} obs per CPU-second ` +
    `(${UNITS} transactions of ${NODES} nodes × ${PER_NODE}${withFindings ? ', 1 % with a finding' : ''}; file ${mb.toFixed(0)} MB)`);
}

async function prismaCreateMany() {
  const file = join(dir, 'prisma.db');
  const store = await openStore({ file }); // migrations + node rows
  await store.createNode('node-0', T0);
  await store.close();
  const prisma = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: file }) });
  const node = await prisma.node.findUniqueOrThrow({ where: { name: 'node-0' } });
  const records = batch('node-0', 1, PRISMA_ROWS, T0);
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  for (let i = 0; i < records.length; i += 10_000) {
    const chunk = records.slice(i, i + 10_000);
    // Best case measured here: 1,000-row createMany calls inside one $transaction.
    await prisma.$transaction(async (tx) => {
      for (let j = 0; j < chunk.length; j += 1000) {
        await tx.observation.createMany({
          data: chunk.slice(j, j + 1000).map((r, k) => ({
            // Ids far above the store's own rows (the store assigns them in commit order).
            id: 1_000_000_000 + i + j + k,
            nodeId: node.id, sequence: BigInt(r.sequence), timeUs: BigInt(r.observation.timeUs), iface: r.observation.iface,
            direction: r.observation.direction, type: r.observation.type, ethSrc: r.observation.ethSrc, ethDst: r.observation.ethDst,
            vlan: r.observation.vlan, srcIp: r.observation.srcIp, targetIp: r.observation.targetIp, lladdr: r.observation.lladdr,
            naFlags: r.observation.naFlags, checksumOk: r.observation.checksumOk, fingerprint: r.observation.fingerprint,
            frame: Buffer.from(r.frame), frameLength: r.frameLength,
          })),
        });
      }
    }, { timeout: 120_000 });
  }
  const s = seconds(start);
  const c = cpuSeconds(cpu);
  await prisma.$disconnect();
  console.log(`Prisma createMany (1,000-row calls, 10,000 per $transaction): ${fmt(PRISMA_ROWS)} observations in ${s.toFixed(2)} s = ${fmt(PRISMA_ROWS / s)} obs/s wall, ${fmt(PRISMA_ROWS / c)} obs per CPU-second`);
}

async function latency(label: string, fn: () => Promise<unknown>) {
  await fn(); // warm: first call compiles the query plan
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    await fn();
    times.push(seconds(start) * 1000);
  }
  times.sort((a, b) => a - b);
  console.log(`${label.padEnd(58)} median ${times[RUNS >> 1].toFixed(1).padStart(7)} ms   p95 ${times[Math.floor(RUNS * 0.95)].toFixed(1).padStart(7)} ms`);
}

async function queries() {
  const file = join(dir, 'seeded.db');
  let store: Store = await openStore({ file });
  const cpu = process.cpuUsage();
  const seeded = await seed(store, { occurrences: OCCURRENCES, bindings: BINDINGS, days: 30 });
  const c = cpuSeconds(cpu);
  await store.close();
  console.log(`seeded ${fmt(OCCURRENCES)} occurrences (2,000 mismatches) + ${fmt(BINDINGS)} bindings over 30 days through commitIngest in ${seeded.seconds.toFixed(1)} s wall, ${c.toFixed(1)} CPU-s; file ${(statSync(file).size / 1e6).toFixed(0)} MB`);
  store = await openStore({ file }); // a restarted collector: cold caches
  const until = seeded.endUs;
  const first = (await store.listMismatches({ state: 'all' }, { limit: 1 })).items[0];
  const page = { limit: 100 };
  await latency('listMismatches first page (active, 100)', () => store.listMismatches({}, page));
  await latency('listMismatches first page (state all, kind, node filter)', () =>
    store.listMismatches({ state: 'all', kinds: ['LLADDR_MISMATCH', 'SPLIT_STACK'], node: 'node-3' }, page));
  await latency('listMismatches first page (mac filter)', () => store.listMismatches({ state: 'all', mac: '02:00:00:00:00:07' }, page));
  await latency('getMismatch (evidence + history)', () => store.getMismatch(first.id));
  await latency('report 30 days, day buckets, top 10', () => store.report({ sinceUs: until - 30 * DAY, untilUs: until, bucket: 'day' }));
  await latency('report 3 days, hour buckets, top 10', () => store.report({ sinceUs: until - 3 * DAY, untilUs: until, bucket: 'hour' }));
  await latency('listBindings first page (no filter, 100)', () => store.listBindings({}, page));
  await latency('listBindings (node + since filter)', () => store.listBindings({ node: 'node-4', sinceUs: until - DAY }, page));
  await latency('listBindings (mac filter)', () => store.listBindings({ mac: '02:00:00:00:01:00' }, page));
  await store.close();
}

try {
  console.log(`node ${process.version}, ${quick ? 'quick' : 'full'} run, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  await ingest('observations only', false);
  await ingest('with findings', true);
  await prismaCreateMany();
  await queries();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
