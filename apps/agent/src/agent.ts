/**
 * The agent's pipeline, wired:
 *
 *   libpcap (cap) ─frame→ decode (libs/packet) → classify → direction → encode
 *     → spool (disk) ─batch→ shipper (gRPC stream) ─Ack→ spool frees segments
 *   interface scan → captures to open/close, local addresses, Inventory on change
 *     (also run at once when a capture fails: its interface went down or away)
 *   neighbor table → NeighborSnapshot deltas
 *
 * The frame callback runs synchronously from decode to spool append: nothing of the frame
 * is kept by reference past it (the spool holds the encoded copy).
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { hostname, machine, release, type } from 'node:os';
import { diffConfig, LogRateLimiter, type Logger } from '@neighwatch/config';
import { classifyInto, FrameDecoder, hexDump, newNeighborFields } from '@neighwatch/packet';
import type { Hello, Inventory, NeighborSnapshot } from '@neighwatch/proto';
import { CaptureManager } from './capture';
import { nowMicros } from './clock';
import { agentSchema, resolveToken, type AgentConfig } from './config';
import { frameDirection, LocalAddresses } from './direction';
import { captureCandidates, inventoryKey, readInterfaces, toProtoInterfaces, type LocalInterface } from './interfaces';
import { Metrics, serveMetrics } from './metrics';
import { NeighborTracker, readNeighbors } from './neighbors';
import { Shipper, shipperSettings } from './shipper';
import { Spool } from './spool';
import { AGENT_VERSION } from './version';
import { encodeObservation } from './wire';

export { AGENT_VERSION };

/** How long SIGTERM waits for the collector to acknowledge what is spooled. */
export const SHUTDOWN_FLUSH_MS = 3000;
const EMPTY = new Uint8Array(0);

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

export class Agent {
  readonly metrics = new Metrics();
  private spool!: Spool;
  private shipper!: Shipper;
  private capture!: CaptureManager;
  private metricsServer: Server | undefined;
  private readonly decoder = new FrameDecoder();
  private readonly fields = newNeighborFields();
  private readonly local = new LocalAddresses();
  private readonly neighborTracker = new NeighborTracker();
  private readonly errorLogLimit = new LogRateLimiter(10_000);
  private interfaces: LocalInterface[] = [];
  private inventorySignature = '';
  private flushTimer: NodeJS.Timeout | undefined;
  private timers: NodeJS.Timeout[] = [];
  private scanning = false;
  /** A scan was asked for while one ran: run another when it ends. */
  private rescan = false;
  private stopping = false;
  private readonly fingerprint = Buffer.alloc(8);
  private readonly nodeName: string;

  constructor(
    private config: AgentConfig,
    private readonly log: Logger,
  ) {
    this.nodeName = config.node || hostname();
  }

  async start(): Promise<void> {
    const { config, log } = this;
    this.spool = Spool.open({ dir: config.spoolDir, maxBytes: config.spoolMaxBytes, syncIntervalMs: config.spoolSyncInterval, log: log.child({ component: 'spool' }) });
    this.capture = new CaptureManager({
      bufferSize: config.captureBufferSize,
      snaplen: config.snaplen,
      log: log.child({ component: 'capture' }),
      onFrame: (iface, linkType, bytes, wireLength, timeUs) => this.onFrame(iface, linkType, bytes, wireLength, timeUs),
      onCaptureError: () => void this.scan(),
    });
    this.shipper = new Shipper(
      shipperSettings(config, resolveToken(config)),
      this.spool,
      { hello: () => this.hello(), inventory: () => this.inventory(), neighborsFull: () => this.neighborsFull() },
      this.metrics,
      log.child({ component: 'shipper' }),
    );
    if (config.metricsListen !== 'off' && config.metricsListen !== '') {
      this.metricsServer = await serveMetrics(config.metricsListen, () => this.renderMetrics(), log);
    }
    await this.scan();
    this.shipper.start();
    this.startTimers();
    log.info('agent started', { node: this.nodeName, version: AGENT_VERSION, collector: config.collector, spoolDir: config.spoolDir });
  }

  private startTimers(): void {
    for (const t of this.timers) clearInterval(t);
    const { config } = this;
    this.timers = [
      setInterval(() => void this.scan(), config.interfaceScanInterval),
      setInterval(() => this.shipper.sendInventory(this.inventory()), config.inventoryInterval),
      setInterval(() => void this.neighborDelta(), config.neighborInterval),
    ];
  }

  // ---- the hot path -------------------------------------------------------------------

  private onFrame(iface: string, linkType: number, bytes: Buffer, wireLength: number, timeUs: number): void {
    const metrics = this.metrics;
    metrics.countFrame(iface);
    const frame = this.decoder.decode(bytes, linkType);
    const fields = this.fields;
    if (!classifyInto(frame, fields)) {
      if (frame.error) this.decodeError(iface, bytes, frame.error.kind, frame.error.layer, frame.error.message);
      else metrics.ignored++;
      return;
    }
    // A message whose fixed part decoded but whose options did not is still evidence: send it, count it.
    if (frame.error) this.decodeError(iface, bytes, frame.error.kind, frame.error.layer, frame.error.message);
    const direction = frameDirection(bytes, fields, this.local);
    const fp = this.fingerprint;
    fp.writeUInt32BE(fields.fingerprintHi >>> 0, 0);
    fp.writeUInt32BE(fields.fingerprintLo >>> 0, 4);
    const at = (offset: number, length: number) => (offset >= 0 ? bytes.subarray(offset, offset + length) : EMPTY);
    const ipLength = fields.ipVersion === 4 ? 4 : 16;
    this.spool.append((sequence) =>
      encodeObservation({
        sequence,
        captureTimeUs: timeUs,
        interface: iface,
        direction,
        ethSrc: at(fields.ethSrcOffset, fields.ethSrcLength),
        ethDst: at(fields.ethDstOffset, 6),
        vlan: fields.vlan < 0 ? 0 : fields.vlan,
        type: fields.type!,
        senderIp: at(fields.srcIpOffset, ipLength),
        targetIp: at(fields.targetIpOffset, ipLength),
        lladdr: at(fields.lladdrOffset, fields.lladdrLength),
        naFlags: fields.naFlags,
        checksumOk: fields.checksumOk < 0 ? null : fields.checksumOk === 1,
        fingerprint: fp,
        frame: bytes.subarray(0, Math.min(bytes.length, this.config.snaplen)),
        frameLength: wireLength,
      }),
    );
    metrics.spooled++;
    if (this.spool.pendingCount >= this.config.batchMaxCount) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), this.config.batchMaxDelay);
  }

  private decodeError(iface: string, bytes: Buffer, kind: string, layer: string, message: string): void {
    this.metrics.countDecodeError(kind, layer);
    if (!this.log.enabled('debug')) return;
    const suppressed = this.errorLogLimit.take(`${kind}/${layer}`);
    if (suppressed === undefined) return;
    this.log.debug('malformed frame', { interface: iface, kind, layer, reason: message, suppressedSinceLast: suppressed, frame: hexDump(bytes.subarray(0, 128)) });
  }

  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    try {
      this.spool.flush();
    } catch (error) {
      this.log.error('spool write failed; observations kept in memory and retried', { error, dir: this.config.spoolDir });
      this.flushTimer = setTimeout(() => this.flush(), 1000);
      return;
    }
    this.shipper.notify();
  }

  // ---- node state ------------------------------------------------------------------------

  private async scan(): Promise<void> {
    if (this.stopping) return;
    if (this.scanning) {
      this.rescan = true;
      return;
    }
    this.scanning = true;
    this.rescan = false;
    try {
      const interfaces = await readInterfaces();
      if (this.stopping) return;
      const before = new Set(this.interfaces.map((i) => i.name));
      const after = new Set(interfaces.map((i) => i.name));
      for (const name of after) if (!before.has(name) && this.interfaces.length > 0) this.log.info('interface appeared', { interface: name });
      for (const name of before) if (!after.has(name)) this.log.info('interface disappeared', { interface: name });
      this.interfaces = interfaces;
      this.local.update(interfaces);
      const wanted = captureCandidates(interfaces, this.config.interfaces);
      for (const name of this.config.interfaces) {
        if (!wanted.includes(name) && this.errorLogLimit.take(`missing/${name}`) !== undefined) this.log.warn('configured interface is missing or down; waiting for it', { interface: name });
      }
      this.capture.setInterfaces(wanted);
      this.metrics.capturing = [...this.capture.opened.keys()];
      const signature = inventoryKey(interfaces);
      if (signature !== this.inventorySignature) {
        const first = this.inventorySignature === '';
        this.inventorySignature = signature;
        if (!first) this.shipper.sendInventory(this.inventory());
      }
    } catch (error) {
      this.log.warn('cannot read interfaces (is iproute2 installed?)', { error });
    } finally {
      this.scanning = false;
      if (this.rescan) void this.scan();
    }
  }

  private hello(): Hello {
    return {
      node: this.nodeName,
      agentVersion: AGENT_VERSION,
      os: `${type()} ${release()} ${machine()}`,
      bootId: bootId(),
      agentTimeUs: nowMicros(),
      spoolDropped: this.spool.dropped,
      nextSequence: this.spool.nextSequence,
    };
  }

  private inventory(): Inventory {
    return { agentTimeUs: nowMicros(), interfaces: toProtoInterfaces(this.interfaces), spoolDropped: this.spool.dropped };
  }

  private async neighborsFull(): Promise<NeighborSnapshot> {
    const entries = this.neighborTracker.full(await readNeighbors());
    return { agentTimeUs: nowMicros(), full: true, entries };
  }

  private async neighborDelta(): Promise<void> {
    if (!this.shipper.isConnected) return;
    try {
      const current = await readNeighbors();
      if (!this.shipper.isConnected) return;
      const entries = this.neighborTracker.delta(current);
      if (entries.length > 0) this.shipper.sendNeighbors({ agentTimeUs: nowMicros(), full: false, entries });
    } catch (error) {
      this.log.warn('cannot read the neighbor table', { error });
    }
  }

  renderMetrics(): string {
    const m = this.metrics;
    m.spoolBytes = this.spool.totalBytes();
    m.spoolUnacknowledged = this.spool.unacknowledged();
    m.spoolDropped = this.spool.dropped;
    m.spoolSegments = this.spool.segmentCount;
    m.capturing = [...this.capture.opened.keys()];
    m.pcapStats = this.capture.stats();
    m.captureErrors = this.capture.errors;
    return m.render();
  }

  // ---- life cycle --------------------------------------------------------------------------

  /** SIGHUP: apply what can change at run time; say what needs a restart. */
  async reload(next: AgentConfig): Promise<void> {
    const changes = diffConfig(agentSchema, this.config, next);
    if (changes.length === 0) {
      this.log.info('configuration reloaded: nothing changed');
      return;
    }
    this.log.info('configuration reloaded', { changes });
    const restartOnly = ['spoolDir', 'spoolMaxBytes', 'spoolSyncInterval', 'metricsListen', 'captureBufferSize', 'node'];
    const ignored = changes.filter((c) => restartOnly.includes(c.key)).map((c) => c.key);
    if (ignored.length > 0) this.log.warn('these settings take effect after a restart', { keys: ignored });
    const kept = { ...next };
    for (const key of ignored) (kept as Record<string, unknown>)[key] = (this.config as Record<string, unknown>)[key];
    this.config = kept;
    this.log.setLevel(kept.logLevel);
    this.shipper.update(shipperSettings(kept, resolveToken(kept)));
    this.startTimers();
    await this.scan();
  }

  /** SIGTERM: stop capturing, persist, give the collector a few seconds to acknowledge. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const started = Date.now();
    for (const t of this.timers) clearInterval(t);
    this.capture.stop();
    this.flush();
    await this.shipper.stop(Math.max(0, SHUTDOWN_FLUSH_MS - (Date.now() - started)));
    this.spool.close();
    await new Promise<void>((resolve) => (this.metricsServer ? this.metricsServer.close(() => resolve()) : resolve()));
    this.log.info('agent stopped', { unacknowledged: this.spool.unacknowledged(), spooled: this.metrics.spooled, acked: this.metrics.acked });
  }
}
