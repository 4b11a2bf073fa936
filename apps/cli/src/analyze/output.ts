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

/** Sleep used when a non-blocking descriptor is full (EAGAIN): blocks this thread only. */
const napCell = new Int32Array(new SharedArrayBuffer(4));
function nap(ms: number): void {
  Atomics.wait(napCell, 0, 0, ms);
}

export interface Output {
  write(text: string): void;
  /** Writes everything buffered. */
  flush(): void;
  /** True once the reader has gone away: stop producing. */
  readonly closed: boolean;
}

/**
 * Chunked synchronous writes to a file descriptor (1 = stdout). Text is encoded straight
 * into one reused buffer: no string is kept between writes, so nothing survives to the
 * old generation and the garbage collector only sees short-lived strings.
 */
export class FdOutput implements Output {
  private readonly buffer = Buffer.allocUnsafe(CHUNK);
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
    this.used += this.buffer.write(text, this.used, 'utf8');
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

  flush(): void {}

  text(): string {
    return this.parts.join('');
  }
}
