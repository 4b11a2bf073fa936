/**
 * System-test harness: network namespaces joined by veth pairs, the built agent binary
 * spawned inside one of them, frames sent from the other. Every namespace is prefixed
 * with this run's id and deleted in `cleanup()` (called from afterEach).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const AGENT_BIN = join(ROOT, 'bin/neighwatch-agent.js');
export const SEND_FRAMES = fileURLToPath(new URL('./send-frames.mjs', import.meta.url));
/** Unique per test run, short: namespace names show up in error messages. */
export const RUN_ID = `nwa${process.pid}`;

let counter = 0;

export function sh(args: string[], input?: string): string {
  return execFileSync(args[0], args.slice(1), { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

export function buildAgent(): void {
  execFileSync(process.execPath, ['tools/build.mjs', 'agent'], { cwd: ROOT, stdio: 'inherit' });
}

/**
 * Builds the self-contained agent tarball (tools/bundle-agent.sh) into `dir` and extracts it
 * to `dir`/opt, as an operator would to /opt; returns the extracted directory. Also how a test
 * runs the agent as another user: the checkout may sit in a directory only root can enter.
 */
export function extractAgentBundle(dir: string): string {
  const tarball = join(dir, 'agent.tar.gz');
  execFileSync('bash', [join(ROOT, 'tools/bundle-agent.sh'), tarball], { cwd: ROOT, stdio: 'pipe' });
  const extracted = join(dir, 'opt');
  mkdirSync(extracted, { recursive: true });
  chmodSync(extracted, 0o755);
  execFileSync('tar', ['-C', extracted, '-xzf', tarball]);
  const [name] = readdirSync(extracted);
  return join(extracted, name);
}

export interface AgentProcess {
  child: ChildProcess;
  /** Parsed JSON log lines so far. */
  logs: Record<string, unknown>[];
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLog(predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number, what?: string): Promise<Record<string, unknown>>;
}

export class Lab {
  readonly namespaces: string[] = [];
  readonly dir: string;
  private readonly children: ChildProcess[] = [];
  readonly id = `${RUN_ID}-${++counter}`;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), `${this.id}-`));
    chmodSync(this.dir, 0o755);
  }

  /** A namespace with loopback up. */
  netns(role: string): string {
    const name = `${this.id}-${role}`;
    sh(['ip', 'netns', 'add', name]);
    this.namespaces.push(name);
    sh(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
    return name;
  }

  /** A veth pair `a`(in nsA) — `b`(in nsB), both up, with IPv4/IPv6 documentation addresses (no DAD). */
  link(nsA: string, a: string, nsB: string, b: string, addrA?: [string, string], addrB?: [string, string]): void {
    sh(['ip', '-n', nsA, 'link', 'add', a, 'type', 'veth', 'peer', 'name', b, 'netns', nsB]);
    for (const [ns, dev, addrs] of [
      [nsA, a, addrA],
      [nsB, b, addrB],
    ] as const) {
      if (addrs) {
        sh(['ip', '-n', ns, 'addr', 'add', addrs[0], 'dev', dev]);
        sh(['ip', '-n', ns, 'addr', 'add', addrs[1], 'dev', dev, 'nodad']);
      }
      sh(['ip', '-n', ns, 'link', 'set', dev, 'up']);
    }
  }

  exec(ns: string, args: string[], input?: string): string {
    return sh(['ip', 'netns', 'exec', ns, ...args], input);
  }

  mac(ns: string, dev: string): string {
    const [link] = JSON.parse(this.exec(ns, ['ip', '-j', 'link', 'show', dev])) as { address: string }[];
    return link.address;
  }

  /** Writes frames (hex, one per line) on `dev` in `ns` with cap's send(). */
  send(ns: string, dev: string, frames: Uint8Array[], count?: number, rate?: number): { sent: number; seconds: number } {
    const file = join(this.dir, `frames-${Date.now()}-${Math.random().toString(36).slice(2)}.hex`);
    writeFileSync(file, frames.map((f) => Buffer.from(f).toString('hex')).join('\n') + '\n');
    const out = this.exec(ns, [process.execPath, SEND_FRAMES, dev, file, ...(count ? [String(count)] : []), ...(rate ? [String(rate)] : [])]);
    return JSON.parse(out) as { sent: number; seconds: number };
  }

  /** Starts the built agent inside `ns` (optionally through a wrapper such as setpriv). */
  agent(ns: string, args: string[], options: { wrapper?: string[]; env?: Record<string, string>; bin?: string; cwd?: string; nodeArgs?: string[] } = {}): AgentProcess {
    const child = spawn('ip', ['netns', 'exec', ns, ...(options.wrapper ?? []), process.execPath, ...(options.nodeArgs ?? []), options.bin ?? AGENT_BIN, ...args], {
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.push(child);
    const logs: Record<string, unknown>[] = [];
    const stderr: string[] = [];
    const waiters: (() => void)[] = [];
    let pending = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => {
      pending += text;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        stderr.push(line);
        try {
          logs.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // not a log line (e.g. a config error message)
        }
        if (process.env.NW_TEST_VERBOSE) process.stderr.write(`[agent] ${line}\n`);
      }
      for (const w of waiters.splice(0)) w();
    });
    child.stdout!.resume();
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const waitForLog = (predicate: (line: Record<string, unknown>) => boolean, timeoutMs = 15_000, what = 'log line') =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`agent: no ${what} within ${timeoutMs} ms; stderr:\n${stderr.slice(-30).join('\n')}`)), timeoutMs);
        const check = () => {
          const found = logs.find(predicate);
          if (found) {
            clearTimeout(timer);
            resolve(found);
          } else waiters.push(check);
        };
        check();
      });
    return { child, logs, stderr, exited, waitForLog };
  }

  /** GET /metrics from inside `ns`, parsed into `name{labels}` → value. */
  metrics(ns: string, port: number): Map<string, number> {
    const text = this.exec(ns, [process.execPath, '-e', `fetch('http://127.0.0.1:${port}/metrics').then(r => r.text()).then(t => process.stdout.write(t))`]);
    const out = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const at = line.lastIndexOf(' ');
      out.set(line.slice(0, at), Number(line.slice(at + 1)));
    }
    return out;
  }

  /** Kills what it started, deletes its namespaces and files. Safe to call twice. */
  async cleanup(): Promise<void> {
    for (const child of this.children) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await new Promise((resolve) => child.once('exit', resolve));
      }
    }
    for (const ns of this.namespaces.splice(0)) {
      try {
        // Processes still inside (a probe, a sender) would keep the namespace's devices alive.
        for (const pid of sh(['ip', 'netns', 'pids', ns]).split('\n').filter(Boolean)) {
          try {
            process.kill(Number(pid), 'SIGKILL');
          } catch {
            // already gone
          }
        }
        sh(['ip', 'netns', 'del', ns]);
      } catch {
        // already deleted
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Sum of a metric over all label sets whose text includes `filter`. */
export function metricSum(metrics: Map<string, number>, name: string, filter = ''): number {
  let total = 0;
  for (const [key, value] of metrics) if ((key === name || key.startsWith(`${name}{`)) && key.includes(filter)) total += value;
  return total;
}
