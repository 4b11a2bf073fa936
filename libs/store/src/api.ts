/** The repository's surface: everything the collector may ask of the database. */
import type { NeighborObservation } from '@neighwatch/model';
import type {
  AcknowledgeRequest,
  BindingFilter,
  BindingRow,
  EventsQuery,
  HelloRecord,
  IngestResult,
  IngestUnit,
  InventoryRecord,
  MismatchDetail,
  MismatchEvent,
  MismatchFilter,
  MismatchPage,
  MismatchRow,
  NeighborCacheEntry,
  NeighborSnapshotRecord,
  NodeInfo,
  Page,
  PageRequest,
  Report,
  ReportRequest,
} from './types.ts';

/** At most this many evidence frames are kept per vantage point (node + interface) of a mismatch. */
export const EVIDENCE_PER_VANTAGE_POINT = 4;
/** Raw observations older than this are pruned by default: enough to replay a week of questions. */
export const DEFAULT_RETENTION_US = 7 * 24 * 3600 * 1_000_000;
/** A mismatch not seen for this long is resolved by default. */
export const DEFAULT_RESOLVE_QUIET_US = 24 * 3600 * 1_000_000;

export interface Store {
  /** The database file. */
  readonly file: string;

  /**
   * One transaction for many agents' batches: observations (replays skipped), derived wire
   * bindings, extra bindings, findings, rejected ranges, per-node committed sequence.
   * Resolves after COMMIT with the committed sequence of every node the unit touched.
   */
  commitIngest(unit: IngestUnit): Promise<IngestResult>;

  /** Records a Hello (creates the node on first contact); returns its committed sequence. */
  upsertHello(hello: HelloRecord): Promise<number>;
  /** Replaces the node's interfaces as a set and refreshes its inventory bindings. */
  replaceInventory(inventory: InventoryRecord): Promise<void>;
  /** Applies a full or delta neighbor snapshot and folds its entries into the bindings. */
  applyNeighborSnapshot(snapshot: NeighborSnapshotRecord): Promise<void>;
  /** Registers a node before its agent's first contact. Throws StoreConflictError if the name exists. */
  createNode(name: string, nowUs: number): Promise<void>;
  /** Highest committed (or rejected) sequence of a node; 0 for an unknown node. */
  committedSequence(node: string): Promise<number>;

  listNodes(): Promise<NodeInfo[]>;
  /** Current neighbor cache entries, of one observer or all. */
  neighborCache(node?: string): Promise<NeighborCacheEntry[]>;
  /** In the order first recorded (keyset pagination: stable while new bindings arrive). */
  listBindings(filter: BindingFilter, page?: PageRequest): Promise<Page<BindingRow>>;
  /** Newest first by last seen. */
  listMismatches(filter: MismatchFilter, page?: PageRequest): Promise<MismatchPage>;
  /** Throws StoreNotFoundError for an unknown id. */
  getMismatch(id: number): Promise<MismatchDetail>;
  /** open → acknowledged (who/when/note). Throws StoreNotFoundError for an unknown id. */
  acknowledge(request: AcknowledgeRequest): Promise<MismatchRow>;
  /**
   * Aggregates over [sinceUs, untilUs), computed in SQL from the hourly/daily occurrence
   * counts (hour granularity: an hour belongs to the range when it starts inside it).
   * Mismatch lists carry their state at `untilUs`; `byNode` counts per vantage-point node.
   */
  report(request: ReportRequest): Promise<Report>;
  /** State changes after a cursor, oldest first (watch replays these on reconnect). */
  eventsSince(query: EventsQuery): Promise<MismatchEvent[]>;

  /** Resolves open/acknowledged mismatches not seen since nowUs − quietUs; returns their events. */
  resolveQuiet(nowUs: number, quietUs?: number): Promise<MismatchEvent[]>;
  /** Deletes raw observations older than nowUs − retentionUs; mismatches and evidence stay. */
  prune(nowUs: number, retentionUs?: number): Promise<{ observationsDeleted: number }>;
  /** Stored observations captured at or after sinceUs, oldest first (ref = sequence). */
  recentObservations(sinceUs: number, limit?: number): Promise<NeighborObservation[]>;
  /** The same, page by page (bounded memory for rebuilding state from a long window). */
  observationsSince(sinceUs: number, pageSize?: number): AsyncIterable<NeighborObservation[]>;

  close(): Promise<void>;
}
