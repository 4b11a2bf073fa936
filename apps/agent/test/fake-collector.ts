/**
 * A real gRPC server implementing Ingest (from @neighwatch/proto) for the agent's system
 * tests. It dedupes observations by sequence, as the real collector does, and keeps its
 * state (what it committed) across stop/start, like a collector with a database.
 */
import * as grpc from '@grpc/grpc-js';
import { chmodSync } from 'node:fs';
import {
  ingestService,
  type AgentMessage__Output,
  type CollectorMessage,
  type Hello__Output,
  type Inventory__Output,
  type NeighborSnapshot__Output,
  type Observation__Output,
} from '@neighwatch/proto';

export interface Received {
  hellos: Hello__Output[];
  inventories: Inventory__Output[];
  neighbors: NeighborSnapshot__Output[];
  /** Unique observations by sequence, in arrival order. */
  observations: Observation__Output[];
  /** Every sequence received, duplicates included, in arrival order. */
  arrivals: number[];
  metadata: grpc.Metadata[];
}

export class FakeCollector {
  readonly received: Received = { hellos: [], inventories: [], neighbors: [], observations: [], arrivals: [], metadata: [] };
  committed = 0;
  private readonly seen = new Set<number>();
  private server: grpc.Server | undefined;
  private waiters: (() => void)[] = [];
  /** The next batch is answered with this Rejection instead of an Ack. */
  rejectNext: { code: number; retryAfterMs?: number; message?: string } | undefined;
  /** false: record batches but neither commit nor acknowledge them (a collector stuck before commit). */
  acking = true;
  /** Required bearer token (UNAUTHENTICATED otherwise), if set. */
  token: string | undefined;

  constructor(
    readonly address: string,
    private readonly credentials: grpc.ServerCredentials = grpc.ServerCredentials.createInsecure(),
  ) {}

  async start(): Promise<void> {
    const server = new grpc.Server();
    server.addService(ingestService().service, {
      Stream: (call: grpc.ServerDuplexStream<AgentMessage__Output, CollectorMessage>) => {
        this.received.metadata.push(call.metadata);
        if (this.token && call.metadata.get('authorization')[0] !== `Bearer ${this.token}`) {
          call.emit('error', { code: grpc.status.UNAUTHENTICATED, details: 'bad token' });
          return;
        }
        call.on('data', (message: AgentMessage__Output) => this.onMessage(call, message));
        call.on('end', () => call.end());
        call.on('error', () => undefined);
      },
    });
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(this.address, this.credentials, (error) => (error ? reject(error) : resolve())),
    );
    // Agents running as another user (the non-root test) must be able to connect.
    if (this.address.startsWith('unix://')) chmodSync(this.address.slice('unix://'.length), 0o777);
    this.server = server;
  }

  private onMessage(call: grpc.ServerDuplexStream<AgentMessage__Output, CollectorMessage>, message: AgentMessage__Output): void {
    const r = this.received;
    if (message.hello) {
      r.hellos.push(message.hello);
      call.write({ helloReply: { collectorTimeUs: Date.now() * 1000, committedSequence: this.committed, clockOffsetUs: 0 } });
    } else if (message.inventory) {
      r.inventories.push(message.inventory);
    } else if (message.neighbors) {
      r.neighbors.push(message.neighbors);
    } else if (message.observations) {
      const batch = message.observations.observations;
      if (batch.length === 0) return;
      const first = batch[0].sequence;
      const last = batch[batch.length - 1].sequence;
      if (this.rejectNext) {
        const reject = this.rejectNext;
        this.rejectNext = undefined;
        call.write({ rejection: { code: reject.code, message: reject.message ?? 'rejected by test', firstSequence: first, lastSequence: last, retryAfterMs: reject.retryAfterMs ?? 0 } });
        if (reject.code === grpc.status.INVALID_ARGUMENT) this.committed = Math.max(this.committed, last);
        return;
      }
      for (const o of batch) {
        r.arrivals.push(o.sequence);
        if (!this.seen.has(o.sequence)) {
          this.seen.add(o.sequence);
          r.observations.push(o);
        }
      }
      if (this.acking) {
        this.committed = Math.max(this.committed, last);
        call.write({ ack: { committedSequence: this.committed } });
      }
    }
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves when `predicate` holds (checked after every message), or rejects after `timeoutMs`. */
  waitFor(predicate: (r: Received) => boolean, timeoutMs = 20_000, what = 'condition'): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        clearInterval(poll);
        reject(new Error(`fake collector: timed out after ${timeoutMs} ms waiting for ${what} (observations: ${this.received.observations.length}, hellos: ${this.received.hellos.length})`));
      }, timeoutMs);
      const check = () => {
        if (predicate(this.received)) {
          clearTimeout(timer);
          clearInterval(poll);
          resolve();
          return true;
        }
        return false;
      };
      // Also poll: some conditions (e.g. a count) can become true between messages.
      const poll = setInterval(check, 200);
      if (!check()) this.waiters.push(() => void check());
    });
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) server.forceShutdown();
  }
}
