/**
 * Streaming capture-file reader for pcap and pcapng. The file is read with `fs` in large
 * chunks (4 MiB by default) into one buffer that is compacted and refilled, so a 2 GB file
 * never sits in memory; a record that spans two chunks is completed by the next read (the
 * buffer grows only for a record larger than itself). Problems are typed
 * ({@link CaptureFileError}) and every record before them is delivered.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { PCAP_GLOBAL_HEADER_LENGTH, PCAP_MAGIC_NS, PCAP_MAGIC_US, PcapParser, parsePcapHeader } from './pcap';
import { PCAPNG_SHB, PcapngParser } from './pcapng';
import { CaptureFileError, type CaptureErrorKind, type CaptureRecord, type FormatParser } from './record';
import { LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2 } from './types';

export { CaptureFileError };
export type { CaptureRecord, CaptureErrorKind };

export interface CaptureReadOptions {
  /** Bytes read per `read()` call; default 4 MiB. Small values exercise chunk boundaries in tests. */
  chunkSize?: number;
  /**
   * Deliver frames of any link type. By default a file (pcap) or interface (pcapng) whose link
   * type the decoders cannot decode stops reading with an 'unsupported-link-type' error.
   */
  anyLinkType?: boolean;
}

export interface CaptureSummary {
  format: 'pcap' | 'pcapng' | null;
  /** Records delivered. */
  records: number;
  /** Bytes of the file consumed. */
  bytesRead: number;
  /** Why reading stopped early, or null when the whole file was read. */
  error: CaptureFileError | null;
}

const DEFAULT_CHUNK = 4 * 1024 * 1024;
/** Record headers 8 bytes longer than pcap's; only old Red Hat/SuSE tcpdump wrote them. */
const PCAP_MAGIC_MODIFIED = 0xa1b2cd34;
const PCAP_MAGIC_MODIFIED_SWAPPED = 0x34cdb2a1;
const SUPPORTED_LINK_TYPES = new Set([LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2]);
const NEED_MORE = 1;
const DONE = 2;

function isPcapMagic(first: number): boolean {
  const swapped = ((first & 0xff) << 24) | ((first & 0xff00) << 8) | ((first >>> 8) & 0xff00) | (first >>> 24);
  return [PCAP_MAGIC_US, PCAP_MAGIC_NS].some((m) => m === first || m === swapped >>> 0);
}

function fsError(path: string, err: unknown): CaptureFileError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new CaptureFileError('not-found', `${path}: no such file`);
  return new CaptureFileError('io', `${path}: ${(err as Error).message}`);
}

/** One pass over a file: `next()` parses from the buffer, `more()` reads the next chunk. */
class CaptureStream {
  private buf: Uint8Array;
  private start = 0;
  private end = 0;
  /** File offset of buf[start]. */
  private offset = 0;
  private eof = false;
  private wanted = 0;
  private parser: FormatParser | null = null;
  format: 'pcap' | 'pcapng' | null = null;
  error: CaptureFileError | null = null;
  records = 0;

  constructor(
    private readonly fh: FileHandle,
    private readonly path: string,
    private readonly chunkSize: number,
    private readonly acceptLinkType: (t: number) => boolean,
  ) {
    this.buf = new Uint8Array(Math.max(chunkSize, 64));
  }

  get bytesRead(): number {
    return this.offset;
  }

  /** Reads more bytes so that at least `wanted` are buffered; false at end of file. */
  async more(): Promise<boolean> {
    if (this.eof) return false;
    if (this.start > 0) {
      this.buf.copyWithin(0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
    }
    while (this.end < this.wanted && !this.eof) {
      if (this.end === this.buf.length) {
        // A record larger than the buffer: grow by doubling as its bytes actually arrive, so
        // a corrupt length field in a short file cannot make us allocate what it claims.
        const bigger = new Uint8Array(Math.min(this.buf.length * 2, Math.max(this.wanted, this.buf.length)));
        bigger.set(this.buf.subarray(0, this.end));
        this.buf = bigger;
      }
      const room = Math.min(this.chunkSize, this.buf.length - this.end);
      let n: number;
      try {
        ({ bytesRead: n } = await this.fh.read(this.buf, this.end, room, null));
      } catch (err) {
        this.error = fsError(this.path, err);
        this.eof = true;
        return false;
      }
      if (n === 0) this.eof = true;
      this.end += n;
    }
    return true;
  }

  private fail(kind: CaptureErrorKind, message: string, offset: number): typeof DONE {
    this.error = new CaptureFileError(kind, message, offset, this.records);
    return DONE;
  }

  private need(n: number): boolean {
    if (this.end - this.start >= n) return true;
    this.wanted = n;
    return false;
  }

  /** Parses the next record into `rec`: returns 0 (record), NEED_MORE or DONE. */
  next(rec: CaptureRecord): number {
    if (this.error) return DONE;
    if (this.parser === null) {
      if (!this.need(4)) {
        if (!this.eof) return NEED_MORE;
        if (this.end === 0) return this.fail('empty', `${this.path}: empty file, not a capture`, 0);
        return this.fail('not-a-capture', `${this.path}: ${this.end} bytes, too short for a pcap or pcapng header`, 0);
      }
      const b = this.buf;
      const first = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
      if (first === PCAPNG_SHB) {
        this.parser = new PcapngParser(this.acceptLinkType);
        this.format = 'pcapng';
      } else {
        if (!this.need(PCAP_GLOBAL_HEADER_LENGTH)) {
          if (!this.eof) return NEED_MORE;
          if (isPcapMagic(first)) {
            return this.fail('truncated', `${this.path}: file ends inside the pcap header`, this.end);
          }
          return this.fail('not-a-capture', `${this.path}: not a pcap or pcapng file (starts with 0x${first.toString(16).padStart(8, '0')})`, 0);
        }
        const header = parsePcapHeader(b, 0);
        if (first === PCAP_MAGIC_MODIFIED || first === PCAP_MAGIC_MODIFIED_SWAPPED) {
          return this.fail('unsupported-format', `${this.path}: "modified" pcap (Alexey Kuznetzov's patched libpcap): convert it with editcap -F pcap`, 0);
        }
        if (!header) {
          return this.fail('not-a-capture', `${this.path}: not a pcap or pcapng file (starts with 0x${first.toString(16).padStart(8, '0')})`, 0);
        }
        if (header.versionMajor !== 2) return this.fail('unsupported-format', `${this.path}: pcap version ${header.versionMajor}.${header.versionMinor}`, 4);
        if (!this.acceptLinkType(header.linkType)) {
          return this.fail('unsupported-link-type', `${this.path}: link type ${header.linkType} (decoded: Ethernet 1, Linux cooked 113 and 276)`, 20);
        }
        this.parser = new PcapParser(header);
        this.format = 'pcap';
        this.start += PCAP_GLOBAL_HEADER_LENGTH;
        this.offset += PCAP_GLOBAL_HEADER_LENGTH;
      }
    }
    const p = this.parser;
    for (;;) {
      const avail = this.end - this.start;
      if (avail === 0 && this.eof) return DONE;
      if (!this.need(p.headerLength)) {
        if (!this.eof) return NEED_MORE;
        return this.fail('truncated', `${this.path}: file ends inside the header of record ${this.records + 1} at byte ${this.offset}`, this.offset);
      }
      const length = p.unitLength(this.buf, this.start, this.offset);
      if (length < 0) {
        this.error = p.error;
        this.error!.recordsBefore = this.records;
        return DONE;
      }
      if (!this.need(length)) {
        if (!this.eof) return NEED_MORE;
        return this.fail(
          'truncated',
          `${this.path}: file ends inside record ${this.records + 1} at byte ${this.offset} (${length} bytes needed, ${avail} left)`,
          this.offset,
        );
      }
      const r = p.consume(this.buf, this.start, length, this.offset, rec);
      if (r < 0) {
        this.error = p.error;
        this.error!.recordsBefore = this.records;
        return DONE;
      }
      this.start += length;
      this.offset += length;
      if (r === 1) {
        rec.index = ++this.records;
        return 0;
      }
    }
  }
}

function newRecord(): CaptureRecord {
  return {
    index: 0,
    timestampUs: 0,
    seconds: 0,
    nanoseconds: 0,
    linkType: 0,
    interfaceId: 0,
    data: new Uint8Array(0),
    originalLength: 0,
    fileOffset: 0,
  };
}

async function openStream(path: string, options: CaptureReadOptions): Promise<{ stream: CaptureStream; fh: FileHandle } | CaptureFileError> {
  const chunk = options.chunkSize ?? DEFAULT_CHUNK;
  if (!(chunk >= 1)) throw new RangeError(`chunkSize must be ≥ 1, got ${chunk}`);
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    return fsError(path, err);
  }
  const accept = options.anyLinkType ? () => true : (t: number) => SUPPORTED_LINK_TYPES.has(t);
  return { stream: new CaptureStream(fh, path, chunk, accept), fh };
}

/**
 * Reads a pcap or pcapng file, calling `onRecord` synchronously for each frame in file
 * order. The record object and its `data` view are reused: valid only during the call.
 * Return `false` from the callback to stop early. Never rejects for file problems: they come
 * back as `summary.error`, after every record before them was delivered. An exception thrown
 * by the callback rejects the promise (the file is closed first).
 */
export async function readCapture(
  path: string,
  onRecord: (record: CaptureRecord) => boolean | void,
  options: CaptureReadOptions = {},
): Promise<CaptureSummary> {
  const opened = await openStream(path, options);
  if (opened instanceof CaptureFileError) return { format: null, records: 0, bytesRead: 0, error: opened };
  const { stream, fh } = opened;
  const rec = newRecord();
  try {
    for (;;) {
      const r = stream.next(rec);
      if (r === 0) {
        if (onRecord(rec) === false) break;
      } else if (r === NEED_MORE) {
        await stream.more();
      } else {
        break;
      }
    }
  } finally {
    await fh.close();
  }
  return { format: stream.format, records: stream.records, bytesRead: stream.bytesRead, error: stream.error };
}

/**
 * The same reader as an async iterator. Each record is a new object, but its `data` view is
 * valid only until the next record is requested: copy it to keep it. File problems are
 * thrown as {@link CaptureFileError} after every record before them was yielded.
 */
export async function* captureRecords(path: string, options: CaptureReadOptions = {}): AsyncGenerator<CaptureRecord, CaptureSummary> {
  const opened = await openStream(path, options);
  if (opened instanceof CaptureFileError) throw opened;
  const { stream, fh } = opened;
  try {
    for (;;) {
      const rec = newRecord();
      const r = stream.next(rec);
      if (r === 0) yield rec;
      else if (r === NEED_MORE) await stream.more();
      else break;
    }
  } finally {
    await fh.close();
  }
  if (stream.error) throw stream.error;
  return { format: stream.format, records: stream.records, bytesRead: stream.bytesRead, error: null };
}
