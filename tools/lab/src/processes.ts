/**
 * Long-running processes of the lab (collector, agents, relay), each with its output in
 * a log file and its pid in a pid file, stopped with SIGTERM and, after a grace period,
 * SIGKILL. Agents run inside namespaces, so `labDown` finds them even after a crash.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const POLL_MS = 100;

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class ManagedProcess {
  readonly exited: Promise<ExitStatus>;
  private status: ExitStatus | null = null;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly logPath: string,
    private readonly pidFile?: string,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.status = { code, signal };
        if (pidFile) rmSync(pidFile, { force: true });
        resolve(this.status);
      });
    });
  }

  get running(): boolean {
    return this.status === null;
  }

  /** The last lines of the log, for error messages. */
  tail(lines = 20): string {
    try {
      return readFileSync(this.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  log(): string {
    try {
      return readFileSync(this.logPath, 'utf8');
    } catch {
      return '';
    }
  }

  /** Waits until the log matches, failing early (with the log's tail) if the process exits. */
  async waitForLog(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.log().match(pattern);
      if (match) return match;
      if (!this.running) throw new Error(`${this.name} exited (${describeExit(this.status)}) before logging ${pattern}:\n${this.tail()}`);
      if (Date.now() > deadline) throw new Error(`${this.name} did not log ${pattern} within ${timeoutMs / 1000} s:\n${this.tail()}`);
      await sleep(POLL_MS);
    }
  }

  async stop(graceMs = 5_000): Promise<ExitStatus> {
    if (!this.running) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const status = await this.exited;
    clearTimeout(timer);
    return status;
  }
}

function describeExit(status: ExitStatus | null): string {
  if (!status) return 'running';
  return status.signal ? `signal ${status.signal}` : `exit code ${status.code}`;
}

export interface SpawnOptions {
  logPath: string;
  pidFile?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export function spawnLogged(name: string, command: string, args: readonly string[], options: SpawnOptions): ManagedProcess {
  const fd = openSync(options.logPath, 'a');
  try {
    const child = spawn(command, args, { stdio: ['ignore', fd, fd], env: options.env, cwd: options.cwd });
    if (options.pidFile && child.pid) writeFileSync(options.pidFile, `${child.pid}\n`);
    return new ManagedProcess(name, child, options.logPath, options.pidFile);
  } finally {
    closeSync(fd);
  }
}

/** The environment without NEIGHWATCH_* variables, so generated config files are what counts. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('NEIGHWATCH_')) env[key] = value;
  return { ...env, ...extra };
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port. */
export async function waitForPort(port: number, timeoutMs: number, process?: ManagedProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (process && !process.running) throw new Error(`${process.name} exited before listening on 127.0.0.1:${port}:\n${process.tail()}`);
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs / 1000} s${process ? `:\n${process.tail()}` : ''}`);
    await sleep(POLL_MS);
  }
}

/** Whether nothing listens on 127.0.0.1:port (we could bind it). */
export async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A free TCP port on loopback (bound, read, released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Byte relay from a unix socket to the collector's loopback port. A unix socket is a
 * file, reachable from every network namespace, so agents inside the lab reach a
 * collector that listens on loopback only (no address outside the lab, no TLS exception).
 * When the collector goes away, the relay closes the agents' connections and they
 * reconnect, exactly as they would to the collector itself.
 */
export class UnixRelay {
  private constructor(
    private readonly server: Server,
    private readonly connections: Set<Socket>,
    readonly path: string,
  ) {}

  static async start(path: string, port: number): Promise<UnixRelay> {
    rmSync(path, { force: true });
    const connections = new Set<Socket>();
    const server = createServer((client) => {
      const upstream = connect({ host: '127.0.0.1', port });
      const closeBoth = () => {
        client.destroy();
        upstream.destroy();
      };
      for (const socket of [client, upstream]) {
        connections.add(socket);
        socket.once('error', closeBoth).once('close', () => {
          connections.delete(socket);
          closeBoth();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
    return new UnixRelay(server, connections, path);
  }

  /** The agents' `collector` setting. */
  get uri(): string {
    return `unix://${this.path}`;
  }

  async close(): Promise<void> {
    for (const socket of this.connections) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.path, { force: true });
  }
}
