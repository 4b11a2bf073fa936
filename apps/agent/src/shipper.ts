/**
 * Delivery: one bidirectional Ingest.Stream to the collector, fed from the spool.
 *
 * Connect → Hello → wait for HelloReply (the handshake's deadline) → free what the
 * collector already committed, resend everything after it in sequence order → Inventory,
 * full NeighborSnapshot → batches as the spool fills, at most `window` observations
 * unacknowledged. Ack frees spool segments. Rejection INVALID_ARGUMENT: those sequences
 * are dropped (counted, logged); RESOURCE_EXHAUSTED: wait retry_after_ms, resend from
 * first_sequence. Any stream error: reconnect with exponential backoff and full jitter.
 */
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { Logger } from '@neighwatch/config';
import type { CollectorMessage__Output, Hello, Inventory, NeighborSnapshot, Rejection__Output } from '@neighwatch/proto';
import type { AgentConfig } from './config';
import { nowMicros } from './clock';
import type { Metrics } from './metrics';
import type { Spool } from './spool';
import { decodeCollectorMessage, encodeAgentMessage, encodeBatchMessage, STREAM_PATH } from './wire';

/** How long the collector has to answer a Hello before the attempt counts as failed. */
export const HELLO_DEADLINE_MS = 10_000;
const BACKOFF_BASE_MS = 250;
/** Batches in flight (sent, not acknowledged) at most. */
export const WINDOW_BATCHES = 8;

export interface ShipperSources {
  hello(): Hello;
  inventory(): Inventory;
  /** A full neighbor snapshot (resets the baseline for later deltas). */
  neighborsFull(): Promise<NeighborSnapshot>;
}

export interface ShipperSettings {
  collector: string;
  token: string | undefined;
  tls: { mode: 'auto' | 'on' | 'off'; ca?: string; cert?: string; key?: string; serverName?: string };
  batchMaxCount: number;
  reconnectMaxDelayMs: number;
}

export function shipperSettings(config: AgentConfig, token: string | undefined): ShipperSettings {
  return {
    collector: config.collector,
    token,
    tls: { mode: config['tls.mode'], ca: config['tls.ca'], cert: config['tls.cert'], key: config['tls.key'], serverName: config['tls.serverName'] },
    batchMaxCount: config.batchMaxCount,
    reconnectMaxDelayMs: config.reconnectMaxDelay,
  };
}

/** Loopback and unix-socket collectors may be reached without TLS by default. */
export function isLocalTarget(target: string): boolean {
  if (target.startsWith('unix:')) return true;
  const host = target.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}

export function usesTls(settings: ShipperSettings): boolean {
  const { tls } = settings;
  if (tls.mode === 'on') return true;
  if (tls.mode === 'off') return false;
  return !isLocalTarget(settings.collector) || Boolean(tls.ca || tls.cert);
}

function credentials(settings: ShipperSettings): grpc.ChannelCredentials {
  if (!usesTls(settings)) return grpc.credentials.createInsecure();
  const read = (path?: string) => (path ? readFileSync(path) : null);
  return grpc.credentials.createSsl(read(settings.tls.ca), read(settings.tls.key), read(settings.tls.cert));
}

interface InFlight {
  first: number;
  last: number;
  count: number;
}

export class Shipper {
  private client: grpc.Client | undefined;
  private call: grpc.ClientDuplexStream<Buffer, CollectorMessage__Output> | undefined;
  private connected = false;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private helloTimer: NodeJS.Timeout | undefined;
  private pausedUntil = 0;
  private resumeTimer: NodeJS.Timeout | undefined;
  private waitingDrain = false;
  private inFlight: InFlight[] = [];
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  private everConnected = false;

  constructor(
    private settings: ShipperSettings,
    private readonly spool: Spool,
    private readonly sources: ShipperSources,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  get isConnected(): boolean {
    return this.connected;
  }

  start(): void {
    this.connect();
  }

  /** New settings (SIGHUP): reconnect if anything about the connection changed. */
  update(settings: ShipperSettings): void {
    const reconnect = JSON.stringify({ ...settings, batchMaxCount: 0, reconnectMaxDelayMs: 0 }) !== JSON.stringify({ ...this.settings, batchMaxCount: 0, reconnectMaxDelayMs: 0 });
    this.settings = settings;
    if (reconnect && !this.stopped) {
      this.log.info('collector settings changed: reconnecting', { collector: settings.collector });
      this.teardown();
      this.client?.close();
      this.client = undefined;
      this.attempt = 0;
      this.connect();
    }
  }

  private connect(): void {
    if (this.stopped) return;
    if (this.everConnected || this.attempt > 0) this.metrics.reconnects++;
    const { settings, log } = this;
    if (!this.client) {
      const options: grpc.ChannelOptions = {
        'grpc.keepalive_time_ms': 30_000,
        'grpc.keepalive_timeout_ms': 10_000,
        'grpc.keepalive_permit_without_calls': 1,
        'grpc.max_receive_message_length': 4 * 2 ** 20,
        // The agent does its own backoff; keep the channel's short so a fresh attempt is real.
        'grpc.initial_reconnect_backoff_ms': 200,
        'grpc.max_reconnect_backoff_ms': Math.max(1000, settings.reconnectMaxDelayMs),
      };
      if (settings.tls.serverName) {
        options['grpc.ssl_target_name_override'] = settings.tls.serverName;
        options['grpc.default_authority'] = settings.tls.serverName;
      }
      try {
        this.client = new grpc.Client(settings.collector, credentials(settings), options);
      } catch (error) {
        log.error('cannot set up the collector channel', { collector: settings.collector, error });
        this.scheduleReconnect();
        return;
      }
    }
    const metadata = new grpc.Metadata();
    if (settings.token) metadata.set('authorization', `Bearer ${settings.token}`);
    const call = this.client.makeBidiStreamRequest<Buffer, CollectorMessage__Output>(STREAM_PATH, (b) => b, decodeCollectorMessage, metadata, {});
    this.call = call;
    call.on('data', (message: CollectorMessage__Output) => {
      if (this.call === call) this.onMessage(message);
    });
    call.on('error', (error: grpc.ServiceError) => {
      if (this.call !== call) return;
      const level = error.code === grpc.status.UNAUTHENTICATED || error.code === grpc.status.PERMISSION_DENIED ? 'error' : 'warn';
      log[level]('collector stream failed', {
        collector: settings.collector,
        code: grpc.status[error.code] ?? error.code,
        details: error.details,
        hint:
          error.code === grpc.status.UNAVAILABLE
            ? 'is neighwatch-collector running and reachable?'
            : error.code === grpc.status.UNAUTHENTICATED
              ? 'check token / tokenFile for this node'
              : undefined,
      });
      this.disconnected();
    });
    call.on('end', () => {
      if (this.call !== call) return;
      log.warn('collector closed the stream', { collector: settings.collector });
      this.disconnected();
    });
    call.on('drain', () => {
      this.waitingDrain = false;
      this.pump();
    });
    call.write(encodeAgentMessage({ hello: this.sources.hello() }));
    this.helloTimer = setTimeout(() => {
      if (this.call !== call || this.connected) return;
      log.warn('collector did not answer Hello in time', { collector: settings.collector, deadlineMs: HELLO_DEADLINE_MS });
      call.cancel();
      this.disconnected();
    }, HELLO_DEADLINE_MS);
  }

  private onMessage(message: CollectorMessage__Output): void {
    if (message.helloReply) {
      if (this.helloTimer) clearTimeout(this.helloTimer);
      const committed = message.helloReply.committedSequence;
      if (this.spool.skipAbove(committed)) {
        this.log.warn('the collector holds sequences this spool never assigned (spool directory reset?); continuing above them', {
          committedSequence: committed,
          nextSequence: this.spool.nextSequence,
        });
      }
      this.connected = true;
      this.everConnected = true;
      this.metrics.connected = true;
      this.attempt = 0;
      this.metrics.acked += this.spool.acknowledge(committed);
      // Everything after what the collector holds goes again, in order.
      this.spool.rewind(committed + 1);
      this.inFlight = [];
      this.log.info('connected to collector', {
        collector: this.settings.collector,
        committedSequence: committed,
        clockOffsetUs: message.helloReply.clockOffsetUs,
        unacknowledged: this.spool.unacknowledged(),
      });
      const call = this.call!;
      call.write(encodeAgentMessage({ inventory: this.sources.inventory() }));
      this.sources.neighborsFull().then(
        (snapshot) => {
          if (this.call === call && this.connected) call.write(encodeAgentMessage({ neighbors: snapshot }));
        },
        (error: unknown) => this.log.warn('cannot read the neighbor table', { error }),
      );
      this.pump();
    } else if (message.ack) {
      const committed = message.ack.committedSequence;
      this.metrics.acked += this.spool.acknowledge(committed);
      while (this.inFlight.length > 0 && this.inFlight[0].last <= committed) this.inFlight.shift();
      this.pump();
      this.checkIdle();
    } else if (message.rejection) {
      this.onRejection(message.rejection);
    }
  }

  private onRejection(r: Rejection__Output): void {
    const count = r.lastSequence >= r.firstSequence ? r.lastSequence - r.firstSequence + 1 : 0;
    if (r.code === grpc.status.INVALID_ARGUMENT) {
      // The collector will never take these: drop them (its next Ack covers them).
      this.metrics.rejected += count;
      this.log.error('collector rejected observations as invalid; dropped', { first: r.firstSequence, last: r.lastSequence, count, message: r.message });
      this.inFlight = this.inFlight.filter((b) => b.last < r.firstSequence || b.first > r.lastSequence);
      this.pump();
      this.checkIdle();
      return;
    }
    const delay = r.retryAfterMs > 0 ? r.retryAfterMs : 1000;
    this.log.warn('collector asked to retry later', { code: grpc.status[r.code] ?? r.code, first: r.firstSequence, last: r.lastSequence, retryAfterMs: delay, message: r.message });
    this.inFlight = this.inFlight.filter((b) => b.last < r.firstSequence);
    this.spool.rewind(r.firstSequence);
    this.pausedUntil = Date.now() + delay;
    if (this.resumeTimer) clearTimeout(this.resumeTimer);
    this.resumeTimer = setTimeout(() => {
      this.resumeTimer = undefined;
      this.pausedUntil = 0;
      this.pump();
    }, delay);
  }

  /** The spool has new flushed records. */
  notify(): void {
    this.pump();
  }

  private pump(): void {
    const call = this.call;
    if (!this.connected || !call || this.waitingDrain || Date.now() < this.pausedUntil) return;
    while (this.inFlight.length < WINDOW_BATCHES && this.spool.hasUnread()) {
      const records = this.spool.read(this.settings.batchMaxCount);
      if (records.length === 0) break;
      const message = encodeBatchMessage(
        nowMicros(),
        records.map((r) => r.payload),
      );
      this.inFlight.push({ first: records[0].sequence, last: records[records.length - 1].sequence, count: records.length });
      this.metrics.sent += records.length;
      if (!call.write(message)) {
        this.waitingDrain = true;
        break;
      }
    }
  }

  sendInventory(inventory: Inventory): void {
    if (this.connected && this.call) this.call.write(encodeAgentMessage({ inventory }));
  }

  sendNeighbors(snapshot: NeighborSnapshot): boolean {
    if (!this.connected || !this.call) return false;
    this.call.write(encodeAgentMessage({ neighbors: snapshot }));
    return true;
  }

  private teardown(): void {
    if (this.helloTimer) clearTimeout(this.helloTimer);
    if (this.resumeTimer) clearTimeout(this.resumeTimer);
    this.resumeTimer = undefined;
    this.pausedUntil = 0;
    const call = this.call;
    this.call = undefined;
    this.connected = false;
    this.metrics.connected = false;
    this.waitingDrain = false;
    this.inFlight = [];
    if (call) {
      call.removeAllListeners('data');
      call.on('error', () => undefined);
      call.cancel();
    }
  }

  private disconnected(): void {
    this.teardown();
    this.checkIdle();
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    // Exponential backoff with full jitter: uniformly random in [0, min(cap, base·2^n)].
    const ceiling = Math.min(this.settings.reconnectMaxDelayMs, BACKOFF_BASE_MS * 2 ** Math.min(this.attempt, 20));
    const delay = Math.round(Math.random() * ceiling);
    this.attempt++;
    this.log.debug('reconnecting', { delayMs: delay, attempt: this.attempt });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delay);
  }

  /** Everything spooled is acknowledged (or the stream is down, so nothing more will be). */
  private checkIdle(): void {
    if (!this.connected || (this.inFlight.length === 0 && !this.spool.hasUnread())) {
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /**
   * Stops: waits up to `timeoutMs` for what is in the spool to be sent and acknowledged
   * (when connected), then closes the stream. Unsent observations stay in the spool.
   */
  async stop(timeoutMs: number): Promise<void> {
    if (this.connected) {
      this.pump();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.idleWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
        this.checkIdle();
      });
    }
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.helloTimer) clearTimeout(this.helloTimer);
    if (this.resumeTimer) clearTimeout(this.resumeTimer);
    const call = this.call;
    this.call = undefined;
    this.connected = false;
    this.metrics.connected = false;
    if (call) {
      call.on('error', () => undefined);
      call.end();
    }
    this.client?.close();
  }
}
