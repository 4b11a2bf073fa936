/**
 * neighwatch running on a lab: a collector (root namespace, loopback, SQLite file), a
 * relay socket that brings it into the namespaces, one agent per lab node, and the CLI
 * to query it. Used by the demo and by the end-to-end tests.
 *
 *   const stack = await LabStack.create({ topology, dir });
 *   await stack.startCollector();
 *   await stack.startAgents();
 *   await stack.waitForNodes(['router', 'host', 'vm']);
 *   …labTraffic…
 *   await stack.waitForKinds(['LLADDR_MISMATCH', …]);
 *   await stack.stop();
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import { captureInterfaces, generateTokens, renderAgentConfig, renderCollectorConfig, renderTokensFile, type Tokens } from './configs';
import { run, type CommandResult } from './exec';
import { stateDir } from './lab';
import { cleanEnv, freePort, ManagedProcess, spawnLogged, UnixRelay, waitForPort } from './processes';
import { LAB_ROLES, type LabRole, type LabTopology } from './topology';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = {
  agent: join(REPO_ROOT, 'bin/neighwatch-agent.js'),
  collector: join(REPO_ROOT, 'bin/neighwatch-collector.js'),
  cli: join(REPO_ROOT, 'bin/neighwatch.cjs'),
};

const COLLECTOR_START_TIMEOUT_MS = 30_000;
const POLL_MS = 250;

export interface LabStackOptions {
  topology: LabTopology;
  /** Where configs, tokens, the database, spools and logs go (created). */
  dir: string;
  /** Collector port on 127.0.0.1; default: a free one. */
  port?: number;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

export interface AgentFiles {
  node: string;
  role: LabRole;
  namespace: string;
  config: string;
  log: string;
  spoolDir: string;
}

/** One mismatch as `neighwatch mismatches --format json` prints it (only the fields the lab reads are typed). */
export interface MismatchRow {
  kind: string;
  [field: string]: unknown;
}

export class LabStack {
  readonly agents = new Map<string, ManagedProcess>();
  collector: ManagedProcess | null = null;
  private relay: UnixRelay | null = null;

  private constructor(
    readonly topology: LabTopology,
    readonly dir: string,
    readonly port: number,
    readonly tokens: Tokens,
    readonly files: { collectorConfig: string; tokensFile: string; database: string; collectorLog: string; socket: string },
    readonly agentFiles: Record<LabRole, AgentFiles>,
    private readonly logLevel: string,
  ) {}

  /** Writes every config file (tokens generated fresh, files holding them 0600). */
  static async create(options: LabStackOptions): Promise<LabStack> {
    const { topology } = options;
    const dir = resolve(options.dir);
    const logLevel = options.logLevel ?? 'info';
    mkdirSync(join(dir, 'logs'), { recursive: true });
    const port = options.port ?? (await freePort());
    const tokens = generateTokens(LAB_ROLES);
    const files = {
      collectorConfig: join(dir, 'collector.yaml'),
      tokensFile: join(dir, 'tokens.yaml'),
      database: join(dir, 'neighwatch.db'),
      collectorLog: join(dir, 'logs', 'collector.log'),
      socket: join(stateDir(topology.prefix), 'collector.sock'),
    };
    writeSecret(files.tokensFile, renderTokensFile(tokens));
    writeSecret(join(dir, 'cli.env'), `NEIGHWATCH_COLLECTOR=127.0.0.1:${port}\nNEIGHWATCH_TOKEN=${tokens.read}\n`);
    writeFileSync(
      files.collectorConfig,
      renderCollectorConfig({ listen: `127.0.0.1:${port}`, database: files.database, tokensFile: files.tokensFile, logLevel }),
    );
    const interfaces = captureInterfaces(topology);
    const agentFiles = {} as Record<LabRole, AgentFiles>;
    for (const role of LAB_ROLES) {
      agentFiles[role] = LabStack.writeAgentFiles(dir, topology, role, role, tokens.agents[role], `unix://${files.socket}`, interfaces[role], logLevel);
    }
    return new LabStack(topology, dir, port, tokens, files, agentFiles, logLevel);
  }

  private static writeAgentFiles(
    dir: string,
    topology: LabTopology,
    role: LabRole,
    node: string,
    token: string,
    collector: string,
    interfaces: string[],
    logLevel: string,
  ): AgentFiles {
    const agentDir = join(dir, 'agents', node);
    const spoolDir = join(agentDir, 'spool');
    mkdirSync(spoolDir, { recursive: true });
    const tokenFile = join(agentDir, 'token');
    writeSecret(tokenFile, `${token}\n`);
    const config = join(agentDir, 'agent.yaml');
    writeFileSync(config, renderAgentConfig({ node, collector, tokenFile, spoolDir, interfaces, logLevel }));
    return { node, role, namespace: topology.namespaces[role], config, log: join(dir, 'logs', `agent-${node}.log`), spoolDir };
  }

  /** Environment for the CLI: where the collector is and the read token. */
  get cliEnv(): Record<string, string> {
    return { NEIGHWATCH_COLLECTOR: `127.0.0.1:${this.port}`, NEIGHWATCH_TOKEN: this.tokens.read };
  }

  async startCollector(): Promise<ManagedProcess> {
    if (this.collector?.running) return this.collector;
    mkdirSync(stateDir(this.topology.prefix), { recursive: true });
    const collector = spawnLogged('neighwatch-collector', process.execPath, [BIN.collector, '--config', this.files.collectorConfig], {
      logPath: this.files.collectorLog,
      // In the lab's state directory: `lab down` stops it even if this process crashed.
      pidFile: join(stateDir(this.topology.prefix), 'collector.pid'),
      env: cleanEnv(),
      cwd: REPO_ROOT,
    });
    this.collector = collector;
    await waitForPort(this.port, COLLECTOR_START_TIMEOUT_MS, collector);
    if (!this.relay) {
      mkdirSync(dirname(this.files.socket), { recursive: true });
      this.relay = await UnixRelay.start(this.files.socket, this.port);
    }
    return collector;
  }

  async stopCollector(): Promise<void> {
    await this.collector?.stop();
  }

  /** Starts the agent of one lab node inside its namespace. */
  startAgent(role: LabRole, files: AgentFiles = this.agentFiles[role]): ManagedProcess {
    const existing = this.agents.get(files.node);
    if (existing?.running) return existing;
    const agent = spawnLogged(
      `neighwatch-agent ${files.node}`,
      'ip',
      ['netns', 'exec', files.namespace, process.execPath, BIN.agent, '--config', files.config],
      { logPath: files.log, pidFile: join(stateDir(this.topology.prefix), `agent-${files.node}.pid`), env: cleanEnv(), cwd: REPO_ROOT },
    );
    this.agents.set(files.node, agent);
    return agent;
  }

  startAgents(): ManagedProcess[] {
    return LAB_ROLES.map((role) => this.startAgent(role));
  }

  /**
   * An agent with its own name and a token the collector does not know, in a lab
   * namespace: what an impostor or a misconfigured node looks like.
   */
  startAgentWithToken(role: LabRole, node: string, token: string): ManagedProcess {
    const files = LabStack.writeAgentFiles(
      this.dir,
      this.topology,
      role,
      node,
      token,
      `unix://${this.files.socket}`,
      captureInterfaces(this.topology)[role],
      this.logLevel,
    );
    return this.startAgent(role, files);
  }

  async stopAgents(): Promise<void> {
    await Promise.all([...this.agents.values()].map((agent) => agent.stop()));
  }

  /** Runs the built CLI with the collector's address and read token. */
  async cli(args: readonly string[], timeoutMs = 30_000): Promise<CommandResult> {
    return run(process.execPath, [BIN.cli, ...args], { env: cleanEnv(this.cliEnv), allowFailure: true, timeoutMs });
  }

  /** `neighwatch <args> --format json`, parsed; throws with the CLI's stderr on failure. */
  async cliJson<T>(args: readonly string[]): Promise<T> {
    const result = await this.cli([...args, '--format', 'json']);
    if (result.code !== 0) throw new Error(`neighwatch ${args.join(' ')} failed (exit ${result.code}): ${result.stderr.trim()}`);
    return JSON.parse(result.stdout) as T;
  }

  async mismatches(): Promise<MismatchRow[]> {
    return rowsOf<MismatchRow>(await this.cliJson<unknown>(['mismatches']), 'mismatches');
  }

  async nodes(): Promise<Record<string, unknown>[]> {
    return rowsOf<Record<string, unknown>>(await this.cliJson<unknown>(['nodes']), 'nodes');
  }

  /** Polls `neighwatch nodes` until every named node is connected to the collector. */
  async waitForNodes(names: readonly string[], timeoutMs: number): Promise<Record<string, unknown>[]> {
    return this.poll(
      async () => {
        const nodes = await this.nodes().catch(() => []);
        const connected = new Set(nodes.filter((n) => n.connected === true).map(nodeName));
        return names.every((n) => connected.has(n)) ? nodes : null;
      },
      timeoutMs,
      () => `nodes ${names.join(', ')} did not all connect`,
    );
  }

  /**
   * Polls `neighwatch nodes` until every named node has stored observations and the
   * counts have not moved for `quietMs`: what the agents captured is committed.
   */
  async waitForSettled(names: readonly string[], quietMs: number, timeoutMs: number): Promise<Record<string, number>> {
    let last = '';
    let since = Date.now();
    return this.poll(
      async () => {
        const counts = Object.fromEntries((await this.nodes().catch(() => [])).map((n) => [nodeName(n), observationCount(n)]));
        const key = JSON.stringify(counts);
        if (key !== last) {
          last = key;
          since = Date.now();
          return null;
        }
        return names.every((n) => (counts[n] ?? 0) > 0) && Date.now() - since >= quietMs ? counts : null;
      },
      timeoutMs,
      () => `observation counts did not settle (last: ${last})`,
    );
  }

  /**
   * Ready to observe: every lab agent is connected (`neighwatch nodes`) and has logged
   * "capture started" for each of its interfaces, so no frame of the traffic that
   * follows is missed.
   */
  async waitForAgentsReady(timeoutMs: number): Promise<void> {
    await this.waitForNodes(LAB_ROLES, timeoutMs);
    const interfaces = captureInterfaces(this.topology);
    for (const role of LAB_ROLES) {
      const agent = this.agents.get(role);
      if (!agent) throw new Error(`no agent started for ${role}`);
      for (const iface of interfaces[role]) {
        await agent.waitForLog(new RegExp(`"msg":"capture started"[^\\n]*"interface":"${iface}"`), timeoutMs);
      }
    }
  }

  /** Polls `neighwatch mismatches` until every kind is stored; returns the rows. */
  async waitForKinds(kinds: readonly string[], timeoutMs: number): Promise<MismatchRow[]> {
    let last: MismatchRow[] = [];
    return this.poll(
      async () => {
        last = await this.mismatches().catch(() => last);
        const present = new Set(last.map((m) => m.kind));
        return kinds.every((k) => present.has(k)) ? last : null;
      },
      timeoutMs,
      () => `mismatch kinds missing: ${kinds.filter((k) => !last.some((m) => m.kind === k)).join(', ')} (have: ${[...new Set(last.map((m) => m.kind))].join(', ') || 'none'})`,
    );
  }

  private async poll<T>(probe: () => Promise<T | null>, timeoutMs: number, what: () => string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== null) return value;
      if (this.collector && !this.collector.running) throw new Error(`${this.collector.name} exited:\n${this.collector.tail()}`);
      if (Date.now() > deadline) throw new Error(`${what()} within ${timeoutMs / 1000} s\n${this.diagnostics()}`);
      await sleep(POLL_MS);
    }
  }

  /** Tails of every log, for a failure message. */
  diagnostics(): string {
    const parts = [this.collector, ...this.agents.values()]
      .filter((p): p is ManagedProcess => !!p)
      .map((p) => `--- ${p.name} (${p.running ? 'running' : 'exited'}), ${p.logPath}:\n${p.tail(15)}`);
    return parts.join('\n');
  }

  /** Stops agents, the relay and the collector; the database and the logs stay. */
  async stop(): Promise<void> {
    await this.stopAgents();
    await this.relay?.close();
    this.relay = null;
    await this.stopCollector();
  }
}

export function nodeName(row: Record<string, unknown>): string {
  return String(row.name ?? row.node ?? row.nodeName ?? '');
}

/** What an agent said when it stopped (its last "agent stopped" log line). */
export function agentFinalCounts(agent: ManagedProcess): { acked: number; unacknowledged: number; spooled: number } | null {
  const lines = agent.log().split('\n').filter((line) => line.includes('"agent stopped"'));
  if (!lines.length) return null;
  const entry = JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
  return { acked: Number(entry.acked), unacknowledged: Number(entry.unacknowledged), spooled: Number(entry.spooled) };
}

export function observationCount(row: Record<string, unknown>): number {
  return Number(row.observations ?? row.observationCount ?? 0);
}

/** The CLI's JSON is a list, or an object holding the list under `key`. */
function rowsOf<T>(json: unknown, key: string): T[] {
  if (Array.isArray(json)) return json as T[];
  if (json && typeof json === 'object' && Array.isArray((json as Record<string, unknown>)[key])) return (json as Record<string, T[]>)[key];
  throw new Error(`unexpected JSON from neighwatch ${key}: ${JSON.stringify(json).slice(0, 200)}`);
}

function writeSecret(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** Builds the three binaries from the current sources (esbuild, ~1 s each). */
export async function buildBinaries(): Promise<void> {
  for (const app of ['agent', 'collector', 'cli']) await run(process.execPath, [join(REPO_ROOT, 'tools/build.mjs'), app], { timeoutMs: 120_000 });
}
