/**
 * Where `analyze` writes: text accumulated into one string and written in ~1 MiB chunks
 * with synchronous writes to a file descriptor. A synchronous write on a blocking pipe
 * waits for the reader, so a slow consumer slows decoding down instead of letting output
 * pile up in memory (process.stdout queues without bound on a pipe). A reader that goes away
 * (EPIPE, e.g. `| head`) closes the output; the analysis then stops early.
 */
import { writeSync } from 'node:fs';

/** Size of the output buffer; a write that does not fit flushes it first. */
const CHUNK = 1 << 20;

/** The most `reserve` hands out at once (a line whose fields are longer goes through `write`). */
export const RESERVE_MAX = 1 << 16;

/** Sleep used when a non-blocking descriptor is full (EAGAIN): blocks this thread only. */
const napCell = new Int32Array(new SharedArrayBuffer(4));
function nap(ms: number): void {
  Atomics.wait(napCell, 0, 0, ms);
}

export interface Output {
  write(text: string): void;
  /** `text` is known to be ASCII (addresses, numbers, JSON punctuation): copied byte by byte. */
  ascii(text: string): void;
  /** A non-negative integer in decimal. */
  int(value: number): void;
  /** `text` (ASCII) between double quotes, or `null` when it is null or empty. */
  quoted(text: string | null): void;
  /** An integer 0–999999 as exactly six digits (microseconds). */
  digits6(value: number): void;
  /**
   * Room for `n` bytes of ASCII written straight into `bytes` from the returned offset; the
   * writer then calls `commit` with the offset after its last byte. Nothing else may be
   * written in between. `n` must not exceed RESERVE_MAX.
   */
  reserve(n: number): number;
  /** The buffer `reserve` hands out (valid until the next write). */
  readonly bytes: Uint8Array;
  /** `bytes` as a DataView (four-byte stores). */
  readonly view: DataView;
  commit(end: number): void;
  /** Writes everything buffered. */
  flush(): void;
  /** True once the reader has gone away: stop producing. */
  readonly closed: boolean;
}

/**
 * Buffer's own UTF-8 writer (what `buf.write` calls after parsing its arguments), without
 * the argument parsing: measurable at a million writes.
 */
type Utf8Writable = Buffer & { utf8Write(text: string, offset: number): number };

/**
 * Chunked synchronous writes to a file descriptor (1 = stdout). Text is encoded straight
 * into one reused buffer: no string is kept between writes, so nothing survives to the
 * old generation and the garbage collector only sees short-lived strings.
 */
export class FdOutput implements Output {
  private readonly buffer = Buffer.allocUnsafe(CHUNK);
  readonly view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.byteLength);
  private used = 0;
  closed = false;

  constructor(private readonly fd: number) {}

  write(text: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    if (text.length * 3 > CHUNK - this.used) {
      this.flush();
      if (text.length * 3 > CHUNK) {
        this.writeAll(Buffer.from(text, 'utf8'));
        return;
      }
    }
    this.used += (this.buffer as Utf8Writable).utf8Write(text, this.used);
  }

  ascii(text: string): void {
    const n = text.length;
    if (n > CHUNK - this.used) {
      this.write(text);
      return;
    }
    const buffer = this.buffer;
    let used = this.used;
    for (let i = 0; i < n; i++) buffer[used++] = text.charCodeAt(i);
    this.used = used;
  }

  quoted(text: string | null): void {
    if (text === null || text === '') {
      this.ascii('null');
      return;
    }
    const n = text.length;
    if (n + 2 > CHUNK - this.used) this.flush();
    if (n + 2 > CHUNK) {
      this.write(`"${text}"`);
      return;
    }
    const buffer = this.buffer;
    let used = this.used;
    buffer[used++] = 34;
    for (let i = 0; i < n; i++) buffer[used++] = text.charCodeAt(i);
    buffer[used++] = 34;
    this.used = used;
  }

  get bytes(): Uint8Array {
    return this.buffer;
  }

  reserve(n: number): number {
    if (n > CHUNK - this.used) this.flush();
    return this.used;
  }

  commit(end: number): void {
    this.used = end;
  }

  digits6(value: number): void {
    if (6 > CHUNK - this.used) this.flush();
    const buffer = this.buffer;
    const at = this.used;
    for (let i = 5; i >= 0; i--) {
      const next = Math.floor(value / 10);
      buffer[at + i] = 48 + value - next * 10;
      value = next;
    }
    this.used = at + 6;
  }

  int(value: number): void {
    if (value < 10 && value >= 0 && CHUNK - this.used > 0) {
      this.buffer[this.used++] = 48 + value;
      return;
    }
    this.ascii(String(value));
  }

  flush(): void {
    if (this.used === 0) return;
    const used = this.used;
    this.used = 0;
    this.writeAll(this.buffer.subarray(0, used));
  }

  private writeAll(bytes: Buffer): void {
    if (this.closed) return;
    let offset = 0;
    while (offset < bytes.length) {
      try {
        offset += writeSync(this.fd, bytes, offset, bytes.length - offset);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') {
          nap(1);
          continue;
        }
        if (code === 'EPIPE') {
          this.closed = true;
          return;
        }
        throw error;
      }
    }
  }
}

/** Output kept in memory (tests, and the summary renderer's own buffer). */
export class MemoryOutput implements Output {
  private readonly parts: string[] = [];
  closed = false;

  write(text: string): void {
    this.parts.push(text);
  }

  ascii(text: string): void {
    this.parts.push(text);
  }

  int(value: number): void {
    this.parts.push(String(value));
  }

  quoted(text: string | null): void {
    this.parts.push(text === null || text === '' ? 'null' : `"${text}"`);
  }

  digits6(value: number): void {
    this.parts.push(String(value).padStart(6, '0'));
  }

  readonly bytes = Buffer.alloc(RESERVE_MAX);
  readonly view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);

  reserve(): number {
    return 0;
  }

  commit(end: number): void {
    this.parts.push(this.bytes.toString('latin1', 0, end));
  }

  flush(): void {}

  text(): string {
    return this.parts.join('');
  }
}
