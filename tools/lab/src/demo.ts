/**
 * `npm run demo`: the field case, end to end, in one command (tools/demo.sh runs the
 * bootstrap, then this). Builds the lab, runs a collector and one agent per node, lets
 * the VM ping the router, waits until neighwatch has stored its findings, prints them
 * with a plain-words conclusion, writes an HTML report, stops everything and leaves the
 * database for further queries.
 *
 *   npx tsx tools/lab/src/demo.ts [--wired] [--dir demo] [--prefix nwdemo-] [--port 50051]
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

import { FIELD_KINDS } from './expectations';
import { labDown, labStatus, labTraffic, labUp, neighbors } from './lab';
import { formatPingResults, type PingResult } from './ping';
import { freePort, portIsFree } from './processes';
import { LabStack } from './stack';
import { conclusion, toMismatchView, toNodeView } from './story';
import { LAB_ADDRESSES, LAB_ROLES, labTopology, type LabVariant } from './topology';

const NODES_TIMEOUT_MS = 60_000;
const FINDINGS_TIMEOUT_MS = 90_000;
const DEFAULT_PORT = 50051;

interface DemoArgs {
  variant: LabVariant;
  dir: string;
  prefix: string;
  port?: number;
}

function parseDemoArgs(argv: readonly string[]): DemoArgs {
  const args: DemoArgs = { variant: 'field', dir: 'demo', prefix: 'nwdemo-' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (!v) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--wired') args.variant = 'wired';
    else if (arg === '--dir') args.dir = value();
    else if (arg === '--prefix') args.prefix = value();
    else if (arg === '--port') args.port = Number(value());
    else throw new Error(`unexpected argument ${JSON.stringify(arg)} (usage: demo [--wired] [--dir DIR] [--prefix P] [--port N])`);
  }
  return args;
}

const out = (text = '') => process.stdout.write(`${text}\n`);
/** Bold headings on a terminal only, and never with NO_COLOR set (https://no-color.org). */
const bold = process.stdout.isTTY && !process.env.NO_COLOR;
const step = (text: string) => process.stdout.write(bold ? `\n\x1b[1m== ${text}\x1b[0m\n` : `\n== ${text}\n`);
const note = (text: string) => process.stderr.write(`   ${text}\n`);

async function portFor(requested: number | undefined): Promise<number> {
  if (requested) return requested;
  return (await portIsFree(DEFAULT_PORT)) ? DEFAULT_PORT : freePort();
}

function printPings(pings: readonly PingResult[]): void {
  out(formatPingResults(pings));
  const v4 = pings.find((p) => p.family === 'IPv4');
  const v6 = pings.find((p) => p.family === 'IPv6');
  out(`\n   IPv4 from vm to router: ${v4?.lossPercent} % loss; IPv6: ${v6?.lossPercent} % loss`);
}

async function printRouterNeighbors(prefix: string): Promise<void> {
  const topology = labTopology(prefix);
  const table = await neighbors(topology.namespaces.router);
  out(`   the router's neighbor table (ip neigh in ${topology.namespaces.router}):`);
  for (const n of table.filter((e) => e.dst === LAB_ADDRESSES.vmIPv4 || e.dst === LAB_ADDRESSES.vmIPv6)) {
    out(`     ${n.dst.padEnd(30)} → ${n.lladdr ?? '(none)'}  ${n.state.join(' ')}`);
  }
}

async function fullRun(args: DemoArgs): Promise<void> {
  const dir = resolve(args.dir);
  const shown = relative(process.cwd(), dir) || '.';
  // A fresh start: the previous demo's database, spools and logs go; but never a
  // directory the demo did not make.
  if (existsSync(dir) && readdirSync(dir).length && !existsSync(join(dir, 'collector.yaml'))) {
    throw new Error(`${shown}/ exists and is not a demo directory (no collector.yaml): choose another with --dir`);
  }
  rmSync(dir, { recursive: true, force: true });
  const topology = labTopology(args.prefix);

  step(`1. The lab (${args.variant} variant): namespaces ${LAB_ROLES.map((r) => topology.namespaces[r]).join(', ')}`);
  await labUp({ prefix: args.prefix, variant: args.variant, log: note });
  const stack = await LabStack.create({ topology, dir, port: await portFor(args.port) });
  const stopAll = async () => {
    await stack.stop();
    await labDown({ prefix: args.prefix, log: note });
  };
  const onSignal = () => {
    void stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    const status = await labStatus({ prefix: args.prefix });
    for (const ns of status.namespaces) {
      out(`   ${ns.role.padEnd(6)} ${ns.links.map((l) => `${l.name} ${l.mac}`).join(', ')}`);
    }
    out(args.variant === 'field' ? `   host: the uplink rewrites the VM's MAC to the host's (like a Wi-Fi adapter in bridge mode)` : '   host: a plain bridge (like a wired adapter)');

    step(`2. neighwatch: a collector (database ${relative(process.cwd(), stack.files.database)}) and an agent in each namespace`);
    await stack.startCollector();
    stack.startAgents();
    await stack.waitForAgentsReady(NODES_TIMEOUT_MS);
    out(`   agents connected: ${LAB_ROLES.join(', ')}`);

    step('3. The VM pings the router (neighbor caches flushed first, so ARP and NDP happen)');
    const pings = await labTraffic({ prefix: args.prefix });
    printPings(pings);
    await printRouterNeighbors(args.prefix);

    step('4. What neighwatch found');
    if (args.variant === 'field') {
      out(`   waiting until the collector has stored ${FIELD_KINDS.join(', ')}`);
      out(`   (PHANTOM_LLADDR takes about 10 s: it says no frame came from a MAC for that long) …`);
      await stack.waitForKinds(FIELD_KINDS, FINDINGS_TIMEOUT_MS);
    }
    // Stopped agents have had everything they captured acknowledged, hence stored.
    await stack.stopAgents();
    const rows = await stack.mismatches();
    const table = await stack.cli(['mismatches']);
    out(`$ neighwatch mismatches\n${table.stdout.trimEnd()}`);

    const report = join(dir, 'report.html');
    const html = await stack.cli(['report', '--format', 'html', '-o', report]);
    if (html.code !== 0) note(`report failed: ${html.stderr.trim()}`);

    step('5. In plain words');
    const nodes = (await stack.nodes()).map(toNodeView);
    for (const line of conclusion(pings, rows.map((r) => toMismatchView(r)), nodes)) out(line);

    step('Done');
    if (html.code === 0) out(`   HTML report: ${relative(process.cwd(), report)}`);
    out(`   The database stays in ${shown}/. To query it again:`);
    out(`     node bin/neighwatch-collector.js --config ${shown}/collector.yaml &`);
    out(`     set -a; . ${shown}/cli.env; set +a     # the collector's address and the read token`);
    out(`     npx neighwatch mismatches              # or: nodes, bindings, report --format html -o report.html`);
    out(`     kill %1                                # stops that collector`);
  } catch (error) {
    process.stderr.write(`\ndemo failed: ${(error as Error).message}\n\nlogs: ${shown}/logs/\n`);
    throw error;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    await stopAll();
  }
}

async function main(): Promise<void> {
  const args = parseDemoArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) throw new Error('the demo builds network namespaces: run it as root');
  await fullRun(args);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
