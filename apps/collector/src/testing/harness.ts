/**
 * Test and benchmark harness: a real collector process (the built binary) on a temp
 * SQLite file, and real gRPC agent/CLI clients from @neighwatch/proto. Nothing here is
 * mocked; readiness is the collector's own "listening" log line, never a sleep.
 */
import * as grpc from '@grpc/grpc-js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ingestService, queryService, type AgentMessage, type CollectorMessage__Output, type QueryClient } from '@neighwatch/proto';

export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const BIN = join(ROOT, 'bin/neighwatch-collector.js');

export const TOKENS = {
  vm: 'vm-token-000000000000000001',
  host: 'host-token-0000000000000002',
  router: 'router-token-000000000000003',
  read: 'read-token-00000000000000004',
};

export interface LogLine {
  msg: string;
  level: string;
  [key: string]: unknown;
}

export class CollectorProcess {
  readonly lines: LogLine[] = [];
  readonly stderr: string[] = [];
  private waiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  address = '';
  metricsAddress = '';

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
        let line: LogLine;
        try {
          line = JSON.parse(text) as LogLine;
        } catch {
          continue;
        }
        this.lines.push(line);
        this.waiters = this.waiters.filter((w) => {
          if (!w.match(line)) return true;
          w.resolve(line);
          return false;
        });
      }
    });
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Resolves with the first log line (past or future) that matches; rejects if the process exits first. */
  waitFor(match: (l: LogLine) => boolean, what = 'log line'): Promise<LogLine> {
    const seen = this.lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise<LogLine>((resolve, reject) => {
      this.waiters.push({ match, resolve });
      void this.exited.then(({ code, signal }) => reject(new Error(`collector exited (${code ?? signal}) before ${what}:\n${this.stderr.join('\n')}`)));
    });
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM') {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

export interface StartOptions {
  dir: string;
  args?: string[];
  env?: Record<string, string>;
  /** Defaults to a tokens file with vm, host, router and one read token. */
  tokens?: object;
  database?: string;
  /** Node options before the script (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** Another build of the collector (a bundle's main.js) instead of bin/neighwatch-collector.js. */
  bin?: string;
}

export function tempDir(prefix = 'nwc-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Spawns the collector on 127.0.0.1:0 and waits for its "listening" line. */
export async function startCollector(options: StartOptions): Promise<CollectorProcess> {
  const tokensFile = join(options.dir, 'tokens.yaml');
  writeFileSync(
    tokensFile,
    JSON.stringify(options.tokens ?? { agents: { vm: TOKENS.vm, host: TOKENS.host, router: TOKENS.router }, readTokens: [TOKENS.read] }),
  );
  const args = [
    ...(options.nodeArgs ?? []),
    options.bin ?? BIN,
    '--listen',
    '127.0.0.1:0',
    '--metrics-listen',
    '127.0.0.1:0',
    '--tokens-file',
    tokensFile,
    '--database',
    options.database ?? join(options.dir, 'neighwatch.db'),
    '--log-format',
    'json',
    ...(options.args ?? []),
  ];
  const child = spawn(process.execPath, args, { cwd: options.dir, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = new CollectorProcess(child);
  const listening = await proc.waitFor((l) => l.msg === 'listening', '"listening"');
  proc.address = String(listening.address);
  const metrics = proc.lines.find((l) => l.msg === 'metrics listening');
  proc.metricsAddress = metrics ? String(metrics.address) : '';
  return proc;
}

export function bearer(token: string): grpc.Metadata {
  const md = new grpc.Metadata();
  if (token) md.set('authorization', `Bearer ${token}`);
  return md;
}

/** A scripted agent: one Ingest stream, a queue of what the collector answered. */
export class TestAgent {
  readonly received: CollectorMessage__Output[] = [];
  private waiters: { match: (m: CollectorMessage__Output) => boolean; resolve: (m: CollectorMessage__Output) => void; reject: (e: Error) => void }[] = [];
  readonly ended: Promise<grpc.StatusObject>;
  readonly client: grpc.Client;
  readonly call: grpc.ClientDuplexStream<AgentMessage, CollectorMessage__Output>;

  constructor(address: string, token: string) {
    const Ingest = ingestService();
    this.client = new Ingest(address, grpc.credentials.createInsecure());
    this.call = (this.client as unknown as { Stream(md: grpc.Metadata): grpc.ClientDuplexStream<AgentMessage, CollectorMessage__Output> }).Stream(bearer(token));
    this.call.on('data', (m: CollectorMessage__Output) => {
      this.received.push(m);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(m)) return true;
        w.resolve(m);
        return false;
      });
    });
    this.ended = new Promise((resolve) => {
      this.call.on('error', () => undefined);
      this.call.on('status', (s: grpc.StatusObject) => {
        resolve(s);
        for (const w of this.waiters) w.reject(new Error(`stream ended: ${grpc.status[s.code]} ${s.details}`));
        this.waiters = [];
      });
    });
  }

  send(message: AgentMessage): void {
    this.call.write(message);
  }

  hello(node: string, agentTimeUs = Date.now() * 1000, nextSequence = 1): void {
    this.send({ hello: { node, agentVersion: 'test', os: 'Linux test', bootId: 'boot', agentTimeUs, spoolDropped: 0, nextSequence } });
  }

  /** The first message (already received or next) that matches. */
  next(match: (m: CollectorMessage__Output) => boolean): Promise<CollectorMessage__Output> {
    const seen = this.received.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => this.waiters.push({ match, resolve, reject }));
  }

  /** Waits for an Ack covering `sequence`. */
  acked(sequence: number): Promise<CollectorMessage__Output> {
    return this.next((m) => m.body === 'ack' && m.ack!.committedSequence >= sequence);
  }

  close(): void {
    this.call.end();
    this.client.close();
  }
}

export function queryClient(address: string): QueryClient {
  const Query = queryService();
  return new Query(address, grpc.credentials.createInsecure()) as unknown as QueryClient;
}

/** Promisified unary Query call with the read token and a deadline. */
export function ask<Res>(client: QueryClient, method: string, request: object, token = TOKENS.read): Promise<Res> {
  return new Promise((resolve, reject) => {
    const fn = (client as unknown as Record<string, (r: object, md: grpc.Metadata, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r: Res) => void) => void>)[method];
    fn.call(client, request, bearer(token), { deadline: Date.now() + 10_000 }, (error, response) => (error ? reject(error) : resolve(response)));
  });
}
