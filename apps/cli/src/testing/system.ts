/**
 * System-test harness for the CLI: the real collector binary on a temp SQLite file, fed
 * through its real Ingest stream by scripted agents (frames built with libs/packet's
 * encoders, classified by the same code the agent runs), and the real `neighwatch`
 * binary run against it. Readiness is the collector's "listening" log line, never a sleep.
 */
import * as grpc from '@grpc/grpc-js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ingestService, ipBytes, macBytes, observationOf as observationFromFrame, type AgentMessage, type CollectorMessage__Output, type Interface, type Observation } from '@neighwatch/proto';

export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const CLI = join(ROOT, 'bin/neighwatch.cjs');
export const COLLECTOR = join(ROOT, 'bin/neighwatch-collector.js');

export const TOKENS = { vm: 'cli-test-vm-token-0001', host: 'cli-test-host-token-002', router: 'cli-test-router-token-3', read: 'cli-test-read-token-004' };

export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'nw-cli-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export class Collector {
  private lines: Record<string, unknown>[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<number | null>;
  address = '';

  constructor(readonly child: ChildProcess) {
    let buffer = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      buffer += chunk;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const text = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        this.stderr.push(text);
        try {
          this.lines.push(JSON.parse(text));
          this.emitLine();
        } catch {
          /* not a log line */
        }
      }
    });
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  private listeners: (() => void)[] = [];
  private emitLine() {
    for (const l of this.listeners) l();
  }

  waitFor(msg: string): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const line = this.lines.find((l) => l.msg === msg);
        if (line) {
          this.listeners = this.listeners.filter((l) => l !== check);
          resolve(line);
        }
      };
      this.listeners.push(check);
      check();
      void this.exited.then((code) => reject(new Error(`collector exited (${code}) before "${msg}":\n${this.stderr.join('\n')}`)));
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }
}

/** Starts the collector binary; `listen` 127.0.0.1:0 picks a free port (read back from its log). */
export async function startCollector(dir: string, listen = '127.0.0.1:0', extraArgs: string[] = []): Promise<Collector> {
  const tokensFile = join(dir, 'tokens.json');
  writeFileSync(tokensFile, JSON.stringify({ agents: { vm: TOKENS.vm, host: TOKENS.host, router: TOKENS.router }, readTokens: [TOKENS.read] }));
  const child = spawn(
    process.execPath,
    [COLLECTOR, '--listen', listen, '--metrics-listen', 'off', '--tokens-file', tokensFile, '--database', join(dir, 'neighwatch.db'), '--log-format', 'json', '--heartbeat-interval', '1s', ...extraArgs],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const collector = new Collector(child);
  const listening = await collector.waitFor('listening');
  collector.address = String(listening.address);
  return collector;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `neighwatch` binary to completion. */
export function runCli(args: string[], env: Record<string, string> = {}, input?: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

// ---- agents ----

/** An Observation as the agent sends it: the frame decoded and classified by libs/packet. */
export function observationOf(frame: Uint8Array, sequence: number, timeUs: number, iface: string, direction: 'sent' | 'received'): Observation {
  return observationFromFrame(frame, { sequence, timeUs, iface, direction });
}

export interface InterfaceSpec {
  name: string;
  mac: string;
  kind: 'physical' | 'wireless' | 'bridge' | 'veth' | 'tap';
  bridgeMaster?: string;
  addresses?: string[]; // "192.0.2.10/24"
}

export function interfaceOf(spec: InterfaceSpec, index: number): Interface {
  return {
    name: spec.name,
    index,
    mac: macBytes(spec.mac),
    kind: `INTERFACE_KIND_${spec.kind.toUpperCase()}` as Interface['kind'],
    bridgeMaster: spec.bridgeMaster ?? '',
    up: true,
    mtu: 1500,
    addresses: (spec.addresses ?? []).map((a) => {
      const [ip, prefix] = a.split('/');
      return { ip: ipBytes(ip), prefixLength: Number(prefix) };
    }),
  };
}

/** One agent: an Ingest stream with the node's token; every batch waits for its Ack. */
export class Agent {
  private readonly client: grpc.Client;
  private readonly call: grpc.ClientDuplexStream<AgentMessage, CollectorMessage__Output>;
  private readonly received: CollectorMessage__Output[] = [];
  private waiters: { match: (m: CollectorMessage__Output) => boolean; resolve: () => void; reject: (e: Error) => void }[] = [];
  private sequence = 1;

  constructor(
    address: string,
    readonly node: keyof typeof TOKENS,
  ) {
    const Ingest = ingestService();
    this.client = new Ingest(address, grpc.credentials.createInsecure());
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${TOKENS[node]}`);
    this.call = (this.client as unknown as { stream(md: grpc.Metadata): grpc.ClientDuplexStream<AgentMessage, CollectorMessage__Output> }).stream(md);
    this.call.on('data', (m: CollectorMessage__Output) => {
      this.received.push(m);
      this.check();
    });
    this.call.on('error', (error: grpc.ServiceError) => {
      for (const w of this.waiters) w.reject(new Error(`${node}: ingest stream failed: ${error.details}`));
      this.waiters = [];
    });
  }

  private check() {
    this.waiters = this.waiters.filter((w) => {
      if (!this.received.some(w.match)) return true;
      w.resolve();
      return false;
    });
  }

  private until(match: (m: CollectorMessage__Output) => boolean, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const rejection = (m: CollectorMessage__Output) => m.body === 'rejection';
      this.waiters.push({
        match: (m) => match(m) || rejection(m),
        resolve: () => {
          const r = this.received.find(rejection);
          if (r) reject(new Error(`${this.node}: ${what} rejected: ${r.rejection?.message}`));
          else resolve();
        },
        reject,
      });
      this.check();
    });
  }

  async hello(): Promise<void> {
    this.call.write({ hello: { node: this.node, agentVersion: '0.1.0', os: 'Linux 6.18.0 x86_64', bootId: `boot-${this.node}`, agentTimeUs: Date.now() * 1000, spoolDropped: 0, nextSequence: this.sequence } });
    await this.until((m) => m.body === 'helloReply', 'hello');
    const reply = this.received.find((m) => m.body === 'helloReply');
    this.sequence = Math.max(this.sequence, Number(reply?.helloReply?.committedSequence ?? 0) + 1);
  }

  inventory(interfaces: InterfaceSpec[]): void {
    this.call.write({ inventory: { agentTimeUs: Date.now() * 1000, interfaces: interfaces.map(interfaceOf), spoolDropped: 0 } });
  }

  neighbors(entries: { iface: string; ip: string; mac: string }[]): void {
    this.call.write({
      neighbors: {
        agentTimeUs: Date.now() * 1000,
        full: true,
        entries: entries.map((e) => ({ interface: e.iface, ip: ipBytes(e.ip), mac: macBytes(e.mac), state: 'NEIGHBOR_STATE_REACHABLE', router: false, removed: false })),
      },
    });
  }

  /** Sends frames as one batch and waits until the collector has committed them. */
  async observe(frames: { frame: Uint8Array; timeUs: number; iface: string; direction: 'sent' | 'received' }[]): Promise<void> {
    const observations = frames.map((f) => observationOf(f.frame, this.sequence++, f.timeUs, f.iface, f.direction));
    const last = this.sequence - 1;
    this.call.write({ observations: { agentTimeUs: Date.now() * 1000, observations } });
    await this.until((m) => m.body === 'ack' && Number(m.ack?.committedSequence) >= last, `batch up to ${last}`);
  }

  close(): void {
    this.call.end();
    this.client.close();
  }
}
