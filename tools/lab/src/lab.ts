/**
 * The lab as a library: `labUp`, `labDown`, `labStatus`, `labTraffic`. The CLI
 * (`main.ts`), the demo and the tests all go through these.
 *
 * Everything the lab makes is findable from its prefix alone: namespaces are named
 * `<prefix>router|host|vm`, processes run inside them (radvd, agents), nft rules live in
 * the host namespace, and files live under `/run/neighwatch-lab/<prefix without its last
 * dash>/` (or `$NEIGHWATCH_LAB_STATE_DIR/…`). So `labDown`
 * cleans up after a crash too: it kills what runs in those namespaces and deletes them.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { ipJson, run, runIn } from './exec';
import { parsePingSummary, type PingResult } from './ping';
import { radvdConfig } from './radvd';
import { wifiBridgeRuleset } from './rules';
import { LAB_ADDRESSES, LAB_ROLES, labTopology, type LabRole, type LabTopology, type LabVariant } from './topology';

export const STATE_ROOT = process.env.NEIGHWATCH_LAB_STATE_DIR ?? '/run/neighwatch-lab';

/** How long `up` waits for an address (SLAAC normally takes well under a second here). */
const SLAAC_TIMEOUT_MS = 20_000;
const POLL_MS = 100;

export interface LabOptions {
  prefix?: string;
  variant?: LabVariant;
  /** Progress lines (the CLI prints them; tests may collect them). */
  log?: (line: string) => void;
}

interface LabState {
  prefix: string;
  variant: LabVariant;
  createdAt: string;
}

export function stateDir(prefix: string): string {
  return join(STATE_ROOT, prefix.replace(/-$/, '') || prefix);
}

async function readState(prefix: string): Promise<LabState | null> {
  try {
    return JSON.parse(await readFile(join(stateDir(prefix), 'lab.json'), 'utf8')) as LabState;
  } catch {
    return null;
  }
}

/** Namespaces whose name starts with the prefix (all of them: the lab's and any extra a test added). */
export async function namespacesWithPrefix(prefix: string): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'list']);
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0])
    .filter((name): name is string => !!name && name.startsWith(prefix));
}

async function sysctl(namespace: string, settings: Record<string, string | number>): Promise<void> {
  const args = Object.entries(settings).map(([key, value]) => `${key}=${value}`);
  await runIn(namespace, 'sysctl', ['-q', '-w', ...args]);
}

async function isHealthy(topology: LabTopology, variant: LabVariant): Promise<boolean> {
  const state = await readState(topology.prefix);
  if (!state || state.variant !== variant) return false;
  const present = await namespacesWithPrefix(topology.prefix);
  if (!LAB_ROLES.every((role) => present.includes(topology.namespaces[role]))) return false;
  return radvdRunning(topology);
}

async function radvdRunning(topology: LabTopology): Promise<boolean> {
  try {
    const pid = Number((await readFile(join(stateDir(topology.prefix), 'radvd.pid'), 'utf8')).trim());
    if (!pid) return false;
    process.kill(pid, 0);
    const { stdout } = await run('ip', ['netns', 'identify', String(pid)], { allowFailure: true });
    return stdout.trim() === topology.namespaces.router;
  } catch {
    return false;
  }
}

/**
 * Builds the lab. Idempotent: a healthy lab of the same variant is left as it is; a
 * partial one, or one of the other variant, is torn down and rebuilt.
 */
export async function labUp(options: LabOptions = {}): Promise<LabTopology> {
  const topology = labTopology(options.prefix);
  const variant = options.variant ?? 'field';
  const log = options.log ?? (() => undefined);
  if (await isHealthy(topology, variant)) {
    log(`lab ${topology.prefix} (${variant}) is already up`);
    return topology;
  }
  if ((await namespacesWithPrefix(topology.prefix)).length || existsSync(stateDir(topology.prefix))) {
    log(`lab ${topology.prefix}: removing a previous or partial lab first`);
    await labDown({ prefix: topology.prefix, log });
  }
  try {
    await build(topology, variant, log);
  } catch (error) {
    const radvdLog = await readFile(join(stateDir(topology.prefix), 'radvd.log'), 'utf8').catch(() => '');
    await labDown({ prefix: topology.prefix });
    if (radvdLog && error instanceof Error) error.message += `\nradvd.log:\n${radvdLog.trimEnd()}`;
    throw error;
  }
  return topology;
}

async function build(topology: LabTopology, variant: LabVariant, log: (line: string) => void): Promise<void> {
  const ns = topology.namespaces;
  const { routerLan, hostUplink, hostBridge, hostVmPort, vmEth } = topology.interfaces;
  const dir = stateDir(topology.prefix);
  await mkdir(dir, { recursive: true });
  const state: LabState = { prefix: topology.prefix, variant, createdAt: new Date().toISOString() };
  await writeFile(join(dir, 'lab.json'), JSON.stringify(state, null, 2) + '\n');

  for (const role of LAB_ROLES) {
    await run('ip', ['netns', 'add', ns[role]]);
    await run('ip', ['-n', ns[role], 'link', 'set', 'lo', 'up']);
    // Interfaces created below inherit these: SLAAC addresses are the modified EUI-64 of
    // the fixed MACs, no privacy addresses, so every address in a finding is predictable.
    await sysctl(ns[role], {
      'net.ipv6.conf.default.addr_gen_mode': 0,
      'net.ipv6.conf.default.use_tempaddr': 0,
      // Solicit routers as soon as the link-local address is ready (default: after up to 1 s).
      'net.ipv6.conf.default.router_solicitation_delay': 0,
      // …and again every second until an RA comes (default 4 s): radvd may still be starting.
      'net.ipv6.conf.default.router_solicitation_interval': 1,
      // No duplicate address detection: every address is unique by construction, and it
      // all happens before any agent runs. Saves ~2 s per `up` (RFC 4862 §5.4 waits 1 s per address).
      'net.ipv6.conf.default.dad_transmits': 0,
    });
  }
  await sysctl(ns.router, { 'net.ipv6.conf.all.forwarding': 1 });
  log(`namespaces ${LAB_ROLES.map((r) => ns[r]).join(', ')}`);

  // Links are created directly in their namespaces with their MACs, so no frame ever
  // leaves with a kernel-chosen address.
  await run('ip', ['link', 'add', 'name', routerLan.name, 'netns', ns.router, 'address', routerLan.mac, 'type', 'veth',
    'peer', 'name', hostUplink.name, 'netns', ns.host, 'address', hostUplink.mac]);
  await run('ip', ['link', 'add', 'name', vmEth.name, 'netns', ns.vm, 'address', vmEth.mac, 'type', 'veth',
    'peer', 'name', hostVmPort.name, 'netns', ns.host, 'address', hostVmPort.mac]);
  await run('ip', ['-n', ns.host, 'link', 'add', hostBridge.name, 'address', hostBridge.mac, 'type', 'bridge', 'stp_state', '0']);
  // Bridge ports carry no addresses of their own (else they solicit routers from their own MACs).
  await sysctl(ns.host, {
    [`net.ipv6.conf.${hostUplink.name}.disable_ipv6`]: 1,
    [`net.ipv6.conf.${hostVmPort.name}.disable_ipv6`]: 1,
  });
  await run('ip', ['-n', ns.host, 'link', 'set', hostUplink.name, 'master', hostBridge.name]);
  await run('ip', ['-n', ns.host, 'link', 'set', hostVmPort.name, 'master', hostBridge.name]);
  log(`links ${ns.router}:${routerLan.name} ⇄ ${ns.host}:${hostUplink.name} (bridge ${hostBridge.name}) ${hostVmPort.name} ⇄ ${ns.vm}:${vmEth.name}`);

  const v4 = `/${LAB_ADDRESSES.ipv4PrefixLength}`;
  await run('ip', ['-n', ns.router, 'addr', 'add', LAB_ADDRESSES.routerIPv4 + v4, 'dev', routerLan.name]);
  await run('ip', ['-n', ns.router, '-6', 'addr', 'add', `${LAB_ADDRESSES.routerIPv6}/64`, 'dev', routerLan.name, 'nodad']);
  await run('ip', ['-n', ns.host, 'addr', 'add', LAB_ADDRESSES.hostIPv4 + v4, 'dev', hostBridge.name]);
  await run('ip', ['-n', ns.vm, 'addr', 'add', LAB_ADDRESSES.vmIPv4 + v4, 'dev', vmEth.name]);

  if (variant === 'field') {
    await runIn(ns.host, 'nft', ['-f', '-'], { input: wifiBridgeRuleset(topology) });
    log(`host ${hostUplink.name}: Wi-Fi MAC NAT (${vmEth.mac} → ${hostBridge.mac}, NDP options untouched) and access-point filter`);
  } else {
    log('wired variant: no MAC rewriting on the uplink');
  }

  await run('ip', ['-n', ns.router, 'link', 'set', routerLan.name, 'up']);
  for (const name of [hostBridge.name, hostUplink.name, hostVmPort.name]) await run('ip', ['-n', ns.host, 'link', 'set', name, 'up']);
  await run('ip', ['-n', ns.vm, 'link', 'set', vmEth.name, 'up']);
  // radvd last, once every node can receive: its first, unsolicited RA then reaches all
  // of them at once (answers to solicitations are held back 3 s after any RA,
  // radvd.conf(5) MinDelayBetweenRAs, and the kernel solicits only every second).
  await waitForAddress(ns.vm, vmEth.name, LAB_ADDRESSES.vmLinkLocal);
  await waitForAddress(ns.host, hostBridge.name, LAB_ADDRESSES.hostLinkLocal);
  await waitForBridgeForwarding(ns.host, [hostUplink.name, hostVmPort.name]);
  await writeFile(join(dir, 'radvd.conf'), radvdConfig(topology));
  await runIn(ns.router, 'radvd', [
    '-C', join(dir, 'radvd.conf'), '-p', join(dir, 'radvd.pid'), '-m', 'logfile', '-l', join(dir, 'radvd.log'),
  ]);

  await waitForAddress(ns.vm, vmEth.name, LAB_ADDRESSES.vmIPv6);
  await waitForAddress(ns.host, hostBridge.name, LAB_ADDRESSES.hostIPv6);
  log(`SLAAC done: vm ${LAB_ADDRESSES.vmIPv6}, host ${LAB_ADDRESSES.hostIPv6}`);
}

interface IpAddrJson {
  ifname: string;
  address?: string;
  operstate?: string;
  master?: string;
  link_type?: string;
  addr_info?: { family: string; local: string; prefixlen: number; scope: string; tentative?: boolean; dadfailed?: boolean }[];
}

/** Waits until an IPv6 address is configured and usable (not tentative). */
async function waitForAddress(namespace: string, ifname: string, expected: string): Promise<void> {
  const deadline = Date.now() + SLAAC_TIMEOUT_MS;
  for (;;) {
    const [link] = await ipJson<IpAddrJson[]>(namespace, ['-6', 'addr', 'show', 'dev', ifname]);
    const addr = link?.addr_info?.find((a) => a.local === expected);
    if (addr && !addr.tentative) return;
    if (addr?.dadfailed) throw new Error(`${namespace}: duplicate address detection failed for ${expected}`);
    if (Date.now() > deadline) {
      throw new Error(`${namespace}: ${ifname} has no address ${expected} after ${SLAAC_TIMEOUT_MS / 1000} s (is radvd running? see radvd.log under ${STATE_ROOT})`);
    }
    await sleep(POLL_MS);
  }
}

async function waitForBridgeForwarding(namespace: string, ports: readonly string[]): Promise<void> {
  const deadline = Date.now() + SLAAC_TIMEOUT_MS;
  for (;;) {
    const { stdout } = await run('bridge', ['-n', namespace, '-j', 'link', 'show']);
    const states = new Map((JSON.parse(stdout || '[]') as { ifname: string; state: string }[]).map((l) => [l.ifname, l.state]));
    if (ports.every((port) => states.get(port) === 'forwarding')) return;
    if (Date.now() > deadline) throw new Error(`${namespace}: bridge ports ${ports.join(', ')} not forwarding after ${SLAAC_TIMEOUT_MS / 1000} s`);
    await sleep(POLL_MS);
  }
}

/**
 * Removes everything the lab with this prefix made. Idempotent, and works after a crash:
 * processes are found by namespace (not only by pid file), namespaces by prefix.
 */
export async function labDown(options: { prefix?: string; log?: (line: string) => void } = {}): Promise<string[]> {
  const topology = labTopology(options.prefix);
  const log = options.log ?? (() => undefined);
  const namespaces = await namespacesWithPrefix(topology.prefix);
  await killFromPidFiles(stateDir(topology.prefix));
  for (const namespace of namespaces) await killProcessesIn(namespace);
  for (const namespace of namespaces) {
    await run('ip', ['netns', 'del', namespace], { allowFailure: true });
  }
  await rm(stateDir(topology.prefix), { recursive: true, force: true });
  const left = await namespacesWithPrefix(topology.prefix);
  if (left.length) throw new Error(`could not delete namespaces ${left.join(', ')}`);
  log(namespaces.length ? `removed ${namespaces.join(', ')}` : `nothing to remove for prefix ${topology.prefix}`);
  return namespaces;
}

/**
 * Processes the lab started outside its namespaces (the collector, in the root
 * namespace) are found by their pid files. A pid is only signalled while its command line
 * still names neighwatch or radvd, so a recycled pid is left alone.
 */
async function killFromPidFiles(dir: string): Promise<void> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((name) => name.endsWith('.pid'));
  } catch {
    return;
  }
  const pids: number[] = [];
  for (const file of files) {
    const pid = Number((await readFile(join(dir, file), 'utf8').catch(() => '')).trim());
    if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (/neighwatch|radvd/.test(cmdline)) pids.push(pid);
  }
  await terminate(pids, async () => {
    const alive: number[] = [];
    for (const pid of pids) if (existsSync(`/proc/${pid}`)) alive.push(pid);
    return alive;
  });
}

async function terminate(initial: number[], alive: () => Promise<number[]>, graceMs = 3_000): Promise<void> {
  const signal = (list: number[], sig: NodeJS.Signals) => {
    for (const pid of list) {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    }
  };
  if (!initial.length) return;
  signal(initial, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  let list = initial;
  while ((list = await alive()).length && Date.now() < deadline) await sleep(POLL_MS);
  if (list.length) {
    signal(list, 'SIGKILL');
    await sleep(POLL_MS);
  }
}

/** Sends SIGTERM, then SIGKILL after a grace period, to the processes inside a namespace. */
export async function killProcessesIn(namespace: string, graceMs = 3_000): Promise<void> {
  const pids = async () => {
    const { stdout } = await run('ip', ['netns', 'pids', namespace], { allowFailure: true });
    return stdout.split(/\s+/).filter(Boolean).map(Number).filter((pid) => pid > 1 && pid !== process.pid);
  };
  await terminate(await pids(), pids, graceMs);
}

export interface NeighborEntry {
  dst: string;
  dev: string;
  lladdr?: string;
  state: string[];
}

export interface NamespaceStatus {
  role: LabRole;
  name: string;
  present: boolean;
  links: { name: string; mac: string; state: string; master?: string; kind?: string; addresses: string[] }[];
  neighbors: NeighborEntry[];
}

export interface LabStatus {
  prefix: string;
  variant: LabVariant | null;
  up: boolean;
  namespaces: NamespaceStatus[];
  /** Other namespaces with the prefix (e.g. added by a test). */
  extraNamespaces: string[];
  rules: string;
  radvdRunning: boolean;
}

export async function neighbors(namespace: string): Promise<NeighborEntry[]> {
  return ipJson<NeighborEntry[]>(namespace, ['neigh', 'show']);
}

export async function labStatus(options: { prefix?: string } = {}): Promise<LabStatus> {
  const topology = labTopology(options.prefix);
  const present = await namespacesWithPrefix(topology.prefix);
  const state = await readState(topology.prefix);
  const namespaces: NamespaceStatus[] = [];
  for (const role of LAB_ROLES) {
    const name = topology.namespaces[role];
    const status: NamespaceStatus = { role, name, present: present.includes(name), links: [], neighbors: [] };
    if (status.present) {
      const links = await ipJson<IpAddrJson[]>(name, ['-d', 'addr', 'show']);
      status.links = links
        .filter((l) => l.ifname !== 'lo')
        .map((l) => ({
          name: l.ifname,
          mac: l.address ?? '',
          state: l.operstate ?? '',
          master: l.master,
          addresses: (l.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}${a.tentative ? ' (tentative)' : ''}`),
        }));
      status.neighbors = await neighbors(name);
    }
    namespaces.push(status);
  }
  let rules = '';
  if (present.includes(topology.namespaces.host)) {
    rules = (await runIn(topology.namespaces.host, 'nft', ['list', 'ruleset'], { allowFailure: true })).stdout.trim();
  }
  return {
    prefix: topology.prefix,
    variant: state?.variant ?? null,
    up: namespaces.every((n) => n.present),
    namespaces,
    extraNamespaces: present.filter((name) => !LAB_ROLES.some((r) => topology.namespaces[r] === name)),
    rules,
    radvdRunning: await radvdRunning(topology),
  };
}

export function formatStatus(status: LabStatus): string {
  const lines: string[] = [];
  lines.push(`lab ${status.prefix}: ${status.up ? `up (${status.variant ?? 'unknown'} variant)` : 'down'}${status.up ? `, radvd ${status.radvdRunning ? 'running' : 'NOT running'}` : ''}`);
  for (const ns of status.namespaces) {
    lines.push('', `${ns.role} (namespace ${ns.name})${ns.present ? '' : ': absent'}`);
    for (const link of ns.links) {
      lines.push(`  ${link.name.padEnd(8)} ${link.mac}  ${link.state.padEnd(5)}${link.master ? ` port of ${link.master}` : ''}`);
      for (const addr of link.addresses) lines.push(`           ${addr}`);
    }
    if (ns.present) {
      lines.push('  neighbors:' + (ns.neighbors.length ? '' : ' (empty)'));
      for (const n of ns.neighbors) lines.push(`    ${n.dst} dev ${n.dev} ${n.lladdr ? `lladdr ${n.lladdr} ` : ''}${n.state.join(' ')}`);
    }
  }
  if (status.extraNamespaces.length) lines.push('', `other namespaces with this prefix: ${status.extraNamespaces.join(', ')}`);
  if (status.up) lines.push('', 'host nft rules:' + (status.rules ? `\n${status.rules.replace(/^/gm, '  ')}` : ' none (wired: no rewriting)'));
  return lines.join('\n');
}

export interface TrafficOptions {
  prefix?: string;
  /** Echo requests per family. */
  count?: number;
}

/** The VM pings the router over IPv4 and IPv6 after every neighbor cache is flushed. */
export async function labTraffic(options: TrafficOptions = {}): Promise<PingResult[]> {
  const topology = labTopology(options.prefix);
  const ns = topology.namespaces;
  const count = options.count ?? 3;
  const present = await namespacesWithPrefix(topology.prefix);
  const missing = LAB_ROLES.filter((role) => !present.includes(ns[role]));
  if (missing.length) {
    throw new Error(`lab ${topology.prefix} is not up (no namespace ${missing.map((r) => ns[r]).join(', ')}): run \`up --prefix ${topology.prefix}\` first`);
  }
  for (const role of LAB_ROLES) await run('ip', ['-n', ns[role], 'neigh', 'flush', 'all']);
  const ping = async (family: 'IPv4' | 'IPv6', from: string, to: string): Promise<PingResult> => {
    const args = [family === 'IPv4' ? '-4' : '-6', '-n', '-c', String(count), '-i', '0.2', '-W', '1', to];
    const result = await runIn(ns.vm, 'ping', args, { allowFailure: true, timeoutMs: 30_000 });
    const summary = parsePingSummary(result.stdout) ?? { transmitted: count, received: 0, lossPercent: 100 };
    return { family, from, to, ...summary };
  };
  return [
    await ping('IPv4', LAB_ADDRESSES.vmIPv4, LAB_ADDRESSES.routerIPv4),
    await ping('IPv6', LAB_ADDRESSES.vmIPv6, LAB_ADDRESSES.routerIPv6),
  ];
}
