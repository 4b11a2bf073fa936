/**
 * The on-disk spool: every observation is written here before it is sent, and stays until
 * the collector acknowledges it (at-least-once delivery across collector outages and agent
 * restarts).
 *
 * Layout: `<dir>/<first sequence, 20 digits>.seg` segment files, append-only, and
 * `<dir>/state.json` ({ committed, nextSequence, dropped }, replaced atomically by rename).
 * A record is a 16-byte header — payload length (u32 LE), CRC-32 of sequence+payload
 * (u32 LE), sequence (u64 LE) — then the payload (an encoded Observation). Sequences are
 * assigned here, strictly increasing, and never reused: on start the next one is above
 * both the last record on disk and the persisted `nextSequence`.
 *
 * Durability: `flush()` hands the pending records to the kernel in one write, so a crash
 * of the agent (SIGKILL) loses nothing flushed. `fdatasync` runs every `syncIntervalMs`
 * (0: after every flush), which bounds what a power failure can take. A torn last record
 * (crash in the middle of a write) fails its length or CRC check on start and is truncated.
 *
 * Bound: when the segments exceed `maxBytes`, the oldest whole segments are deleted; the
 * unacknowledged observations in them are counted in `dropped` (persisted, reported to
 * the collector in Hello and Inventory). An acknowledgement deletes every segment whose
 * records are all at or below the acknowledged sequence; the active segment rolls when
 * full.
 */
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  writevSync,
  fsyncSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@neighwatch/config';
import { crc32 } from './crc32';

export const RECORD_HEADER_BYTES = 16;
/** No payload is this large (an Observation holds at most one 64 KiB frame); a bigger length is corruption. */
export const MAX_RECORD_PAYLOAD = 256 * 1024;
const SEGMENT_SUFFIX = '.seg';
const STATE_FILE = 'state.json';

export interface SpoolOptions {
  dir: string;
  maxBytes: number;
  /** 0: fdatasync after every flush. */
  syncIntervalMs: number;
  log?: Logger;
  /** Segment size; default maxBytes/16 clamped to 64 KiB..4 MiB. */
  segmentBytes?: number;
}

export interface SpoolRecord {
  sequence: number;
  payload: Buffer;
}

interface Segment {
  firstSeq: number;
  lastSeq: number;
  count: number;
  bytes: number;
  path: string;
}

interface PersistedState {
  committed: number;
  nextSequence: number;
  dropped: number;
}

function segmentName(firstSeq: number): string {
  return String(firstSeq).padStart(20, '0') + SEGMENT_SUFFIX;
}

function writeHeader(header: Buffer, sequence: number, payload: Uint8Array): void {
  header.writeUInt32LE(payload.length, 0);
  header.writeUInt32LE(sequence >>> 0, 8);
  header.writeUInt32LE(Math.floor(sequence / 2 ** 32), 12);
  // The CRC covers the sequence and the payload: a torn or misplaced record fails it either way.
  header.writeUInt32LE(crc32(payload, crc32(header.subarray(8, 16))), 4);
}

export class Spool {
  /** Highest sequence acknowledged by the collector (0: none yet). */
  committed = 0;
  /** Observations dropped from a full spool, ever. */
  dropped = 0;
  /** Sequence the next append receives. */
  nextSequence = 1;
  /** Records appended since start (flushed or not). */
  appendedTotal = 0;

  private readonly segments: Segment[] = [];
  private readonly segmentBytes: number;
  private fd = -1;
  private pending: Buffer[] = [];
  private pendingRecords: { sequence: number; bytes: number }[] = [];
  private dirty = false;
  private syncTimer: NodeJS.Timeout | undefined;
  private stateTimer: NodeJS.Timeout | undefined;
  private stateWritten = '';
  private readonly header = Buffer.alloc(RECORD_HEADER_BYTES);
  private readonly readBuffer = Buffer.alloc(MAX_RECORD_PAYLOAD + RECORD_HEADER_BYTES);
  /** Read position: the segment (by first sequence) and byte offset of the next record to send. */
  private cursor = { firstSeq: 0, offset: 0 };
  private readFd = { firstSeq: -1, fd: -1 };
  private closed = false;
  /** After a rewind: records below this sequence are skipped by `read`. */
  private skipBelow = 0;

  private constructor(private readonly options: SpoolOptions) {
    this.segmentBytes = options.segmentBytes ?? Math.min(4 * 2 ** 20, Math.max(64 * 1024, Math.floor(options.maxBytes / 16)));
  }

  /** Opens (creating if needed) the spool in `options.dir`, recovering from a crash. */
  static open(options: SpoolOptions): Spool {
    const spool = new Spool(options);
    spool.recover();
    return spool;
  }

  private recover(): void {
    const { dir, log } = this.options;
    mkdirSync(dir, { recursive: true, mode: 0o750 });
    const state = this.readState();
    this.committed = state.committed;
    this.dropped = state.dropped;
    let lastSeq = 0;
    const names = readdirSync(dir)
      .filter((name) => /^\d{20}\.seg$/.test(name))
      .sort();
    for (const name of names) {
      const path = join(dir, name);
      const segment = this.scanSegment(path, Number(name.slice(0, 20)), lastSeq);
      if (segment.count === 0) {
        unlinkSync(path);
        continue;
      }
      lastSeq = segment.lastSeq;
      this.segments.push(segment);
    }
    this.nextSequence = Math.max(lastSeq + 1, state.nextSequence, this.committed + 1);
    this.cursor = { firstSeq: this.segments[0]?.firstSeq ?? 0, offset: 0 };
    this.deleteAcknowledged();
    this.writeState();
    log?.info('spool opened', {
      dir,
      segments: this.segments.length,
      unacknowledged: this.unacknowledged(),
      committed: this.committed,
      nextSequence: this.nextSequence,
      dropped: this.dropped,
    });
    if (this.options.syncIntervalMs > 0) {
      this.syncTimer = setInterval(() => this.sync(), this.options.syncIntervalMs);
      this.syncTimer.unref();
    }
  }

  private readState(): PersistedState {
    const path = join(this.options.dir, STATE_FILE);
    const empty = { committed: 0, nextSequence: 1, dropped: 0 };
    if (!existsSync(path)) return empty;
    try {
      const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<PersistedState>;
      const num = (v: unknown, d: number) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : d);
      return { committed: num(parsed.committed, 0), nextSequence: num(parsed.nextSequence, 1), dropped: num(parsed.dropped, 0) };
    } catch (error) {
      this.options.log?.warn('spool state unreadable; sequences continue from the segments on disk', { path, error });
      return empty;
    }
  }

  private writeState(): void {
    const text = JSON.stringify({ committed: this.committed, nextSequence: this.nextSequence, dropped: this.dropped });
    if (text === this.stateWritten) return;
    const path = join(this.options.dir, STATE_FILE);
    writeFileSync(path + '.tmp', text + '\n', { mode: 0o640 });
    renameSync(path + '.tmp', path);
    this.stateWritten = text;
  }

  /**
   * Reads a segment's records, checking each; truncates the file at the first bad one (a
   * torn write after a crash) and says so.
   */
  private scanSegment(path: string, firstSeq: number, previousSeq: number): Segment {
    const fd = openSync(path, 'r+');
    try {
      const size = fstatSync(fd).size;
      const segment: Segment = { firstSeq, lastSeq: firstSeq - 1, count: 0, bytes: 0, path };
      let offset = 0;
      let problem: string | undefined;
      let expected = Math.max(previousSeq + 1, firstSeq);
      while (offset < size) {
        const record = this.readRecordAt(fd, offset, size);
        if (typeof record === 'string') {
          problem = record;
          break;
        }
        if (record.sequence < expected) {
          problem = `sequence ${record.sequence} out of order (expected ≥ ${expected})`;
          break;
        }
        expected = record.sequence + 1;
        segment.lastSeq = record.sequence;
        segment.count++;
        offset += RECORD_HEADER_BYTES + record.length;
      }
      if (problem !== undefined) {
        this.options.log?.warn('spool: truncating a damaged segment (torn write after a crash?)', {
          segment: path,
          offset,
          lostBytes: size - offset,
          reason: problem,
        });
        ftruncateSync(fd, offset);
      }
      segment.bytes = offset;
      return segment;
    } finally {
      closeSync(fd);
    }
  }

  /** The record header at `offset`, validated (CRC over sequence + payload), or why not. */
  private readRecordAt(fd: number, offset: number, size: number): { sequence: number; length: number } | string {
    if (size - offset < RECORD_HEADER_BYTES) return `incomplete header at end of file (${size - offset} bytes)`;
    const buf = this.readBuffer;
    readSync(fd, buf, 0, RECORD_HEADER_BYTES, offset);
    const length = buf.readUInt32LE(0);
    if (length > MAX_RECORD_PAYLOAD) return `record length ${length} exceeds ${MAX_RECORD_PAYLOAD}`;
    if (size - offset - RECORD_HEADER_BYTES < length) return `record cut short (${size - offset - RECORD_HEADER_BYTES} of ${length} bytes)`;
    readSync(fd, buf, RECORD_HEADER_BYTES, length, offset + RECORD_HEADER_BYTES);
    const crc = buf.readUInt32LE(4);
    const actual = crc32(buf.subarray(RECORD_HEADER_BYTES, RECORD_HEADER_BYTES + length), crc32(buf.subarray(8, 16)));
    if (crc !== actual) return 'checksum mismatch';
    return { sequence: buf.readUInt32LE(8) + buf.readUInt32LE(12) * 2 ** 32, length };
  }

  /**
   * Queues one record: `build(sequence)` returns the payload for the sequence it is given.
   * Not on disk until `flush()`.
   */
  append(build: (sequence: number) => Uint8Array): number {
    const sequence = this.nextSequence++;
    const payload = build(sequence);
    if (payload.length > MAX_RECORD_PAYLOAD) throw new RangeError(`spool record of ${payload.length} bytes exceeds ${MAX_RECORD_PAYLOAD}`);
    const header = Buffer.allocUnsafe(RECORD_HEADER_BYTES);
    writeHeader(header, sequence, payload);
    this.pending.push(header, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
    this.pendingRecords.push({ sequence, bytes: RECORD_HEADER_BYTES + payload.length });
    this.appendedTotal++;
    return sequence;
  }

  /** Records queued by `append` and not yet flushed. */
  get pendingCount(): number {
    return this.pendingRecords.length;
  }

  /** Writes the queued records (one writev per segment), then enforces the size bound. */
  flush(): void {
    if (this.closed || this.pendingRecords.length === 0) return;
    let start = 0;
    try {
      while (start < this.pendingRecords.length) {
        let segment = this.segments[this.segments.length - 1];
        if (!segment || this.fd < 0 || segment.bytes >= this.segmentBytes) segment = this.roll(this.pendingRecords[start].sequence);
        // As many records as fit in this segment (at least one).
        let end = start;
        let bytes = segment.bytes;
        while (end < this.pendingRecords.length && (end === start || bytes + this.pendingRecords[end].bytes <= this.segmentBytes)) {
          bytes += this.pendingRecords[end].bytes;
          end++;
        }
        const chunks = this.pending.slice(start * 2, end * 2);
        let written = 0;
        const total = bytes - segment.bytes;
        // Positional writes: after a failed write the file is cut back to segment.bytes,
        // and the next write must land exactly there.
        while (written < total) {
          written += writevSync(this.fd, written === 0 ? chunks : [Buffer.concat(chunks).subarray(written)], segment.bytes + written);
        }
        segment.lastSeq = this.pendingRecords[end - 1].sequence;
        segment.count += end - start;
        segment.bytes = bytes;
        start = end;
      }
    } catch (error) {
      // Disk full, or failing: in a write, or in starting a new segment.
      this.writeFailed(start);
      throw error;
    }
    this.pending = [];
    this.pendingRecords = [];
    this.dirty = true;
    if (this.options.syncIntervalMs === 0) this.sync();
    this.enforceBound();
  }

  /**
   * A flush failed (disk full, I/O error) after the first `written` queued records reached
   * the disk. The active segment is cut back to its last whole record, so the file never
   * holds half a record; what was written leaves the queue; the rest stays queued for the
   * next flush, but never more than `maxBytes` of it: beyond that the oldest queued records
   * are dropped and counted, as from a full spool.
   */
  private writeFailed(written: number): void {
    const active = this.segments[this.segments.length - 1];
    try {
      if (active && this.fd >= 0) ftruncateSync(this.fd, active.bytes);
    } catch {
      // Recovery at the next start truncates a torn tail by its checksum.
    }
    this.pending.splice(0, written * 2);
    this.pendingRecords.splice(0, written);
    let queued = 0;
    for (const r of this.pendingRecords) queued += r.bytes;
    let drop = 0;
    while (queued > this.options.maxBytes && drop < this.pendingRecords.length) queued -= this.pendingRecords[drop++].bytes;
    if (drop === 0) return;
    this.pending.splice(0, drop * 2);
    this.pendingRecords.splice(0, drop);
    this.dropped += drop;
    this.options.log?.warn('spool cannot be written: dropped the oldest queued observations', {
      dropped: drop,
      droppedTotal: this.dropped,
      maxBytes: this.options.maxBytes,
    });
  }

  /** Starts a new active segment whose first record will be `firstSeq`. */
  private roll(firstSeq: number): Segment {
    if (this.fd >= 0) {
      fdatasyncSync(this.fd);
      closeSync(this.fd);
      this.fd = -1;
    }
    const path = join(this.options.dir, segmentName(firstSeq));
    this.fd = openSync(path, 'w', 0o640);
    const segment: Segment = { firstSeq, lastSeq: firstSeq - 1, count: 0, bytes: 0, path };
    this.segments.push(segment);
    this.syncDirectory();
    // The new segment's name records the sequence; persist nextSequence too, for the case
    // where every segment is later acknowledged and deleted.
    this.writeState();
    return segment;
  }

  private syncDirectory(): void {
    try {
      const dirFd = openSync(this.options.dir, 'r');
      try {
        fsyncSync(dirFd);
      } finally {
        closeSync(dirFd);
      }
    } catch {
      // Some filesystems refuse fsync on directories; the segment data is synced regardless.
    }
  }

  /** fdatasync the active segment if it was written since the last sync. */
  sync(): void {
    if (this.dirty && this.fd >= 0) {
      fdatasyncSync(this.fd);
      this.dirty = false;
    }
  }

  private enforceBound(): void {
    let total = this.totalBytes();
    let droppedNow = 0;
    while (total > this.options.maxBytes && this.segments.length > 1) {
      const oldest = this.segments[0];
      droppedNow += this.unacknowledgedIn(oldest);
      total -= oldest.bytes;
      this.removeOldest();
    }
    if (droppedNow > 0) {
      this.dropped += droppedNow;
      this.writeState();
      this.options.log?.warn('spool full: dropped the oldest observations', {
        dropped: droppedNow,
        droppedTotal: this.dropped,
        maxBytes: this.options.maxBytes,
      });
    }
  }

  private unacknowledgedIn(segment: Segment): number {
    if (segment.lastSeq <= this.committed) return 0;
    return segment.firstSeq > this.committed ? segment.count : segment.lastSeq - this.committed;
  }

  private removeOldest(): void {
    const oldest = this.segments.shift()!;
    if (this.readFd.firstSeq === oldest.firstSeq) this.closeReadFd();
    unlinkSync(oldest.path);
    if (this.cursor.firstSeq <= oldest.firstSeq) this.cursor = { firstSeq: this.segments[0]?.firstSeq ?? 0, offset: 0 };
  }

  /**
   * The collector committed everything up to `sequence`: persist it and delete every
   * segment (except the active one) whose records are all at or below it.
   */
  acknowledge(sequence: number): number {
    if (sequence <= this.committed) return 0;
    const capped = Math.min(sequence, this.nextSequence - 1);
    const newly = this.countBetween(this.committed, capped);
    this.committed = capped;
    const segments = this.segments.length;
    this.deleteAcknowledged();
    if (this.segments.length !== segments) {
      // Segments are gone: persist now, so nextSequence on disk stays above every sequence used.
      this.writeState();
    } else {
      // Otherwise at most once a second: a stale `committed` after a crash only means a
      // few observations are sent twice, which the collector recognises by sequence.
      this.stateTimer ??= setTimeout(() => {
        this.stateTimer = undefined;
        if (!this.closed) this.writeState();
      }, 1000);
      this.stateTimer.unref();
    }
    return newly;
  }

  /**
   * The collector already holds sequences up to `committed` although this spool never
   * assigned them (its directory was wiped or replaced): continue above them, or the
   * collector would take new observations for repeats and drop them.
   */
  skipAbove(committed: number): boolean {
    if (committed < this.nextSequence) return false;
    this.nextSequence = committed + 1;
    this.writeState();
    return true;
  }

  /** Records on disk with committed < sequence ≤ upTo. */
  private countBetween(from: number, upTo: number): number {
    let n = 0;
    for (const s of this.segments) {
      const lo = Math.max(s.firstSeq, from + 1);
      const hi = Math.min(s.lastSeq, upTo);
      if (hi >= lo) n += hi - lo + 1;
    }
    return n;
  }

  private deleteAcknowledged(): void {
    while (this.segments.length > 1 && this.segments[0].lastSeq <= this.committed) this.removeOldest();
    // An idle spool whose active segment is entirely acknowledged: close it, so a restart
    // has nothing to rescan; the next append opens a new segment.
    const only = this.segments[0];
    if (this.segments.length === 1 && only.lastSeq <= this.committed && this.pendingRecords.length === 0 && only.count > 0) {
      if (this.fd >= 0) {
        closeSync(this.fd);
        this.fd = -1;
      }
      this.removeOldest();
    }
  }

  /** Moves the read position to the first record with sequence ≥ `sequence`. */
  rewind(sequence: number): void {
    this.closeReadFd();
    this.cursor = { firstSeq: this.segments[0]?.firstSeq ?? 0, offset: 0 };
    this.skipBelow = sequence;
  }

  /**
   * The next records after the read position (flushed ones only), at most `maxCount`,
   * skipping anything already acknowledged. Advances the read position.
   */
  read(maxCount: number): SpoolRecord[] {
    const out: SpoolRecord[] = [];
    const floor = Math.max(this.committed + 1, this.skipBelow);
    while (out.length < maxCount) {
      const index = this.segments.findIndex((s) => s.firstSeq === this.cursor.firstSeq);
      if (index < 0) {
        const next = this.segments.find((s) => s.firstSeq > this.cursor.firstSeq);
        if (!next) break;
        this.cursor = { firstSeq: next.firstSeq, offset: 0 };
        continue;
      }
      const segment = this.segments[index];
      if (this.cursor.offset >= segment.bytes) {
        const next = this.segments[index + 1];
        if (!next) break;
        this.cursor = { firstSeq: next.firstSeq, offset: 0 };
        continue;
      }
      // One read for many records: the buffer holds at least one whole record.
      const fd = this.openRead(segment);
      const buf = this.readBuffer;
      const got = readSync(fd, buf, 0, Math.min(segment.bytes - this.cursor.offset, buf.length), this.cursor.offset);
      let at = 0;
      while (out.length < maxCount && got - at >= RECORD_HEADER_BYTES) {
        const length = buf.readUInt32LE(at);
        const end = at + RECORD_HEADER_BYTES + length;
        if (length > MAX_RECORD_PAYLOAD || (end > got && at === 0)) {
          // Only possible if the file changed under us: skip the rest of the segment.
          this.options.log?.error('spool: unreadable record, skipping the rest of the segment', { segment: segment.path, offset: this.cursor.offset + at });
          at = segment.bytes - this.cursor.offset;
          break;
        }
        if (end > got) break;
        const sequence = buf.readUInt32LE(at + 8) + buf.readUInt32LE(at + 12) * 2 ** 32;
        if (sequence >= floor) out.push({ sequence, payload: Buffer.from(buf.subarray(at + RECORD_HEADER_BYTES, end)) });
        at = end;
      }
      this.cursor.offset += at;
      if (at === 0) break;
    }
    return out;
  }

  /** Whether `read` would return something. */
  hasUnread(): boolean {
    const last = this.segments[this.segments.length - 1];
    if (!last) return false;
    if (this.cursor.firstSeq !== last.firstSeq) return true;
    return this.cursor.offset < last.bytes;
  }

  private openRead(segment: Segment): number {
    if (this.readFd.firstSeq !== segment.firstSeq) {
      this.closeReadFd();
      this.readFd = { firstSeq: segment.firstSeq, fd: openSync(segment.path, 'r') };
    }
    return this.readFd.fd;
  }

  private closeReadFd(): void {
    if (this.readFd.fd >= 0) closeSync(this.readFd.fd);
    this.readFd = { firstSeq: -1, fd: -1 };
  }

  totalBytes(): number {
    let total = 0;
    for (const s of this.segments) total += s.bytes;
    return total;
  }

  /** Observations on disk not yet acknowledged. */
  unacknowledged(): number {
    let n = 0;
    for (const s of this.segments) n += this.unacknowledgedIn(s);
    return n;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /** Flushes, syncs and persists the state; the spool cannot be used afterwards. */
  close(): void {
    if (this.closed) return;
    try {
      this.flush();
      this.sync();
    } catch (error) {
      // Disk full or failing at shutdown: what is still queued cannot be kept.
      const lost = this.pendingRecords.length;
      this.dropped += lost;
      this.pending = [];
      this.pendingRecords = [];
      this.options.log?.error('spool cannot be written at close: queued observations lost', { lost, droppedTotal: this.dropped, error });
    }
    try {
      this.writeState();
    } catch (error) {
      this.options.log?.error('spool state cannot be written at close; the next start recovers it from the segments', { error });
    }
    if (this.syncTimer) clearInterval(this.syncTimer);
    if (this.stateTimer) clearTimeout(this.stateTimer);
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    this.closeReadFd();
    this.closed = true;
  }
}
