/**
 * The repository. Two connections to one SQLite file in WAL mode:
 *
 * - Prisma (better-sqlite3 driver adapter) for node state, queries, reports and the
 *   mismatch lifecycle: off the hot path, where readable queries matter more than µs.
 * - One plain better-sqlite3 connection with prepared statements for the ingest hot path
 *   (`commitIngest`) and other bulk writes: Prisma's createMany manages ~10–17k rows/s
 *   here, prepared statements in one transaction several hundred thousand.
 *
 * SQL written by hand stays portable (ON CONFLICT … DO UPDATE, CASE instead of MIN/MAX
 * scalars, window functions): see docs/storage.md for what PostgreSQL would change.
 *
 * Every write goes through one async queue: a Prisma transaction spans awaits, and a
 * synchronous better-sqlite3 write started meanwhile on the other connection would wait
 * for the lock while blocking the event loop the Prisma transaction needs to finish.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import type {
  Direction,
  EvidenceRef,
  Finding,
  MessageType,
  MismatchKind,
  MismatchState,
  NeighborObservation,
  VantagePoint,
} from '@neighwatch/model';
import { PrismaClient, Prisma } from './generated/prisma/client.ts';
import {
  DEFAULT_RESOLVE_QUIET_US,
  DEFAULT_RETENTION_US,
  EVIDENCE_PER_VANTAGE_POINT,
  type Store,
} from './api.ts';
import { wireBindingOf } from './bindings.ts';
import { StoreConflictError, StoreError, StoreNotFoundError } from './errors.ts';
import { applyMigrations } from './migrate.ts';
import type {
  AcknowledgeRequest,
  BindingFilter,
  BindingRow,
  BindingSource,
  CountBy,
  EvidenceFrame,
  EventsQuery,
  HelloRecord,
  IngestResult,
  IngestUnit,
  ObservationRecord,
  InterfaceKind,
  InterfaceRecord,
  InventoryRecord,
  MismatchDetail,
  MismatchEvent,
  MismatchEventType,
  MismatchFilter,
  MismatchPage,
  MismatchRow,
  NeighborCacheEntry,
  NeighborSnapshotRecord,
  NeighborState,
  NodeInfo,
  Page,
  PageRequest,
  Report,
  ReportMismatch,
  ReportRequest,
  StoreOptions,
  TimelinePoint,
} from './types.ts';

const HOUR_US = 3600 * 1_000_000;
const DAY_US = 24 * HOUR_US;
const DEFAULT_PAGE = 100;
const MAX_PAGE = 10_000;
/** Rows per DELETE while pruning: short transactions, so ingest is never held up for long. */
const PRUNE_CHUNK = 20_000;
/** Ids per `IN (…)` list: SQLite bounds the number of parameters of one statement. */
const ID_CHUNK = 500;
/**
 * Wire bindings are folded in memory and written this often (StoreOptions.bindingFlushMs):
 * a binding seen a hundred times in ten seconds is one row update, not a hundred. Queries
 * flush first, so the interval does not delay answers; it bounds the re-fold after a crash.
 */
export const DEFAULT_BINDING_FLUSH_MS = 10_000;
/** Distinct bindings folded in memory before a flush is forced: bounds the fold's memory (~200 B each). */
const MAX_PENDING_BINDINGS = 200_000;
/**
 * Bindings per flush transaction, at most (whole nodes: a node's watermark moves with all
 * of its folded bindings). At ~5 µs per binding upsert one slice holds the event loop for a
 * few milliseconds; slices run one per write-queue turn, so ingest units go in between.
 */
const FLUSH_SLICE_BINDINGS = 500;

/** Vantage points in the order they first saw the mismatch. */
const WITH_VANTAGE = { vantagePoints: { orderBy: { id: 'asc' } } } satisfies Prisma.MismatchInclude;
type MismatchWithVantage = Prisma.MismatchGetPayload<{ include: typeof WITH_VANTAGE }>;

/** Opens (creating when missing) the database, applies pending migrations, returns the store. */
export async function openStore(options: StoreOptions): Promise<Store> {
  const file = resolve(options.file);
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  mkdirSync(dirname(file), { recursive: true });
  await applyMigrations(file, undefined, busyTimeoutMs);
  const db = new Database(file, { timeout: busyTimeoutMs });
  try {
    db.pragma('journal_mode = WAL');
    // NORMAL under WAL: a committed transaction survives the process being killed at any
    // moment (the log is in the OS's cache); FULL also survives a power cut, at one fsync
    // per transaction. See StoreOptions.synchronous.
    db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    db.pragma('foreign_keys = ON');
  } catch (error) {
    db.close();
    throw error;
  }
  const prisma = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: file, timeout: busyTimeoutMs }) });
  const store = new SqliteStore(file, db, prisma, options.bindingFlushMs ?? DEFAULT_BINDING_FLUSH_MS);
  try {
    // What a crash left folded only in memory is re-folded from the stored observations.
    store.refoldBindings();
  } catch (error) {
    await store.close();
    throw mapStoreError(error);
  }
  return store;
}

/** A chain of promises: one write at a time, in call order. */
class WriteQueue {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/** Turns driver errors into the store's domain errors; everything else passes through. */
export function mapStoreError(error: unknown): unknown {
  if (error instanceof StoreError) return error;
  if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
    const target = (error.meta as { target?: unknown; driverAdapterError?: { cause?: { constraint?: { fields?: string[] } } } } | undefined) ?? {};
    const fields = Array.isArray(target.target)
      ? (target.target as string[])
      : (target.driverAdapterError?.cause?.constraint?.fields ?? []);
    return new StoreConflictError(`already exists (unique ${fields.join(', ') || 'key'})`, fields);
  }
  if (error instanceof Database.SqliteError && (error.code === 'SQLITE_CONSTRAINT_UNIQUE' || error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY')) {
    // "UNIQUE constraint failed: node.name, node.x"
    const fields = (error.message.split(': ')[1] ?? '').split(', ').filter(Boolean);
    return new StoreConflictError(`already exists (unique ${fields.join(', ') || 'key'})`, fields);
  }
  return error;
}

async function mapped<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw mapStoreError(error);
  }
}

const n = (v: bigint | number | null | undefined): number => (v === null || v === undefined ? 0 : Number(v));
const nOrNull = (v: bigint | number | null | undefined): number | null => (v === null || v === undefined ? null : Number(v));
const jsonList = (s: string): string[] => JSON.parse(s) as string[];
const asBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

function toMismatchRow(m: MismatchWithVantage): MismatchRow {
  return {
    id: m.id,
    kind: m.kind as MismatchKind,
    state: m.state as MismatchState,
    subject: m.subject,
    ip: m.ip,
    macs: jsonList(m.macs),
    node: m.subjectNode,
    vantagePoints: m.vantagePoints.map((v) => ({ node: v.node, iface: v.iface })),
    firstSeenUs: n(m.firstSeenUs),
    lastSeenUs: n(m.lastSeenUs),
    count: n(m.count),
    summary: m.summary,
    rewrittenFields: jsonList(m.rewrittenFields),
    staleFields: jsonList(m.staleFields),
    suppressed: m.suppressed,
    suppressedCount: n(m.suppressedCount),
    acknowledgedBy: m.acknowledgedBy,
    acknowledgedUs: nOrNull(m.acknowledgedUs),
    acknowledgedNote: m.acknowledgedNote,
  };
}

const pageLimit = (page?: PageRequest) => Math.min(Math.max(page?.limit || DEFAULT_PAGE, 1), MAX_PAGE);

function decodeCursor(cursor: string | undefined, parts: number): number[] | null {
  if (!cursor) return null;
  const values = Buffer.from(cursor, 'base64url').toString('utf8').split(':').map(Number);
  if (values.length !== parts || values.some((v) => !Number.isSafeInteger(v))) {
    throw new StoreError(`invalid page cursor "${cursor}": pass the next_cursor of the previous page`);
  }
  return values;
}
const encodeCursor = (...values: number[]) => Buffer.from(values.join(':'), 'utf8').toString('base64url');

/** Per node, what one ingest unit changed. */
interface NodeDelta {
  id: number;
  committed: number;
  inserted: number;
  lastSeenUs: number;
  /** Highest sequence inserted by this unit so far (the common case: each row above it). */
  highest: number;
  /**
   * Every sequence this unit inserted for the node, once a row arrived below `highest`
   * (two batches of one node out of order, or overlapping after a reconnect): then the
   * exact set decides whether a row is a duplicate. Null until needed.
   */
  seen: Set<number> | null;
}

type RecentRow = Omit<NeighborObservation, 'checksumOk' | 'ref'> & { nodeId: number; sequence: number; checksumOk: number | null };

function toObservation({ sequence, checksumOk, nodeId: _nodeId, ...o }: RecentRow): NeighborObservation {
  return { ...o, checksumOk: checksumOk === null ? null : checksumOk === 1, ref: sequence };
}

/** One unit's findings for one mismatch (kind + subject). */
interface FoldedFindings {
  first: Finding;
  /** The last in the unit: its summary, IP and fields describe the row. */
  latest: Finding;
  firstUs: number;
  lastUs: number;
  times: number[];
  hours: Map<number, number>;
  macs: Set<string>;
  vantage: Map<string, VantagePoint>;
  evidence: EvidenceRef[];
  suppressed: number;
  lastSuppressed: boolean;
}

/** A wire binding's sightings since the last flush (what `binding` does not hold yet). */
interface FoldedBinding {
  ip: string;
  mac: string;
  observerId: number;
  iface: string;
  first: number;
  last: number;
  count: number;
}

/**
 * One observer node's folded wire bindings: interface → IP → MAC → sightings. Nested maps
 * keyed by the observation's own strings: no key string is built per row (a joined key
 * cost ~0.3 µs per observation, the nested lookups ~0.05 µs).
 */
class NodeFold {
  /** Distinct bindings held. */
  size = 0;
  readonly byIface = new Map<string, Map<string, Map<string, FoldedBinding>>>();

  *values(): IterableIterator<FoldedBinding> {
    for (const ips of this.byIface.values()) for (const macs of ips.values()) yield* macs.values();
  }
}

/** Wire bindings folded per observer node (node id → its fold). */
type BindingFold = Map<number, NodeFold>;

/** Adds one sighting to the fold (the binding's identity, source being 'wire'); returns 1 for a new binding. */
function foldWire(fold: BindingFold, ip: string, mac: string, observerId: number, iface: string, timeUs: number): number {
  let node = fold.get(observerId);
  if (!node) fold.set(observerId, (node = new NodeFold()));
  let ips = node.byIface.get(iface);
  if (!ips) node.byIface.set(iface, (ips = new Map()));
  let macs = ips.get(ip);
  if (!macs) ips.set(ip, (macs = new Map()));
  const b = macs.get(mac);
  if (b) {
    if (timeUs < b.first) b.first = timeUs;
    if (timeUs > b.last) b.last = timeUs;
    b.count++;
    return 0;
  }
  macs.set(mac, { ip, mac, observerId, iface, first: timeUs, last: timeUs, count: 1 });
  node.size++;
  return 1;
}

type RefoldRow = Pick<NeighborObservation, 'type' | 'srcIp' | 'targetIp' | 'lladdr' | 'ethSrc' | 'iface' | 'timeUs'> & { nodeId: number };

interface PendingEvent {
  id: number;
  type: MismatchEventType;
  atUs: number;
  mismatchId: number;
}

class SqliteStore implements Store {
  private readonly writes = new WriteQueue();
  private readonly nodeIds = new Map<string, number>();
  /** (mismatch, node, iface) → evidence frames kept; saves a COUNT per finding once full. */
  private readonly evidenceCounts = new Map<string, number>();
  private readonly knownVantage = new Set<string>();
  private readonly ingestTx: Database.Transaction<
    (unit: IngestUnit) => { deltas: Map<string, NodeDelta>; inserted: number; duplicates: number; events: PendingEvent[] }
  >;
  private readonly sql;
  private closed = false;
  /**
   * Wire bindings of committed observations not yet in `binding`. Every committed
   * observation above a node's `bindings_folded_sequence` is folded here; a flush writes
   * them and moves that watermark in one transaction, so a crash loses nothing that the
   * start-up re-fold (`refoldBindings`) does not recover, and nothing is counted twice.
   */
  private pendingBindings: BindingFold = new Map();
  /** Distinct bindings in `pendingBindings`. */
  private pendingCount = 0;
  /** Nodes whose committed sequence moved since their watermark last did. */
  private touchedNodes = new Set<number>();
  /** The nodes a sliced flush still has to write, in order; null when no flush is running. */
  private flushRound: number[] | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private flushQueued = false;
  /** Node id → committed sequence, as of the last committed unit (cleared on rollback). */
  private readonly committedById = new Map<number, number>();
  /**
   * The id the next observation row gets: rows are appended in commit order (the table's
   * key). Kept here rather than left to SQLite, which reuses ids once a prune deleted the
   * newest rows: those would land below the nodes' fold watermarks and a re-fold would skip
   * them. Here ids only grow while the store is open; at open, the re-fold moves every
   * watermark to the highest stored id, and counting starts above it.
   */
  private nextObservationId = 1;
  /** A unit rolled back after folding: the fold may hold bindings of rows never stored. */
  private refoldNeeded = false;

  constructor(
    readonly file: string,
    private readonly db: Database.Database,
    private readonly prisma: PrismaClient,
    private readonly bindingFlushMs: number,
  ) {
    this.sql = {
      nodeId: db.prepare<[string], { id: number; committed: number }>(
        'SELECT id, committed_sequence AS committed FROM node WHERE name = ?',
      ),
      nodeCommitted: db.prepare<[number], { committed: number }>('SELECT committed_sequence AS committed FROM node WHERE id = ?'),
      insertNode: db.prepare(
        'INSERT INTO node (name, first_seen_us, last_seen_us) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING',
      ),
      insertObservation: db.prepare(
        `INSERT INTO observation (id, node_id, sequence, time_us, iface, direction, type, eth_src, eth_dst, vlan, src_ip,
           target_ip, lladdr, na_flags, checksum_ok, fingerprint, frame, frame_length)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      upsertBinding: db.prepare(
        `INSERT INTO binding (ip, mac, observer_id, iface, source, first_seen_us, last_seen_us, count)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (ip, mac, observer_id, iface, source) DO UPDATE SET
           first_seen_us = CASE WHEN excluded.first_seen_us < binding.first_seen_us THEN excluded.first_seen_us ELSE binding.first_seen_us END,
           last_seen_us = CASE WHEN excluded.last_seen_us > binding.last_seen_us THEN excluded.last_seen_us ELSE binding.last_seen_us END,
           count = binding.count + excluded.count`,
      ),
      // The id watermark: every row of the node up to the highest id written so far is in
      // the fold being written (a re-fold scans ids above the lowest watermark only).
      markBindingsFolded: db.prepare<[number]>('UPDATE node SET bindings_folded_sequence = committed_sequence, bindings_folded_id = ?'),
      markNodeBindingsFolded: db.prepare<[number, number]>(
        'UPDATE node SET bindings_folded_sequence = committed_sequence, bindings_folded_id = ? WHERE id = ?',
      ),
      unfolded: db.prepare<[], RefoldRow>(
        `SELECT o.node_id AS nodeId, o.type, o.src_ip AS srcIp, o.target_ip AS targetIp, o.lladdr, o.eth_src AS ethSrc,
           o.iface, o.time_us AS timeUs
         FROM observation o JOIN node n ON n.id = o.node_id
         WHERE o.id > (SELECT COALESCE(MIN(bindings_folded_id), 0) FROM node) AND o.id > n.bindings_folded_id`,
      ),
      lastObservationId: db.prepare<[], { id: number }>('SELECT COALESCE(MAX(id), 0) AS id FROM observation'),
      updateNodeAfterIngest: db.prepare(
        `UPDATE node SET committed_sequence = ?, observation_count = observation_count + ?,
           last_seen_us = CASE WHEN ? > last_seen_us THEN ? ELSE last_seen_us END
         WHERE id = ?`,
      ),
      findMismatch: db.prepare<[string, string], { id: number; state: string; macs: string; firstSeen: number; lastSeen: number; stateChanged: number }>(
        `SELECT id, state, macs, first_seen_us AS firstSeen, last_seen_us AS lastSeen, state_changed_us AS stateChanged
         FROM mismatch WHERE kind = ? AND subject = ?`,
      ),
      insertMismatch: db.prepare(
        `INSERT INTO mismatch (kind, subject, state, ip, macs, subject_node, summary, rewritten_fields, stale_fields,
           first_seen_us, last_seen_us, count, suppressed, suppressed_count, state_changed_us)
         VALUES (?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      updateMismatch: db.prepare(
        `UPDATE mismatch SET ip = COALESCE(?, ip), macs = ?, subject_node = COALESCE(?, subject_node), summary = ?,
           rewritten_fields = COALESCE(?, rewritten_fields), stale_fields = COALESCE(?, stale_fields),
           first_seen_us = ?, last_seen_us = ?, count = count + ?, suppressed = ?, suppressed_count = suppressed_count + ?
         WHERE id = ?`,
      ),
      reopenMismatch: db.prepare(
        `UPDATE mismatch SET state = 'open', state_changed_us = ?, acknowledged_by = NULL, acknowledged_us = NULL,
           acknowledged_note = NULL WHERE id = ?`,
      ),
      insertStateChange: db.prepare(
        'INSERT INTO mismatch_state_change (mismatch_id, state, reason, at_us, "by", note) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      insertVantage: db.prepare(
        'INSERT INTO mismatch_vantage_point (mismatch_id, node, iface) VALUES (?, ?, ?) ON CONFLICT (mismatch_id, node, iface) DO NOTHING',
      ),
      upsertOccurrence: db.prepare(
        `INSERT INTO mismatch_occurrence (mismatch_id, hour_start_us, count) VALUES (?, ?, ?)
         ON CONFLICT (mismatch_id, hour_start_us) DO UPDATE SET count = mismatch_occurrence.count + excluded.count`,
      ),
      upsertDailyOccurrence: db.prepare(
        `INSERT INTO mismatch_daily_occurrence (mismatch_id, day_start_us, count) VALUES (?, ?, ?)
         ON CONFLICT (mismatch_id, day_start_us) DO UPDATE SET count = mismatch_daily_occurrence.count + excluded.count`,
      ),
      countEvidence: db.prepare<[number, string, string], { c: number }>(
        'SELECT COUNT(*) AS c FROM mismatch_evidence WHERE mismatch_id = ? AND node = ? AND iface = ?',
      ),
      insertEvidence: db.prepare(
        `INSERT INTO mismatch_evidence (mismatch_id, node, iface, sequence, direction, time_us, type, frame, frame_length)
         SELECT ?, ?, o.iface, o.sequence, o.direction, o.time_us, o.type, o.frame, o.frame_length
         FROM observation o WHERE o.time_us = ? AND o.node_id = ? AND o.sequence = ?
         ON CONFLICT (mismatch_id, node, sequence) DO NOTHING`,
      ),
      deleteInterfaces: db.prepare('DELETE FROM node_interface WHERE node_id = ?'),
      insertInterface: db.prepare(
        'INSERT INTO node_interface (node_id, name, mac, kind, bridge_master, up, addresses) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      updateNodeInventory: db.prepare(
        `UPDATE node SET inventory_us = ?, spool_dropped = COALESCE(?, spool_dropped),
           last_seen_us = CASE WHEN ? > last_seen_us THEN ? ELSE last_seen_us END WHERE id = ?`,
      ),
      upsertNeighbor: db.prepare(
        `INSERT INTO neighbor_entry (node_id, iface, ip, mac, state, router, updated_us) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (node_id, iface, ip) DO UPDATE SET mac = excluded.mac, state = excluded.state,
           router = excluded.router, updated_us = excluded.updated_us`,
      ),
      deleteNeighbor: db.prepare('DELETE FROM neighbor_entry WHERE node_id = ? AND iface = ? AND ip = ?'),
      deleteStaleNeighbors: db.prepare('DELETE FROM neighbor_entry WHERE node_id = ? AND updated_us < ?'),
      pruneChunk: db.prepare(
        `DELETE FROM observation WHERE id IN (SELECT id FROM observation WHERE time_us < ? ORDER BY time_us LIMIT ?)`,
      ),
      recent: db.prepare<[number, number]>(
        `SELECT n.name AS node, o.node_id AS nodeId, o.sequence, o.time_us AS timeUs, o.iface, o.direction, o.type, o.eth_src AS ethSrc,
           o.eth_dst AS ethDst, o.vlan, o.src_ip AS srcIp, o.target_ip AS targetIp, o.lladdr, o.na_flags AS naFlags,
           o.checksum_ok AS checksumOk, o.fingerprint
         FROM observation o JOIN node n ON n.id = o.node_id
         WHERE o.time_us >= ? ORDER BY o.time_us, o.node_id, o.sequence LIMIT ?`,
      ),
      // The next page after (time, node, sequence): keyset, so each page is its own short read.
      recentAfter: db.prepare(
        `SELECT n.name AS node, o.node_id AS nodeId, o.sequence, o.time_us AS timeUs, o.iface, o.direction, o.type, o.eth_src AS ethSrc,
           o.eth_dst AS ethDst, o.vlan, o.src_ip AS srcIp, o.target_ip AS targetIp, o.lladdr, o.na_flags AS naFlags,
           o.checksum_ok AS checksumOk, o.fingerprint
         FROM observation o JOIN node n ON n.id = o.node_id
         WHERE (o.time_us, o.node_id, o.sequence) > (?, ?, ?)
         ORDER BY o.time_us, o.node_id, o.sequence LIMIT ?`,
      ),
    };
    this.ingestTx = db.transaction((unit: IngestUnit) => this.ingest(unit));
    this.nextObservationId = this.sql.lastObservationId.get()!.id + 1;
  }

  // -------------------------------------------------------------------------------------
  // Ingest (hot path, synchronous inside one IMMEDIATE transaction)
  // -------------------------------------------------------------------------------------

  commitIngest(unit: IngestUnit): Promise<IngestResult> {
    return this.write(async () => {
      let out;
      try {
        out = this.ingestTx.immediate(unit);
      } catch (error) {
        this.forgetCaches();
        // The unit folded its bindings before it rolled back: the fold is rebuilt from the
        // stored rows at the next flush instead.
        this.refoldNeeded = true;
        this.scheduleFlush();
        throw mapStoreError(error);
      }
      // COMMIT has returned: these sequences are durable and may be acknowledged.
      this.scheduleFlush();
      const committed = new Map<string, number>();
      for (const [name, d] of out.deltas) committed.set(name, d.committed);
      return { committed, inserted: out.inserted, duplicates: out.duplicates, events: await this.loadEvents(out.events) };
    });
  }

  private scheduleFlush(): void {
    if (this.closed || this.flushRound) return;
    if (this.pendingCount === 0 && this.touchedNodes.size === 0 && !this.refoldNeeded) return;
    if (this.pendingCount >= MAX_PENDING_BINDINGS) this.startFlushRound();
    else if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = null;
        this.startFlushRound();
      }, this.bindingFlushMs);
      // The flush is also run by close(): a pending timer must not keep the process alive.
      this.flushTimer.unref();
    }
  }

  /**
   * A sliced flush: the nodes with folded bindings (or a moved committed sequence) are
   * written a few at a time, one slice per write-queue turn, each slice in a transaction of
   * its own that also moves those nodes' watermarks. Ingest units queued meanwhile run
   * between slices, so no single write holds the event loop for more than a few ms.
   */
  private startFlushRound(): void {
    if (this.closed || this.flushRound) return;
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    this.flushRound = [...new Set([...this.pendingBindings.keys(), ...this.touchedNodes])];
    this.queueSlice();
  }

  private queueSlice(): void {
    if (this.flushQueued || this.closed || !this.flushRound) return;
    this.flushQueued = true;
    this.writes
      .run(() => this.flushSlice())
      .then(
        (more) => more,
        // A failed slice keeps its bindings pending and its watermarks where they were; the
        // round ends and the next one, an interval later, tries again.
        () => false,
      )
      .then((more) => {
        this.flushQueued = false;
        if (more && this.flushRound) setImmediate(() => this.queueSlice());
        else {
          this.flushRound = null;
          this.scheduleFlush();
        }
      });
  }

  /**
   * Writes the next slice of the running round: whole nodes, up to FLUSH_SLICE_BINDINGS
   * bindings (at least one node). Runs on the write queue, between ingest units: at that
   * point every committed observation of a node above its watermark has its binding in the
   * fold, so the node's watermark may move to its committed sequence with them. Returns
   * whether nodes are left.
   */
  private flushSlice(): boolean {
    const round = this.flushRound;
    if (!round || round.length === 0) return false;
    if (this.refoldNeeded) {
      this.flushBindingsNow();
      this.flushRound = [];
      return false;
    }
    let take = 0;
    let bindings = 0;
    while (take < round.length && (take === 0 || bindings + (this.pendingBindings.get(round[take])?.size ?? 0) <= FLUSH_SLICE_BINDINGS)) {
      bindings += this.pendingBindings.get(round[take])?.size ?? 0;
      take++;
    }
    const nodes = round.slice(0, take);
    this.syncTx(() => {
      const upsert = this.sql.upsertBinding;
      for (const id of nodes) {
        const fold = this.pendingBindings.get(id);
        if (fold) for (const b of fold.values()) upsert.run(b.ip, b.mac, b.observerId, b.iface, 'wire', b.first, b.last, b.count);
        this.sql.markNodeBindingsFolded.run(this.nextObservationId - 1, id);
      }
    });
    // Committed: these nodes' bindings are in the table, up to their watermarks.
    for (const id of nodes) {
      this.pendingCount -= this.pendingBindings.get(id)?.size ?? 0;
      this.pendingBindings.delete(id);
      this.touchedNodes.delete(id);
    }
    round.splice(0, take);
    return round.length > 0;
  }

  /**
   * Writes every folded wire binding and moves every node's watermark to its committed
   * sequence, in one transaction (queries, prune and close need the whole fold written).
   * Runs on the write queue, between ingest units.
   */
  private flushBindingsNow(): void {
    if (this.refoldNeeded) {
      // Everything above the watermarks, this fold included, is re-read from the stored rows.
      this.pendingBindings = new Map();
      this.pendingCount = 0;
      this.touchedNodes.clear();
      this.refoldBindings();
      this.refoldNeeded = false;
      return;
    }
    if (this.pendingCount === 0 && this.touchedNodes.size === 0) return;
    const pending = this.pendingBindings;
    this.syncTx(() => {
      const upsert = this.sql.upsertBinding;
      for (const fold of pending.values()) {
        for (const b of fold.values()) upsert.run(b.ip, b.mac, b.observerId, b.iface, 'wire', b.first, b.last, b.count);
      }
      this.sql.markBindingsFolded.run(this.nextObservationId - 1);
    });
    this.pendingBindings = new Map();
    this.pendingCount = 0;
    this.touchedNodes.clear();
  }

  /**
   * At open: folds the wire bindings of observations above each node's watermark (what a
   * crash or SIGKILL left only in memory) and writes them with the watermark, in one
   * transaction. A clean shutdown leaves nothing to re-fold.
   */
  refoldBindings(): number {
    let folded = 0;
    this.syncTx(() => {
      const fold: BindingFold = new Map();
      for (const row of this.sql.unfolded.iterate()) {
        folded++;
        const wire = wireBindingOf(row);
        if (wire) foldWire(fold, wire.ip, wire.mac, row.nodeId, row.iface, row.timeUs);
      }
      for (const node of fold.values()) {
        for (const b of node.values()) this.sql.upsertBinding.run(b.ip, b.mac, b.observerId, b.iface, 'wire', b.first, b.last, b.count);
      }
      this.sql.markBindingsFolded.run(this.nextObservationId - 1);
    });
    return folded;
  }

  /** Caches hold ids written by a transaction that may have rolled back. */
  private forgetCaches(): void {
    this.nodeIds.clear();
    this.evidenceCounts.clear();
    this.knownVantage.clear();
    this.committedById.clear();
  }

  private nodeDelta(deltas: Map<string, NodeDelta>, name: string, timeUs: number): NodeDelta {
    let d = deltas.get(name);
    if (d) return d;
    let id = this.nodeIds.get(name);
    let committed: number;
    if (id === undefined) {
      this.sql.insertNode.run(name, timeUs, timeUs);
      const row = this.sql.nodeId.get(name)!;
      id = row.id;
      committed = row.committed;
      this.nodeIds.set(name, id);
    } else {
      committed = this.committedById.get(id) ?? this.sql.nodeCommitted.get(id)!.committed;
    }
    d = { id, committed, inserted: 0, lastSeenUs: 0, highest: committed, seen: null };
    deltas.set(name, d);
    return d;
  }

  /**
   * The sequences of `node` this unit inserted before `upTo` (the record now being looked
   * at): the rows above the committed mark that came first, each once. Only run when a
   * node's rows arrive out of order within one unit.
   */
  private insertedSequences(unit: IngestUnit, node: string, upTo: ObservationRecord, committed: number): Set<number> {
    const seen = new Set<number>();
    for (const r of unit.observations) {
      if (r === upTo) break;
      if (r.observation.node === node && r.sequence > committed) seen.add(r.sequence);
    }
    return seen;
  }

  private ingest(unit: IngestUnit) {
    const deltas = new Map<string, NodeDelta>();
    // Extra bindings (neighbor caches, inventory) are not derived from stored rows, so they
    // are written in the unit's own transaction; folded per identity first.
    const bindings = new Map<string, { ip: string; mac: string; observerId: number; iface: string; source: BindingSource; first: number; last: number; count: number }>();
    const addBinding = (ip: string, mac: string, observerId: number, iface: string, source: BindingSource, first: number, last: number, count: number) => {
      const key = `${ip}|${mac}|${observerId}|${iface}|${source}`;
      const b = bindings.get(key);
      if (b) {
        if (first < b.first) b.first = first;
        if (last > b.last) b.last = last;
        b.count += count;
      } else {
        bindings.set(key, { ip, mac, observerId, iface, source, first, last, count });
      }
    };
    // Wire bindings go straight into the cross-unit fold (flushSlice); should the unit roll
    // back, commitIngest marks the fold for a rebuild from the stored rows.
    let inserted = 0;
    let duplicates = 0;
    // One run per row: a multi-row INSERT … VALUES (…), (…) measured slower per row here
    // (bench/store.md, "Row shape").
    const insertObservation = this.sql.insertObservation;
    for (const record of unit.observations) {
      const o = record.observation;
      const d = this.nodeDelta(deltas, o.node, o.timeUs);
      // Replays are dropped here, by (node, sequence), before anything is written: sequences
      // are strictly increasing per agent, so anything at or below the committed mark is a
      // replay (even after its row was pruned), and within this unit a sequence counts once.
      if (record.sequence <= d.committed) {
        duplicates++;
        continue;
      }
      if (record.sequence > d.highest) {
        if (d.seen) d.seen.add(record.sequence);
        d.highest = record.sequence;
      } else {
        d.seen ??= this.insertedSequences(unit, o.node, record, d.committed);
        if (d.seen.has(record.sequence)) {
          duplicates++;
          continue;
        }
        d.seen.add(record.sequence);
      }
      insertObservation.run(
        this.nextObservationId++,
        d.id,
        record.sequence,
        o.timeUs,
        o.iface,
        o.direction,
        o.type,
        o.ethSrc,
        o.ethDst,
        o.vlan,
        o.srcIp,
        o.targetIp,
        o.lladdr,
        o.naFlags,
        o.checksumOk === null ? null : o.checksumOk ? 1 : 0,
        o.fingerprint,
        asBuffer(record.frame),
        record.frameLength,
      );
      inserted++;
      d.inserted++;
      if (o.timeUs > d.lastSeenUs) d.lastSeenUs = o.timeUs;
      const binding = wireBindingOf(o);
      if (binding) this.pendingCount += foldWire(this.pendingBindings, binding.ip, binding.mac, d.id, o.iface, o.timeUs);
    }
    // The committed mark moves after the loop: a batch may arrive out of order within a unit.
    for (const record of unit.observations) {
      const d = deltas.get(record.observation.node)!;
      if (record.sequence > d.committed) d.committed = record.sequence;
    }

    for (const b of unit.bindings ?? []) {
      const d = this.nodeDelta(deltas, b.observer, b.lastSeenUs);
      addBinding(b.ip, b.mac, d.id, b.iface, b.source, b.firstSeenUs, b.lastSeenUs, b.count);
    }
    for (const b of bindings.values()) {
      this.sql.upsertBinding.run(b.ip, b.mac, b.observerId, b.iface, b.source, b.first, b.last, b.count);
    }

    // Findings are folded per mismatch first: a unit touches each mismatch row once however
    // many times it recurred (a rewriting bridge makes every frame a finding).
    const events: PendingEvent[] = [];
    const folded = new Map<string, FoldedFindings>();
    for (const record of unit.findings ?? []) {
      const f = record.finding;
      const key = `${f.kind}\u0000${f.subject}`;
      let agg = folded.get(key);
      if (!agg) {
        agg = { first: f, latest: f, firstUs: f.timeUs, lastUs: f.timeUs, times: [], hours: new Map(), macs: new Set(), vantage: new Map(), evidence: [], suppressed: 0, lastSuppressed: false };
        folded.set(key, agg);
      }
      const suppressed = record.suppressed ?? false;
      if (f.timeUs < agg.firstUs) agg.firstUs = f.timeUs;
      if (f.timeUs >= agg.lastUs) agg.lastUs = f.timeUs;
      agg.latest = f;
      agg.lastSuppressed = suppressed;
      if (suppressed) agg.suppressed++;
      agg.times.push(f.timeUs);
      const hour = Math.floor(f.timeUs / HOUR_US) * HOUR_US;
      agg.hours.set(hour, (agg.hours.get(hour) ?? 0) + 1);
      for (const m of f.macs) agg.macs.add(m);
      for (const v of f.vantagePoints) agg.vantage.set(`${v.node}\u0000${v.iface}`, v);
      for (const e of f.evidence) agg.evidence.push(e);
    }
    for (const agg of folded.values()) {
      const id = this.upsertMismatch(agg, events);
      const days = new Map<number, number>();
      for (const [hour, count] of agg.hours) {
        this.sql.upsertOccurrence.run(id, hour, count);
        const day = Math.floor(hour / DAY_US) * DAY_US;
        days.set(day, (days.get(day) ?? 0) + count);
      }
      for (const [day, count] of days) this.sql.upsertDailyOccurrence.run(id, day, count);
    }

    for (const r of unit.rejected ?? []) {
      const d = this.nodeDelta(deltas, r.node, 0);
      if (r.lastSequence > d.committed) d.committed = r.lastSequence;
    }
    for (const d of deltas.values()) {
      this.sql.updateNodeAfterIngest.run(d.committed, d.inserted, d.lastSeenUs, d.lastSeenUs, d.id);
      // Rolled back with the unit if it fails (forgetCaches).
      this.committedById.set(d.id, d.committed);
      this.touchedNodes.add(d.id);
    }
    return { deltas, inserted, duplicates, events };
  }

  /** Upserts one mismatch with a unit's findings for it; reopens it when resolved. Returns its id. */
  private upsertMismatch(agg: FoldedFindings, events: PendingEvent[]): number {
    const f = agg.latest;
    const existing = this.sql.findMismatch.get(f.kind, f.subject);
    const rewritten = f.rewrittenFields ? JSON.stringify(f.rewrittenFields) : null;
    const stale = f.staleFields ? JSON.stringify(f.staleFields) : null;
    const count = agg.times.length;
    let id: number;
    if (!existing) {
      id = Number(
        this.sql.insertMismatch.run(
          f.kind,
          f.subject,
          f.ip ?? agg.first.ip,
          // First-seen order, not sorted: rules put the frame's source first and the
          // claimed address second, and explanations read them in that order.
          JSON.stringify([...agg.macs]),
          f.node ?? agg.first.node,
          f.summary,
          rewritten ?? '[]',
          stale ?? '[]',
          agg.firstUs,
          agg.lastUs,
          count,
          agg.lastSuppressed ? 1 : 0,
          agg.suppressed,
          agg.firstUs,
        ).lastInsertRowid,
      );
      const event = Number(this.sql.insertStateChange.run(id, 'open', 'opened', agg.firstUs, '', '').lastInsertRowid);
      events.push({ id: event, type: 'opened', atUs: agg.firstUs, mismatchId: id });
    } else {
      id = existing.id;
      const known = jsonList(existing.macs);
      const macs = [...agg.macs].every((m) => known.includes(m)) ? existing.macs : JSON.stringify([...new Set([...known, ...agg.macs])]);
      this.sql.updateMismatch.run(
        f.ip,
        macs,
        f.node,
        f.summary,
        rewritten,
        stale,
        Math.min(existing.firstSeen, agg.firstUs),
        Math.max(existing.lastSeen, agg.lastUs),
        count,
        agg.lastSuppressed ? 1 : 0,
        agg.suppressed,
        id,
      );
      // Seen again after it was resolved (a late frame from before the resolution does not count).
      if (existing.state === 'resolved') {
        let reopenUs = Infinity;
        for (const t of agg.times) if (t >= existing.stateChanged && t < reopenUs) reopenUs = t;
        if (reopenUs !== Infinity) {
          this.sql.reopenMismatch.run(reopenUs, id);
          const event = Number(this.sql.insertStateChange.run(id, 'open', 'reopened', reopenUs, '', '').lastInsertRowid);
          events.push({ id: event, type: 'reopened', atUs: reopenUs, mismatchId: id });
        }
      }
    }
    for (const v of agg.vantage.values()) {
      const key = `${id}|${v.node}|${v.iface}`;
      if (this.knownVantage.has(key)) continue;
      this.sql.insertVantage.run(id, v.node, v.iface);
      this.knownVantage.add(key);
    }
    for (const e of agg.evidence) {
      const key = `${id}|${e.node}|${e.iface}`;
      let kept = this.evidenceCounts.get(key);
      if (kept === undefined) kept = this.sql.countEvidence.get(id, e.node, e.iface)!.c;
      if (kept < EVIDENCE_PER_VANTAGE_POINT) {
        const nodeId = this.nodeIds.get(e.node) ?? this.sql.nodeId.get(e.node)?.id;
        // The frame is found through the time index (an evidence reference carries the
        // observation's time): (node, sequence) has no index of its own.
        if (nodeId !== undefined) kept += this.sql.insertEvidence.run(id, e.node, e.timeUs, nodeId, e.ref).changes;
      }
      this.evidenceCounts.set(key, kept);
    }
    return id;
  }

  private async loadEvents(pending: PendingEvent[]): Promise<MismatchEvent[]> {
    if (pending.length === 0) return [];
    const byId = new Map((await this.mismatchesById([...new Set(pending.map((p) => p.mismatchId))])).map((r) => [r.id, toMismatchRow(r)]));
    return pending.map((p) => ({ id: p.id, type: p.type, atUs: p.atUs, mismatch: byId.get(p.mismatchId)! }));
  }

  /** Rows by id, in chunks that stay under SQLite's bound-parameter limit. */
  private async mismatchesById(ids: number[]): Promise<MismatchWithVantage[]> {
    const rows: MismatchWithVantage[] = [];
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      rows.push(...(await this.prisma.mismatch.findMany({ where: { id: { in: ids.slice(i, i + ID_CHUNK) } }, include: WITH_VANTAGE })));
    }
    return rows;
  }

  // -------------------------------------------------------------------------------------
  // Node state
  // -------------------------------------------------------------------------------------

  upsertHello(hello: HelloRecord): Promise<number> {
    return this.write(async () => {
      const data = {
        agentVersion: hello.agentVersion,
        os: hello.os,
        bootId: hello.bootId,
        clockOffsetUs: BigInt(hello.clockOffsetUs),
        spoolDropped: BigInt(hello.spoolDropped),
      };
      const node = await this.prisma.node.upsert({
        where: { name: hello.node },
        create: { name: hello.node, ...data, firstSeenUs: BigInt(hello.seenUs), lastSeenUs: BigInt(hello.seenUs) },
        update: data,
      });
      if (hello.seenUs > n(node.lastSeenUs)) {
        await this.prisma.node.update({ where: { id: node.id }, data: { lastSeenUs: BigInt(hello.seenUs) } });
      }
      return n(node.committedSequence);
    });
  }

  replaceInventory(inv: InventoryRecord): Promise<void> {
    return this.write(() =>
      this.syncTx(() => {
        const d = this.nodeDelta(new Map(), inv.node, inv.timeUs);
        this.sql.deleteInterfaces.run(d.id);
        for (const i of inv.interfaces) {
          this.sql.insertInterface.run(d.id, i.name, i.mac, i.kind, i.bridgeMaster, i.up ? 1 : 0, JSON.stringify(i.addresses));
          if (!i.mac) continue;
          for (const address of i.addresses) {
            const ip = address.split('/')[0];
            this.sql.upsertBinding.run(ip, i.mac, d.id, i.name, 'inventory', inv.timeUs, inv.timeUs, 1);
          }
        }
        const spool = inv.spoolDropped === undefined ? null : inv.spoolDropped;
        this.sql.updateNodeInventory.run(inv.timeUs, spool, inv.timeUs, inv.timeUs, d.id);
      }),
    );
  }

  applyNeighborSnapshot(s: NeighborSnapshotRecord): Promise<void> {
    return this.write(() =>
      this.syncTx(() => {
        const d = this.nodeDelta(new Map(), s.node, s.timeUs);
        for (const e of s.entries) {
          if (e.removed) {
            this.sql.deleteNeighbor.run(d.id, e.iface, e.ip);
            continue;
          }
          this.sql.upsertNeighbor.run(d.id, e.iface, e.ip, e.mac, e.state, e.router ? 1 : 0, s.timeUs);
          if (e.mac) this.sql.upsertBinding.run(e.ip, e.mac, d.id, e.iface, 'neighbor_cache', s.timeUs, s.timeUs, 1);
        }
        // A full snapshot is the whole cache: what it does not list is gone.
        if (s.full) this.sql.deleteStaleNeighbors.run(d.id, s.timeUs);
      }),
    );
  }

  async committedSequence(node: string): Promise<number> {
    const row = await this.prisma.node.findUnique({ where: { name: node }, select: { committedSequence: true } });
    return n(row?.committedSequence);
  }

  /** Registers a node before its agent's first contact; a name already known is a conflict. */
  createNode(name: string, nowUs: number): Promise<void> {
    return this.write(() =>
      mapped(async () => {
        await this.prisma.node.create({ data: { name, firstSeenUs: BigInt(nowUs) } });
      }),
    );
  }

  async listNodes(): Promise<NodeInfo[]> {
    const nodes = await this.prisma.node.findMany({ include: { interfaces: { orderBy: { name: 'asc' } } }, orderBy: { name: 'asc' } });
    return nodes.map((node) => ({
      name: node.name,
      agentVersion: node.agentVersion,
      os: node.os,
      bootId: node.bootId,
      lastSeenUs: n(node.lastSeenUs),
      clockOffsetUs: n(node.clockOffsetUs),
      spoolDropped: n(node.spoolDropped),
      observations: n(node.observationCount),
      committedSequence: n(node.committedSequence),
      interfaces: node.interfaces.map(
        (i): InterfaceRecord => ({
          name: i.name,
          mac: i.mac,
          kind: i.kind as InterfaceKind,
          bridgeMaster: i.bridgeMaster,
          up: i.up,
          addresses: jsonList(i.addresses),
        }),
      ),
    }));
  }

  async neighborCache(node?: string): Promise<NeighborCacheEntry[]> {
    const rows = await this.prisma.neighborEntry.findMany({
      where: node === undefined ? {} : { node: { name: node } },
      include: { node: { select: { name: true } } },
      orderBy: [{ nodeId: 'asc' }, { iface: 'asc' }, { ip: 'asc' }],
    });
    return rows.map((r) => ({
      node: r.node.name,
      iface: r.iface,
      ip: r.ip,
      mac: r.mac,
      state: r.state as NeighborState,
      router: r.router,
      updatedUs: n(r.updatedUs),
    }));
  }

  // -------------------------------------------------------------------------------------
  // Queries
  // -------------------------------------------------------------------------------------

  async listBindings(filter: BindingFilter, page?: PageRequest): Promise<Page<BindingRow>> {
    // Answers include every committed observation's binding: the fold is written first.
    if (this.pendingCount > 0 || this.touchedNodes.size > 0 || this.refoldNeeded) await this.write(() => this.flushBindingsNow());
    const limit = pageLimit(page);
    const after = decodeCursor(page?.cursor, 1);
    const rows = await this.prisma.binding.findMany({
      where: {
        ...(filter.ip ? { ip: filter.ip } : {}),
        ...(filter.mac ? { mac: filter.mac.toLowerCase() } : {}),
        ...(filter.node ? { observer: { name: filter.node } } : {}),
        ...(filter.sinceUs ? { lastSeenUs: { gte: BigInt(filter.sinceUs) } } : {}),
        ...(after ? { id: { gt: after[0] } } : {}),
      },
      include: { observer: { select: { name: true } } },
      orderBy: { id: 'asc' },
      take: limit + 1,
    });
    const more = rows.length > limit;
    const items = rows.slice(0, limit);
    return {
      items: items.map((b) => ({
        ip: b.ip,
        mac: b.mac,
        observer: b.observer.name,
        iface: b.iface,
        source: b.source as BindingSource,
        firstSeenUs: n(b.firstSeenUs),
        lastSeenUs: n(b.lastSeenUs),
        count: n(b.count),
      })),
      nextCursor: more ? encodeCursor(items[items.length - 1].id) : '',
    };
  }

  private mismatchWhere(filter: MismatchFilter): Prisma.MismatchWhereInput {
    const state = filter.state ?? 'active';
    const and: Prisma.MismatchWhereInput[] = [];
    if (filter.kinds?.length) and.push({ kind: { in: filter.kinds } });
    if (state === 'active') and.push({ state: { in: ['open', 'acknowledged'] } });
    else if (state !== 'all') and.push({ state });
    if (filter.node) and.push({ OR: [{ subjectNode: filter.node }, { vantagePoints: { some: { node: filter.node } } }] });
    if (filter.ip) and.push({ ip: filter.ip });
    // MACs are a JSON array of quoted strings: match one whole element.
    if (filter.mac) and.push({ macs: { contains: JSON.stringify(filter.mac.toLowerCase()) } });
    if (filter.sinceUs) and.push({ lastSeenUs: { gte: BigInt(filter.sinceUs) } });
    if (filter.untilUs) and.push({ firstSeenUs: { lt: BigInt(filter.untilUs) } });
    return { AND: and };
  }

  async listMismatches(filter: MismatchFilter, page?: PageRequest): Promise<MismatchPage> {
    const limit = pageLimit(page);
    const after = decodeCursor(page?.cursor, 2);
    const where = this.mismatchWhere(filter);
    const keyset: Prisma.MismatchWhereInput = after
      ? { OR: [{ lastSeenUs: { lt: BigInt(after[0]) } }, { lastSeenUs: BigInt(after[0]), id: { lt: after[1] } }] }
      : {};
    const [rows, suppressed] = await Promise.all([
      this.prisma.mismatch.findMany({
        where: { AND: [where, keyset, filter.includeSuppressed ? {} : { suppressed: false }] },
        include: WITH_VANTAGE,
        orderBy: [{ lastSeenUs: 'desc' }, { id: 'desc' }],
        take: limit + 1,
      }),
      this.prisma.mismatch.count({ where: { AND: [where, { suppressed: true }] } }),
    ]);
    const more = rows.length > limit;
    const items = rows.slice(0, limit).map(toMismatchRow);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor: more ? encodeCursor(last.lastSeenUs, last.id) : '',
      suppressed,
    };
  }

  async getMismatch(id: number): Promise<MismatchDetail> {
    const m = await this.prisma.mismatch.findUnique({
      where: { id },
      include: {
        ...WITH_VANTAGE,
        evidence: { orderBy: [{ timeUs: 'asc' }, { id: 'asc' }] },
        stateChanges: { orderBy: [{ atUs: 'asc' }, { id: 'asc' }] },
      },
    });
    if (!m) throw new StoreNotFoundError(`mismatch ${id} does not exist`);
    return {
      mismatch: toMismatchRow(m),
      evidence: m.evidence.map(
        (e): EvidenceFrame => ({
          node: e.node,
          iface: e.iface,
          direction: e.direction as Direction,
          timeUs: n(e.timeUs),
          type: e.type as MessageType,
          frame: new Uint8Array(e.frame),
          frameLength: e.frameLength,
          sequence: n(e.sequence),
        }),
      ),
      history: m.stateChanges.map((c) => ({ state: c.state as MismatchState, atUs: n(c.atUs), by: c.by, note: c.note })),
    };
  }

  acknowledge(request: AcknowledgeRequest): Promise<MismatchRow> {
    return this.write(() =>
      mapped(() =>
        this.prisma.$transaction(async (tx) => {
          const m = await tx.mismatch.findUnique({ where: { id: request.id }, select: { state: true } });
          if (!m) throw new StoreNotFoundError(`mismatch ${request.id} does not exist`);
          // A resolved mismatch keeps its state; the acknowledgement is still recorded.
          const state = m.state === 'resolved' ? 'resolved' : 'acknowledged';
          const at = BigInt(request.atUs);
          await tx.mismatchStateChange.create({
            data: { mismatchId: request.id, state, reason: 'acknowledged', atUs: at, by: request.by, note: request.note },
          });
          const updated = await tx.mismatch.update({
            where: { id: request.id },
            data: {
              state,
              acknowledgedBy: request.by,
              acknowledgedUs: at,
              acknowledgedNote: request.note,
              ...(state !== m.state ? { stateChangedUs: at } : {}),
            },
            include: WITH_VANTAGE,
          });
          return toMismatchRow(updated);
        }),
      ),
    );
  }

  async eventsSince(query: EventsQuery): Promise<MismatchEvent[]> {
    const types = query.types ?? ['opened', 'reopened'];
    const changes = await this.prisma.mismatchStateChange.findMany({
      where: {
        reason: { in: types },
        ...(query.afterId ? { id: { gt: query.afterId } } : {}),
        ...(query.sinceUs ? { atUs: { gte: BigInt(query.sinceUs) } } : {}),
      },
      orderBy: { id: 'asc' },
      take: Math.min(query.limit ?? 1000, MAX_PAGE),
    });
    return this.loadEvents(
      changes.map((c) => ({ id: c.id, type: c.reason as MismatchEventType, atUs: n(c.atUs), mismatchId: c.mismatchId })),
    );
  }

  // -------------------------------------------------------------------------------------
  // Report: every aggregate in SQL, over the hourly occurrence table
  // -------------------------------------------------------------------------------------

  async report(request: ReportRequest): Promise<Report> {
    // Occurrences are counted per hour, so the range starts at the beginning of the hour
    // that holds `sinceUs` (the report says so in its own `sinceUs`): a report since 12:43
    // counts the 12:00 hour rather than silently leaving out what happened 12:43–13:00.
    const sinceUs = Math.floor(request.sinceUs / HOUR_US) * HOUR_US;
    const since = BigInt(sinceUs);
    const until = BigInt(request.untilUs);
    const bucketUs = BigInt(request.bucket === 'day' ? DAY_US : HOUR_US);
    const top = request.top ?? 10;
    const listLimit = request.listLimit ?? 1000;
    const q = <T>(sql: Prisma.Sql) => this.prisma.$queryRaw<T[]>(sql);
    type Count = { key: string; occurrences: bigint | number; mismatches: bigint | number };
    type Ranked = { id: number; occurrences: bigint | number | null };

    // Whole UTC days inside the range come from the daily table, the partial days at its
    // edges from the hourly one: a 30-day range reads ~30 rows per mismatch, not ~720.
    const firstDay = BigInt(Math.ceil(sinceUs / DAY_US) * DAY_US);
    const endDay = BigInt(Math.floor(request.untilUs / DAY_US) * DAY_US);
    const wholeDays = firstDay < endDay;
    const [dayFrom, dayTo] = wholeDays ? [firstDay, endDay] : [0n, 0n];
    const [headTo, tailFrom] = wholeDays ? [firstDay, endDay] : [until, until];
    const mixed = Prisma.sql`
      SELECT mismatch_id, day_start_us AS t, count FROM mismatch_daily_occurrence WHERE day_start_us >= ${dayFrom} AND day_start_us < ${dayTo}
      UNION ALL
      SELECT mismatch_id, hour_start_us AS t, count FROM mismatch_occurrence WHERE hour_start_us >= ${since} AND hour_start_us < ${headTo}
      UNION ALL
      SELECT mismatch_id, hour_start_us AS t, count FROM mismatch_occurrence WHERE hour_start_us >= ${tailFrom} AND hour_start_us < ${until}`;
    const hourly = Prisma.sql`SELECT mismatch_id, hour_start_us AS t, count FROM mismatch_occurrence WHERE hour_start_us >= ${since} AND hour_start_us < ${until}`;
    // Occurrences per mismatch in the range: every other aggregate starts from these.
    const per = Prisma.sql`occ AS (${mixed}), per AS (SELECT mismatch_id, SUM(count) AS occ FROM occ GROUP BY mismatch_id)`;
    // The state each mismatch was in at the end of the range: its last change before then.
    const latest = Prisma.sql`latest AS (
      SELECT mismatch_id, state FROM (
        SELECT mismatch_id, state, ROW_NUMBER() OVER (PARTITION BY mismatch_id ORDER BY at_us DESC, id DESC) AS rn
        FROM mismatch_state_change WHERE at_us < ${until}
      ) ranked WHERE rn = 1)`;

    const total = await q<{ total: bigint | number | null }>(Prisma.sql`WITH occ AS (${mixed}) SELECT SUM(count) AS total FROM occ`);
    const byKind = await q<Count>(Prisma.sql`WITH ${per}
      SELECT m.kind AS key, SUM(per.occ) AS occurrences, COUNT(*) AS mismatches
      FROM per JOIN mismatch m ON m.id = per.mismatch_id GROUP BY m.kind ORDER BY occurrences DESC, key`);
    const byNode = await q<Count>(Prisma.sql`WITH ${per}
      SELECT v.node AS key, SUM(per.occ) AS occurrences, COUNT(*) AS mismatches
      FROM per JOIN (SELECT DISTINCT mismatch_id, node FROM mismatch_vantage_point) v ON v.mismatch_id = per.mismatch_id
      GROUP BY v.node ORDER BY occurrences DESC, key`);
    const byIp = await q<Count>(Prisma.sql`WITH ${per}
      SELECT m.ip AS key, SUM(per.occ) AS occurrences, COUNT(*) AS mismatches
      FROM per JOIN mismatch m ON m.id = per.mismatch_id WHERE m.ip IS NOT NULL
      GROUP BY m.ip ORDER BY occurrences DESC, key LIMIT ${listLimit}`);
    // GROUP BY position, not expression: PostgreSQL would see the two parameterised
    // copies of the bucket expression as different expressions.
    const timeline = await q<{ bucket: bigint | number; kind: string; occurrences: bigint | number }>(Prisma.sql`
      SELECT (o.t / ${bucketUs}) * ${bucketUs} AS bucket, m.kind AS kind, SUM(o.count) AS occurrences
      FROM (${request.bucket === 'day' ? mixed : hourly}) o JOIN mismatch m ON m.id = o.mismatch_id
      GROUP BY 1, 2 ORDER BY 1, 2`);
    const topRows = await q<Ranked>(Prisma.sql`WITH ${per}
      SELECT mismatch_id AS id, occ AS occurrences FROM per ORDER BY occ DESC, mismatch_id LIMIT ${top}`);
    const opened = await q<Ranked>(Prisma.sql`WITH ${per}
      SELECT m.id AS id, per.occ AS occurrences FROM mismatch m LEFT JOIN per ON per.mismatch_id = m.id
      WHERE m.first_seen_us >= ${since} AND m.first_seen_us < ${until} ORDER BY m.first_seen_us, m.id LIMIT ${listLimit}`);
    const resolved = await q<Ranked>(Prisma.sql`WITH ${per}, resolved AS (
        SELECT mismatch_id, MAX(at_us) AS at FROM mismatch_state_change
        WHERE reason = 'resolved' AND at_us >= ${since} AND at_us < ${until} GROUP BY mismatch_id)
      SELECT r.mismatch_id AS id, per.occ AS occurrences FROM resolved r LEFT JOIN per ON per.mismatch_id = r.mismatch_id
      ORDER BY r.at, r.mismatch_id LIMIT ${listLimit}`);
    const stillOpen = await q<Ranked>(Prisma.sql`WITH ${per}, ${latest}
      SELECT l.mismatch_id AS id, per.occ AS occurrences FROM latest l LEFT JOIN per ON per.mismatch_id = l.mismatch_id
      WHERE l.state <> 'resolved' ORDER BY l.mismatch_id LIMIT ${listLimit}`);

    const ranked = [topRows, opened, resolved, stillOpen];
    const ids = [...new Set(ranked.flat().map((r) => Number(r.id)))];
    const rows = new Map((await this.mismatchesById(ids)).map((r) => [r.id, r]));
    const stateAt = new Map<number, MismatchState>();
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      const chunk = ids.slice(i, i + ID_CHUNK);
      const states = await q<{ id: number; state: string }>(Prisma.sql`WITH ${latest}
        SELECT mismatch_id AS id, state FROM latest WHERE mismatch_id IN (${Prisma.join(chunk)})`);
      for (const st of states) stateAt.set(Number(st.id), st.state as MismatchState);
    }
    const list = (rs: Ranked[]): ReportMismatch[] =>
      rs.flatMap((r) => {
        const row = rows.get(Number(r.id));
        if (!row) return [];
        return [{ ...toMismatchRow(row), state: stateAt.get(row.id) ?? (row.state as MismatchState), occurrencesInRange: n(r.occurrences) }];
      });
    const countBy = (rs: Count[]): CountBy[] => rs.map((r) => ({ key: r.key, occurrences: n(r.occurrences), mismatches: n(r.mismatches) }));

    return {
      sinceUs,
      untilUs: request.untilUs,
      bucket: request.bucket,
      occurrences: n(total[0]?.total),
      byKind: countBy(byKind),
      byNode: countBy(byNode),
      byIp: countBy(byIp),
      timeline: timeline.map((t): TimelinePoint => ({ bucketStartUs: n(t.bucket), kind: t.kind as MismatchKind, occurrences: n(t.occurrences) })),
      top: list(topRows),
      opened: list(opened),
      resolved: list(resolved),
      stillOpen: list(stillOpen),
    };
  }

  // -------------------------------------------------------------------------------------
  // Housekeeping
  // -------------------------------------------------------------------------------------

  resolveQuiet(nowUs: number, quietUs = DEFAULT_RESOLVE_QUIET_US): Promise<MismatchEvent[]> {
    return this.write(async () => {
      const at = BigInt(nowUs);
      const cutoff = BigInt(nowUs - quietUs);
      const before = await this.prisma.mismatchStateChange.aggregate({ _max: { id: true } });
      const lastId = before._max.id ?? 0;
      // Set-based: history rows first (they select on the state the UPDATE then changes).
      await this.prisma.$transaction([
        this.prisma.$executeRaw`
          INSERT INTO mismatch_state_change (mismatch_id, state, reason, at_us, "by", note)
          SELECT id, 'resolved', 'resolved', ${at}, '', '' FROM mismatch
          WHERE state IN ('open', 'acknowledged') AND last_seen_us < ${cutoff}
          ORDER BY id`,
        this.prisma.$executeRaw`
          UPDATE mismatch SET state = 'resolved', state_changed_us = ${at}
          WHERE state IN ('open', 'acknowledged') AND last_seen_us < ${cutoff}`,
      ]);
      const changes = await this.prisma.mismatchStateChange.findMany({
        where: { id: { gt: lastId }, reason: 'resolved' },
        orderBy: { id: 'asc' },
      });
      return this.loadEvents(changes.map((c) => ({ id: c.id, type: 'resolved' as const, atUs: nowUs, mismatchId: c.mismatchId })));
    });
  }

  async prune(nowUs: number, retentionUs = DEFAULT_RETENTION_US): Promise<{ observationsDeleted: number }> {
    const cutoff = nowUs - retentionUs;
    // The start-up re-fold reads stored rows: flush before any row above a watermark can go.
    await this.write(() => this.flushBindingsNow());
    let deleted = 0;
    for (;;) {
      // One chunk per queued write, so ingest units slip in between chunks.
      const changes = await this.write(() => this.sql.pruneChunk.run(cutoff, PRUNE_CHUNK).changes);
      deleted += changes;
      if (changes < PRUNE_CHUNK) return { observationsDeleted: deleted };
    }
  }

  async recentObservations(sinceUs: number, limit = 1_000_000): Promise<NeighborObservation[]> {
    return (this.sql.recent.all(sinceUs, limit) as RecentRow[]).map(toObservation);
  }

  async *observationsSince(sinceUs: number, pageSize = 10_000): AsyncIterable<NeighborObservation[]> {
    let after: RecentRow | undefined;
    for (;;) {
      const rows = (after
        ? this.sql.recentAfter.all(after.timeUs, after.nodeId, after.sequence, pageSize)
        : this.sql.recent.all(sinceUs, pageSize)) as RecentRow[];
      if (rows.length === 0) return;
      after = rows[rows.length - 1];
      yield rows.map(toObservation);
      if (rows.length < pageSize) return;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    // A clean shutdown writes the fold: the next start has nothing to re-fold.
    await this.writes.run(() => this.flushBindingsNow()).catch(() => undefined);
    await this.prisma.$disconnect();
    this.db.close();
  }

  private write<T>(fn: () => Promise<T> | T): Promise<T> {
    if (this.closed) return Promise.reject(new StoreError(`store ${this.file} is closed`));
    return this.writes.run(fn);
  }

  /** A synchronous IMMEDIATE transaction on the hot-path connection. */
  private syncTx(fn: () => void): void {
    try {
      this.db.transaction(fn).immediate();
    } catch (error) {
      this.forgetCaches();
      throw mapStoreError(error);
    }
  }
}
