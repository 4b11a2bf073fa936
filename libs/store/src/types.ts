/**
 * The store's domain types: what the collector hands to the repository and what the
 * repository hands back. No Prisma or SQLite type ever crosses this boundary. Times are
 * microseconds since the Unix epoch (collector clock), as plain numbers: 2^53 µs is
 * year 2255, so a JS number holds them exactly.
 */
import type {
  Direction,
  Finding,
  MessageType,
  MismatchKind,
  MismatchState,
  NeighborCacheState,
  NeighborObservation,
  VantagePoint,
} from '@neighwatch/model';

export interface StoreOptions {
  /** SQLite database file; created (with its directory) when missing. */
  file: string;
  /** How long a writer waits for a lock held by another connection (default 5000 ms). */
  busyTimeoutMs?: number;
  /**
   * When a commit is on disk (SQLite `synchronous`, WAL journal either way):
   * - `'normal'`: COMMIT appends to the write-ahead log without an fsync; the log
   *   is synced at each checkpoint. A committed transaction survives the process being
   *   killed (SIGKILL, crash, OOM): the log is in the OS's page cache. Only a power cut or
   *   kernel crash can lose the last transactions before the next checkpoint.
   * - `'full'` (default): one fsync of the log per COMMIT; a committed transaction survives
   *   a power cut too, at the price of one disk flush per transaction (within measurement
   *   noise on the benchmark machine, see bench/store.md).
   */
  synchronous?: 'normal' | 'full';
  /**
   * Wire bindings (the IP → MAC a captured frame asserts) are folded in memory and written
   * at most this long after their observations commit (default 10 000 ms), and always before
   * a binding query answers, before pruning and at close. After a crash the observations
   * above each node's fold watermark are re-folded when the store opens: no sighting is
   * lost or counted twice.
   */
  bindingFlushMs?: number;
}

// ---------------------------------------------------------------------------------------
// Ingest
// ---------------------------------------------------------------------------------------

/** One captured frame as the agent reported it, already decoded by the collector. */
export interface ObservationRecord {
  /** The agent's persistent sequence number: with `observation.node`, identifies the row. */
  sequence: number;
  observation: NeighborObservation;
  /** The captured bytes (evidence), at most the snap length. */
  frame: Uint8Array;
  /** The frame's length on the wire. */
  frameLength: number;
}

/** One occurrence of a mismatch, with whether the allowlist matched it. */
export interface FindingRecord {
  finding: Finding;
  /** Matched by the allowlist: still stored and counted, flagged as suppressed. */
  suppressed?: boolean;
}

/** Where a binding was learnt (proto BindingSource). */
export type BindingSource = 'wire' | 'neighbor_cache' | 'inventory';

/** Extra binding sightings to fold into the aggregate (wire bindings are derived, see below). */
export interface BindingDelta {
  ip: string;
  mac: string;
  /** Node that saw or holds the binding. */
  observer: string;
  iface: string;
  source: BindingSource;
  firstSeenUs: number;
  lastSeenUs: number;
  count: number;
}

/** A sequence range the collector refused for good (invalid batch): acked as handled. */
export interface RejectedRange {
  node: string;
  firstSequence: number;
  lastSequence: number;
}

/**
 * Everything one ingest transaction writes. Many agents' batches go into one unit: the
 * store commits it in a single SQLite transaction.
 *
 * - Observations whose (node, sequence) is already committed are skipped (replays).
 * - Wire bindings are derived from the inserted observations by `wireBindingOf`; do not
 *   send them again in `bindings`.
 * - Findings upsert their mismatch (one row per kind + subject), add to its hourly
 *   occurrence count, keep up to `EVIDENCE_PER_VANTAGE_POINT` evidence frames per vantage
 *   point (frames are looked up by (evidence.node, evidence.ref = sequence) among the
 *   stored observations, this unit's included), and reopen a resolved mismatch.
 */
export interface IngestUnit {
  observations: ObservationRecord[];
  findings?: FindingRecord[];
  bindings?: BindingDelta[];
  rejected?: RejectedRange[];
}

export interface IngestResult {
  /** Per node touched by the unit: the highest sequence committed (or rejected), read after COMMIT. */
  committed: Map<string, number>;
  /** Observations newly stored. */
  inserted: number;
  /** Observations skipped because their (node, sequence) was already committed. */
  duplicates: number;
  /** Mismatches created or reopened by this unit (for the watch stream). */
  events: MismatchEvent[];
}

// ---------------------------------------------------------------------------------------
// Node state
// ---------------------------------------------------------------------------------------

export interface HelloRecord {
  node: string;
  agentVersion: string;
  os: string;
  bootId: string;
  /** Collector clock − agent clock. */
  clockOffsetUs: number;
  spoolDropped: number;
  /** When the collector received the Hello. */
  seenUs: number;
}

export type InterfaceKind = 'physical' | 'wireless' | 'bridge' | 'veth' | 'tap' | 'vlan' | 'loopback' | 'other';

export interface InterfaceRecord {
  name: string;
  /** Lower-case with colons, or '' for interfaces without one. */
  mac: string;
  kind: InterfaceKind;
  /** Non-empty: this interface is a port of that bridge. */
  bridgeMaster: string;
  up: boolean;
  /** "192.0.2.10/24", "2001:db8::1/64" */
  addresses: string[];
}

export interface InventoryRecord {
  node: string;
  timeUs: number;
  interfaces: InterfaceRecord[];
  /** When present, updates the node's spool drop counter. */
  spoolDropped?: number;
}

/** Linux NUD states, as the correlator names them. */
export type NeighborState = NeighborCacheState;

export interface NeighborEntryRecord {
  iface: string;
  ip: string;
  /** null for INCOMPLETE/FAILED entries. */
  mac: string | null;
  state: NeighborState;
  router: boolean;
  /** In a delta: the entry is gone. */
  removed?: boolean;
}

export interface NeighborSnapshotRecord {
  /** Observer: the node whose neighbor cache this is. */
  node: string;
  timeUs: number;
  /** true: the entries are the whole cache (entries not listed are deleted). */
  full: boolean;
  entries: NeighborEntryRecord[];
}

/** The current neighbor cache of one observer, as last reported. */
export interface NeighborCacheEntry extends NeighborEntryRecord {
  node: string;
  updatedUs: number;
}

export interface NodeInfo {
  name: string;
  agentVersion: string;
  os: string;
  bootId: string;
  lastSeenUs: number;
  clockOffsetUs: number;
  spoolDropped: number;
  observations: number;
  committedSequence: number;
  interfaces: InterfaceRecord[];
}

// ---------------------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------------------

export interface PageRequest {
  /** Default 100, at most 10 000. */
  limit?: number;
  /** Opaque, from the previous page's `nextCursor`. */
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  /** '' when this is the last page. */
  nextCursor: string;
}

export interface BindingRow {
  ip: string;
  mac: string;
  observer: string;
  iface: string;
  source: BindingSource;
  firstSeenUs: number;
  lastSeenUs: number;
  count: number;
}

export interface BindingFilter {
  ip?: string;
  mac?: string;
  /** Observer node. */
  node?: string;
  /** Last seen at or after. */
  sinceUs?: number;
}

export interface MismatchRow {
  id: number;
  kind: MismatchKind;
  state: MismatchState;
  subject: string;
  ip: string | null;
  macs: string[];
  /** The node the subject belongs to, when known. */
  node: string | null;
  vantagePoints: VantagePoint[];
  firstSeenUs: number;
  lastSeenUs: number;
  count: number;
  summary: string;
  rewrittenFields: string[];
  staleFields: string[];
  suppressed: boolean;
  suppressedCount: number;
  acknowledgedBy: string | null;
  acknowledgedUs: number | null;
  acknowledgedNote: string | null;
}

/** 'active' = open or acknowledged (the proto's UNSPECIFIED filter). */
export type MismatchStateFilter = MismatchState | 'active' | 'all';

export interface MismatchFilter {
  kinds?: MismatchKind[];
  /** Subject node or any vantage point's node. */
  node?: string;
  ip?: string;
  mac?: string;
  /** Default 'active'. */
  state?: MismatchStateFilter;
  /** Last seen at or after. */
  sinceUs?: number;
  /** First seen before. */
  untilUs?: number;
  includeSuppressed?: boolean;
}

export interface MismatchPage extends Page<MismatchRow> {
  /** How many mismatches matched the filter but are allowlisted (left out unless included). */
  suppressed: number;
}

export interface EvidenceFrame {
  node: string;
  iface: string;
  direction: Direction;
  timeUs: number;
  type: MessageType;
  frame: Uint8Array;
  frameLength: number;
  /** The agent's sequence number of the observation. */
  sequence: number;
}

export interface StateChange {
  state: MismatchState;
  atUs: number;
  /** Who made the change ('' for the collector itself). */
  by: string;
  note: string;
}

export interface MismatchDetail {
  mismatch: MismatchRow;
  evidence: EvidenceFrame[];
  /** Oldest first. */
  history: StateChange[];
}

export interface AcknowledgeRequest {
  id: number;
  by: string;
  note: string;
  atUs: number;
}

export type ReportBucket = 'hour' | 'day';

export interface ReportRequest {
  sinceUs: number;
  untilUs: number;
  bucket: ReportBucket;
  /** Top recurring mismatches (default 10). */
  top?: number;
  /** Cap on the opened / resolved / stillOpen lists (default 1000). */
  listLimit?: number;
}

export interface CountBy {
  key: string;
  occurrences: number;
  mismatches: number;
}

export interface TimelinePoint {
  bucketStartUs: number;
  kind: MismatchKind;
  occurrences: number;
}

/** A mismatch as it stood in the report's range: `state` is the state at `untilUs`. */
export interface ReportMismatch extends MismatchRow {
  /** Occurrences inside the range (hour granularity). */
  occurrencesInRange: number;
}

export interface Report {
  sinceUs: number;
  untilUs: number;
  bucket: ReportBucket;
  occurrences: number;
  byKind: CountBy[];
  byNode: CountBy[];
  byIp: CountBy[];
  timeline: TimelinePoint[];
  top: ReportMismatch[];
  opened: ReportMismatch[];
  resolved: ReportMismatch[];
  stillOpen: ReportMismatch[];
}

export type MismatchEventType = 'opened' | 'reopened' | 'acknowledged' | 'resolved';

export interface MismatchEvent {
  /** Increasing; pass the last one seen to `eventsSince` to resume. */
  id: number;
  type: MismatchEventType;
  atUs: number;
  mismatch: MismatchRow;
}

export interface EventsQuery {
  /** Events with id greater than this. */
  afterId?: number;
  /** Events at or after this time. */
  sinceUs?: number;
  /** Default: only 'opened' and 'reopened'. */
  types?: MismatchEventType[];
  limit?: number;
}
