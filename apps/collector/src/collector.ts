/**
 * The collector's running state: which nodes are connected, their clocks and rate
 * limits, the group committer that turns many agents' batches into one transaction, the
 * correlator, and the listeners waiting for new mismatches. The gRPC handlers are thin
 * shells around this.
 */
import type { Logger } from '@neighwatch/config';
import type { Finding, NeighborObservation } from '@neighwatch/model';
import type {
  Hello__Output,
  Inventory__Output,
  NeighborSnapshot__Output,
  ObservationBatch__Output,
} from '@neighwatch/proto';
import type {
  FindingRecord,
  IngestUnit,
  InventoryRecord,
  MismatchEvent,
  NeighborSnapshotRecord,
  ObservationRecord,
  RejectedRange,
  Store,
} from '@neighwatch/store';
import type { Allowlist } from './allowlist';
import { ClockOffsetEstimator } from './clock';
import { inventoryRecord, neighborSnapshotRecord, toNeighborObservation } from './convert';
import { GroupCommitter, type GroupCommitOptions } from './group-commit';
import type { CollectorMetrics } from './metrics';
import { TokenBucket } from './rate-limit';
import { Unavailable } from './status';
import { validateBatch, validateHello, validateInventory, validateNeighbors, type ValidationLimits } from './validate';

/** What the collector asks of the correlator (see correlation.ts). */
export interface CorrelationEngine {
  /** Findings from observations about to be stored, in capture order per vantage point. */
  observe(observations: readonly NeighborObservation[], nowUs: number): Finding[];
  /** Findings after a node replaced its inventory. */
  inventory(record: InventoryRecord, nowUs: number): Finding[];
  /** Findings after a node reported its neighbor cache (full or delta). */
  neighbors(snapshot: NeighborSnapshotRecord, nowUs: number): Finding[];
  /** Findings that only the passing of time shows, up to `nowUs`. */
  tick(nowUs: number): Finding[];
  /** MAC → node name from the inventories, for explanations. */
  nodeNames(): Map<string, string>;
}

export interface CollectorOptions {
  limits: ValidationLimits;
  rate: { observationsPerSecond: number; burst: number };
  commit: GroupCommitOptions;
}

interface NodeState {
  name: string;
  clock: ClockOffsetEstimator;
  bucket: TokenBucket;
  /** Highest sequence known committed (or rejected for good). */
  committed: number;
  /** Highest sequence handed to the committer; replays at or below it are dropped. */
  accepted: number;
  /**
   * Bumped when a transaction holding this node's observations fails. Batches queued
   * before the failure are then refused too: committing them would move the committed
   * mark past the failed range, and the agent's resend of that range would be dropped.
   */
  epoch: number;
  streams: number;
}

interface PendingItem {
  node: string;
  observations: ObservationRecord[];
  findings: FindingRecord[];
  rejected: RejectedRange | null;
  /** Filled after COMMIT: the node's committed sequence. */
  committed: number;
  /** The node's epoch when the item was queued. */
  epoch?: number;
  /** Set when the item was left out of its transaction: the submitter is refused with it. */
  refused?: Error;
}

/** Outcome of one batch, for the stream to answer. */
export type BatchOutcome =
  | { kind: 'ack'; committed: Promise<number> }
  | { kind: 'rejected'; code: 'INVALID_ARGUMENT' | 'RESOURCE_EXHAUSTED'; message: string; first: number; last: number; retryAfterMs: number; committed?: Promise<number> };

const nowUs = () => Date.now() * 1000;

export class Collector {
  private readonly nodes = new Map<string, NodeState>();
  private readonly committer: GroupCommitter<PendingItem>;
  private readonly listeners = new Set<(events: MismatchEvent[]) => void>();
  private draining = false;

  constructor(
    readonly store: Store,
    private readonly engine: CorrelationEngine,
    private readonly allowlist: Allowlist,
    readonly metrics: CollectorMetrics,
    private readonly log: Logger,
    private readonly options: CollectorOptions,
  ) {
    this.committer = new GroupCommitter<PendingItem>((items) => this.write(items), (item) => item.observations.length || 1, options.commit);
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Rows waiting for the next transaction (for backpressure). */
  get pendingRows(): number {
    return this.committer.pendingRows;
  }

  private node(name: string): NodeState {
    let state = this.nodes.get(name);
    if (!state) {
      const { observationsPerSecond, burst } = this.options.rate;
      state = {
        name,
        clock: new ClockOffsetEstimator(),
        bucket: new TokenBucket(observationsPerSecond, Math.max(burst, this.options.limits.maxBatchObservations)),
        committed: 0,
        accepted: 0,
        epoch: 0,
        streams: 0,
      };
      this.nodes.set(name, state);
    }
    return state;
  }

  isConnected(node: string): boolean {
    return (this.nodes.get(node)?.streams ?? 0) > 0;
  }

  /** The live clock estimate for a node, or undefined when it has not connected since start. */
  clockOffset(node: string): number | undefined {
    const state = this.nodes.get(node);
    return state && state.clock.offsetUs !== 0 ? state.clock.offsetUs : undefined;
  }

  /** Validates a Hello (throws FieldError), records the node, and returns the HelloReply fields. */
  async hello(raw: Hello__Output | null | undefined): Promise<{ node: string; committedSequence: number; clockOffsetUs: number; collectorTimeUs: number }> {
    if (this.draining) throw new Unavailable('the collector is shutting down');
    const received = nowUs();
    const hello = validateHello(raw, received, this.options.limits);
    const state = this.node(hello.node);
    const offset = state.clock.add(hello.agentTimeUs, received);
    const committed = await this.store.upsertHello({
      node: hello.node,
      agentVersion: hello.agentVersion,
      os: hello.os,
      bootId: hello.bootId,
      clockOffsetUs: offset,
      spoolDropped: hello.spoolDropped,
      seenUs: received,
    });
    state.committed = Math.max(state.committed, committed);
    state.accepted = Math.max(state.accepted, state.committed);
    if (hello.nextSequence > 0 && hello.nextSequence <= committed) {
      this.log.warn('agent sequence restarted below what is committed: observations up to the committed sequence will be dropped as replays', {
        node: hello.node,
        nextSequence: hello.nextSequence,
        committed,
      });
    }
    return { node: hello.node, committedSequence: committed, clockOffsetUs: offset, collectorTimeUs: nowUs() };
  }

  streamOpened(node: string): void {
    this.node(node).streams++;
    this.updateActiveAgents();
  }

  streamClosed(node: string): void {
    const state = this.nodes.get(node);
    if (state && state.streams > 0) state.streams--;
    this.updateActiveAgents();
  }

  private updateActiveAgents(): void {
    let active = 0;
    for (const s of this.nodes.values()) if (s.streams > 0) active++;
    this.metrics.activeAgents.set({}, active);
  }

  /**
   * Validates, rate-limits, dedupes and queues one batch. The returned promise (for an
   * accepted batch) resolves with the node's committed sequence once the transaction
   * holding the batch has committed.
   */
  batch(nodeName: string, batch: ObservationBatch__Output): BatchOutcome {
    const received = nowUs();
    const list = batch.observations;
    const first = list.length ? list[0].sequence : 0;
    const last = list.length ? list[list.length - 1].sequence : 0;
    const state = this.node(nodeName);
    let valid;
    try {
      valid = validateBatch(batch, received, this.options.limits);
    } catch (error) {
      this.metrics.batches.inc({ outcome: 'rejected' });
      this.metrics.rejections.inc({ code: 'INVALID_ARGUMENT' });
      const message = (error as Error).message;
      // The range is refused for good and counts as handled, so the agent's acks move past it.
      const sane = Number.isSafeInteger(first) && Number.isSafeInteger(last) && first > 0 && first <= last;
      const rejected = sane ? { node: nodeName, firstSequence: first, lastSequence: last } : null;
      return {
        kind: 'rejected',
        code: 'INVALID_ARGUMENT',
        message,
        first: sane ? first : 0,
        last: sane ? last : 0,
        retryAfterMs: 0,
        committed: rejected ? this.submit(state, { node: nodeName, observations: [], findings: [], rejected, committed: 0 }) : undefined,
      };
    }
    const wait = state.bucket.take(valid.length);
    if (wait > 0) {
      this.metrics.batches.inc({ outcome: 'throttled' });
      this.metrics.rejections.inc({ code: 'RESOURCE_EXHAUSTED' });
      return {
        kind: 'rejected',
        code: 'RESOURCE_EXHAUSTED',
        message: `rate limit of ${this.options.rate.observationsPerSecond} observations/s for node "${nodeName}" exceeded: retry in ${wait} ms`,
        first,
        last,
        retryAfterMs: wait,
      };
    }
    state.clock.add(batch.agentTimeUs, received);
    this.metrics.batches.inc({ outcome: 'accepted' });
    if (last <= state.committed) {
      this.metrics.duplicates.inc({}, valid.length);
      return { kind: 'ack', committed: Promise.resolve(state.committed) };
    }
    const records: ObservationRecord[] = [];
    for (const o of valid) {
      if (o.sequence <= state.accepted) {
        this.metrics.duplicates.inc();
        continue;
      }
      records.push({
        sequence: o.sequence,
        observation: toNeighborObservation(nodeName, o, state.clock.correct(o.captureTimeUs)),
        frame: o.frame,
        frameLength: o.frameLength || o.frame.length,
      });
    }
    if (records.length) state.accepted = Math.max(state.accepted, last);
    return { kind: 'ack', committed: this.submit(state, { node: nodeName, observations: records, findings: [], rejected: null, committed: 0 }) };
  }

  private submit(state: NodeState, item: PendingItem): Promise<number> {
    if (this.draining) return Promise.reject(new Unavailable('the collector is shutting down: reconnect later'));
    item.epoch = state.epoch;
    return this.committer
      .submit(item)
      .then(() => {
        if (item.refused) throw item.refused;
        return item.committed;
      })
      .catch((error: unknown) => {
        // Nothing of this batch is stored: let the agent's resend through again.
        state.accepted = state.committed;
        throw error;
      });
  }

  async inventory(nodeName: string, raw: Inventory__Output): Promise<void> {
    const received = nowUs();
    const inv = validateInventory(raw, received, this.options.limits);
    const state = this.node(nodeName);
    const record = inventoryRecord(nodeName, inv, state.clock.correct(inv.agentTimeUs));
    await this.store.replaceInventory(record);
    const findings = this.engine.inventory(record, received);
    if (findings.length) await this.submit(state, { node: nodeName, observations: [], findings: this.classify(findings), rejected: null, committed: 0 });
  }

  async neighbors(nodeName: string, raw: NeighborSnapshot__Output): Promise<void> {
    const received = nowUs();
    const snap = validateNeighbors(raw, received, this.options.limits);
    const state = this.node(nodeName);
    const record = neighborSnapshotRecord(nodeName, snap, state.clock.correct(snap.agentTimeUs));
    await this.store.applyNeighborSnapshot(record);
    const findings = this.engine.neighbors(record, received);
    if (findings.length) await this.submit(state, { node: nodeName, observations: [], findings: this.classify(findings), rejected: null, committed: 0 });
  }

  private classify(findings: Finding[]): FindingRecord[] {
    return findings.map((finding) => {
      this.metrics.findings.inc({ kind: finding.kind });
      return this.allowlist.match(finding) ? { finding, suppressed: true } : { finding };
    });
  }

  /** One group-commit transaction: correlate what is about to be stored, then write it all at once. */
  private async write(items: PendingItem[]): Promise<void> {
    const unit: IngestUnit = { observations: [], findings: [], rejected: [] };
    // Replays are dropped here, before correlation: an observation at or below its node's
    // committed sequence, or one already in this transaction, was correlated when it was
    // first stored (or is about to be), and its findings must not count twice.
    const seen = new Map<string, Set<number>>();
    for (const item of items) {
      const state = item.node ? this.nodes.get(item.node) : undefined;
      const sequenced = item.observations.length > 0 || item.rejected !== null;
      if (state && sequenced && item.epoch !== undefined && item.epoch !== state.epoch) {
        item.refused = new Unavailable('an earlier transaction for this node failed: resend from the last acknowledged sequence');
        continue;
      }
      if (item.observations.length) {
        let mine = seen.get(item.node);
        if (!mine) seen.set(item.node, (mine = new Set()));
        const committed = state?.committed ?? 0;
        for (const r of item.observations) {
          if (r.sequence <= committed || mine.has(r.sequence)) {
            this.metrics.duplicates.inc();
            continue;
          }
          mine.add(r.sequence);
          unit.observations.push(r);
        }
      }
      for (const f of item.findings) unit.findings!.push(f);
      if (item.rejected) unit.rejected!.push(item.rejected);
    }
    if (unit.observations.length) {
      const observations = unit.observations.map((r) => r.observation);
      for (const f of this.classify(this.engine.observe(observations, nowUs()))) unit.findings!.push(f);
    }
    const started = performance.now();
    let result;
    try {
      result = await this.store.commitIngest(unit);
    } catch (error) {
      for (const item of items) {
        const state = item.node ? this.nodes.get(item.node) : undefined;
        if (state && !item.refused && (item.observations.length > 0 || item.rejected !== null)) state.epoch++;
      }
      this.metrics.commits.inc({ outcome: 'failed' });
      this.log.error('ingest transaction failed: batches not acknowledged, agents will resend', { error, observations: unit.observations.length });
      throw new Unavailable(`database write failed: ${(error as Error).message}`);
    }
    this.metrics.writeSeconds.observe((performance.now() - started) / 1000);
    this.metrics.commits.inc({ outcome: 'committed' });
    const byType = new Map<string, number>();
    for (const r of unit.observations) byType.set(r.observation.type, (byType.get(r.observation.type) ?? 0) + 1);
    for (const [type, n] of byType) this.metrics.observations.inc({ type }, n);
    if (result.duplicates) this.metrics.duplicates.inc({}, result.duplicates);
    for (const [node, committed] of result.committed) {
      const state = this.node(node);
      state.committed = Math.max(state.committed, committed);
      state.accepted = Math.max(state.accepted, state.committed);
    }
    for (const item of items) if (item.node) item.committed = this.node(item.node).committed;
    if (result.events.length) for (const listener of this.listeners) listener(result.events);
  }

  /** Runs the time-based rules and stores what they find. */
  async tick(): Promise<number> {
    const findings = this.engine.tick(nowUs());
    if (findings.length === 0 || this.draining) return 0;
    await this.committer.submit({ node: '', observations: [], findings: this.classify(findings), rejected: null, committed: 0 });
    return findings.length;
  }

  nodeNames(): Map<string, string> {
    return this.engine.nodeNames();
  }

  /** Called with every batch of newly opened or reopened mismatches, after COMMIT. */
  onEvents(listener: (events: MismatchEvent[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Refuses new work and commits everything queued. */
  async drain(): Promise<void> {
    this.draining = true;
    await this.committer.close();
  }
}
