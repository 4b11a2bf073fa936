/**
 * A progress bar on stderr for files that take more than a second, only on a terminal
 * (never in pipes, logs or tests). Drawn at most ten times a second; cleared when done.
 */
import { basename } from 'node:path';

const SHOW_AFTER_MS = 1000;
const REDRAW_MS = 100;
const WIDTH = 30;

export class ProgressBar {
  private readonly startMs = Date.now();
  private lastDrawMs = 0;
  private drawn = false;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  /** Whether a bar can be shown at all: stderr is a terminal. */
  static enabled(stream: NodeJS.WriteStream): boolean {
    return stream.isTTY === true;
  }

  update = (file: string, bytesDone: number, bytesTotal: number, frames: number): void => {
    const now = Date.now();
    if (now - this.startMs < SHOW_AFTER_MS || now - this.lastDrawMs < REDRAW_MS) return;
    this.lastDrawMs = now;
    const share = bytesTotal > 0 ? Math.min(1, bytesDone / bytesTotal) : 0;
    const filled = Math.round(share * WIDTH);
    const bar = '#'.repeat(filled) + ' '.repeat(WIDTH - filled);
    this.stream.write(`\r[${bar}] ${String(Math.round(share * 100)).padStart(3)}%  ${basename(file)}  ${frames.toLocaleString('en-US')} frames`);
    this.drawn = true;
  };

  done(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}
