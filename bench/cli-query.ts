/**
 * `neighwatch` query latency on a large database: 1,000,000 mismatch occurrences over 30
 * days and 100,000 bindings, seeded through the store's own commit path
 * (bench/store-seed.ts), served by the real collector binary, queried by the real CLI
 * binary. Times are wall-clock of the whole `neighwatch` process (start-up included),
 * median of N runs; peak memory is the CLI process's maximum resident set size. The CLI's
 * code cache (dist/apps/cli/app.cjs.cache) is warm except in the "first run" case.
 *
 *   node tools/build.mjs cli && node tools/build.mjs collector
 *   npx tsx bench/cli-query.ts [runs=5] [occurrences=1000000] [bindings=100000]
 *
 * CLI_BEFORE=/path/to/an/earlier/entry.js also runs that build of the CLI (e.g. a copy of an
 * earlier dist/apps/cli in a checkout of its own) alternately with this one, for a
 * before/after comparison under the same load.
 *
 * The seeded database is kept in bench/out/ and reused when its parameters match.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus, loadavg } from 'node:os';
import { resolveConnection } from '../apps/cli/src/query/connection.ts';
import { GrpcQueryApi } from '../apps/cli/src/query/grpc-api.ts';
import { openStore } from '../libs/store/src/index.ts';
import { seed } from './store-seed.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'bench/out');
const [runsText = '5', occurrencesText = '1000000', bindingsText = '100000'] = process.argv.slice(2);
const RUNS = Number(runsText);
const OCCURRENCES = Number(occurrencesText);
const BINDINGS = Number(bindingsText);
const DAYS = 30;
const READ_TOKEN = 'bench-read-token-0000000001';

mkdirSync(OUT, { recursive: true });
const db = join(OUT, `cli-query-${OCCURRENCES}-${BINDINGS}.db`);
if (!existsSync(db)) {
  process.stderr.write(`seeding ${db} (${OCCURRENCES} occurrences, ${BINDINGS} bindings, ${DAYS} days)…\n`);
  const store = await openStore({ file: db });
  const r = await seed(store, { occurrences: OCCURRENCES, bindings: BINDINGS, days: DAYS });
  await store.close();
  process.stderr.write(`seeded in ${r.seconds.toFixed(1)} s\n`);
}
// The seed's range: 30 days from 2026-01-01 (libs/store/test/fixtures.ts T0).
const SINCE = '2026-01-01T00:00:00Z';
const UNTIL = '2026-01-31T00:00:00Z';

const tokens = join(OUT, 'cli-query-tokens.json');
writeFileSync(tokens, JSON.stringify({ agents: {}, readTokens: [READ_TOKEN] }));
const collector = spawn(
  process.execPath,
  [join(ROOT, 'bin/neighwatch-collector.js'), '--listen', '127.0.0.1:0', '--metrics-listen', 'off', '--tokens-file', tokens, '--database', db, '--log-format', 'json', '--rebuild-window', '0'],
  { stdio: ['ignore', 'ignore', 'pipe'] },
);
const address = await new Promise<string>((resolve, reject) => {
  let buffer = '';
  collector.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    for (const line of buffer.split('\n')) {
      try {
        const l = JSON.parse(line);
        if (l.msg === 'listening') resolve(String(l.address));
      } catch {
        /* partial line */
      }
    }
  });
  collector.on('exit', (code) => reject(new Error(`collector exited ${code}:\n${buffer}`)));
});

interface Sample {
  ms: number;
  /** User + system CPU time of the CLI process: less sensitive to other load than wall time. */
  cpuMs: number;
  maxRssKb: number;
  bytes: number;
}

const ENTRY = join(ROOT, 'bin/neighwatch.cjs');
const BEFORE = process.env.CLI_BEFORE || undefined;

/** Runs the CLI under /usr/bin/time for wall time and peak RSS. */
function run(args: string[], entry = ENTRY): Sample {
  const file = join(OUT, 'cli-query.out');
  const connection = args[0] === '--version' ? [] : ['--collector', address, '--token', READ_TOKEN, '--timeout', '60s'];
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', process.execPath, entry, ...args, ...connection], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 30,
  });
  const lines = r.stderr.trim().split('\n');
  const [seconds, user, sys, rss] = lines[lines.length - 1].split(' ').map(Number);
  if (r.status !== 0) throw new Error(`neighwatch ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  writeFileSync(file, r.stdout);
  return { ms: seconds * 1000, cpuMs: (user + sys) * 1000, maxRssKb: rss, bytes: statSync(file).size };
}

/** Wall time measured here (finer than /usr/bin/time's 10 ms). */
function timed(args: string[], entry = ENTRY): Sample {
  const t0 = process.hrtime.bigint();
  const s = run(args, entry);
  return { ...s, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const codeCache = join(ROOT, 'dist/apps/cli/app.cjs.cache');
/** A case name, the CLI arguments, and what to do before each run. */
const cases: [string, string[], (() => void)?][] = [
  ['neighwatch --version (process start-up only)', ['--version']],
  ['neighwatch mismatches (first page, 100 rows)', ['mismatches', '--state', 'all']],
  // The first run after a build, before V8's code cache exists (it writes it).
  ['neighwatch mismatches, first run after a build (no code cache yet)', ['mismatches', '--state', 'all'], () => rmSync(codeCache, { force: true })],
  ['neighwatch mismatches --format json (first page)', ['mismatches', '--state', 'all', '--format', 'json']],
  ['neighwatch bindings (first 1000 rows)', ['bindings']],
  [`neighwatch report (30 days) --format json`, ['report', '--since', SINCE, '--until', UNTIL, '--format', 'json']],
  [`neighwatch report (30 days) --format html`, ['report', '--since', SINCE, '--until', UNTIL, '--format', 'html']],
];

const rows: string[] = [];
try {
  for (const [name, args, before] of cases) {
    timed(args); // warm the collector's and the OS's caches once
    if (BEFORE) timed(args, BEFORE);
    const samples: Sample[] = [];
    const earlier: Sample[] = [];
    for (let i = 0; i < RUNS; i++) {
      // Alternate which build goes first, so both see the same load.
      const order = i % 2 && BEFORE ? [BEFORE, ENTRY] : BEFORE ? [ENTRY, BEFORE] : [ENTRY];
      for (const entry of order) {
        before?.();
        (entry === ENTRY ? samples : earlier).push(timed(args, entry));
      }
    }
    const ms = median(samples.map((s) => s.ms));
    const cpu = median(samples.map((s) => s.cpuMs));
    const rss = Math.max(...samples.map((s) => s.maxRssKb));
    const was = (xs: number[], unit = 'ms') => (earlier.length ? `${median(xs).toFixed(0)} ${unit} → ` : '');
    rows.push(
      `| ${name} | ${was(earlier.map((s) => s.ms))}${ms.toFixed(0)} ms | ${was(earlier.map((s) => s.cpuMs))}${cpu.toFixed(0)} ms | ` +
        `${earlier.length ? `${(Math.max(...earlier.map((s) => s.maxRssKb)) / 1024).toFixed(0)} MiB → ` : ''}${(rss / 1024).toFixed(0)} MiB | ${samples[0].bytes} |`,
    );
    process.stderr.write(`${rows[rows.length - 1]}\n`);
  }
  // The calls alone, from a warm client in this process (what a long-running user such as
  // `watch` or a script pays per call, without Node's start-up).
  const api = new GrpcQueryApi(resolveConnection({ collector: address, token: READ_TOKEN, timeout: '60s' }, {}));
  const sinceUs = Date.parse(SINCE) * 1000;
  const untilUs = Date.parse(UNTIL) * 1000;
  const calls: [string, () => Promise<unknown>][] = [
    ['ListMismatches, first page of 100 (in-process call)', () => api.listMismatches({ state: 'MISMATCH_STATE_ALL', page: { limit: 100 } })],
    ['GetReport, 30 days (in-process call)', () => api.getReport({ sinceUs, untilUs })],
  ];
  for (const [name, call] of calls) {
    await call();
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = process.hrtime.bigint();
      await call();
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    rows.push(`| ${name} | ${median(times).toFixed(0)} ms | | | |`);
    process.stderr.write(`${name}: ${median(times).toFixed(0)} ms\n`);
  }
  api.close();
} finally {
  collector.kill('SIGTERM');
  rmSync(join(OUT, 'cli-query.out'), { force: true });
}

process.stdout.write(
  `Database: ${OCCURRENCES.toLocaleString('en')} occurrences over ${DAYS} days, ${BINDINGS.toLocaleString('en')} bindings (${(statSync(db).size / 2 ** 20).toFixed(0)} MiB)\n` +
    `Median of ${RUNS} runs after one warm-up; wall time of the whole CLI process.\n` +
    (BEFORE ? `Before → after: ${BEFORE} → ${ENTRY}, run alternately.\n\n` : '\n') +
    `Load average while measuring: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores.\n\n` +
    `| command | median wall time | median CPU (user+sys) | peak RSS (CLI) | stdout bytes |\n|---|---|---|---|---|\n${rows.join('\n')}\n`,
);
