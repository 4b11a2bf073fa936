/**
 * Capture: keeps the set of captured interfaces in the capture helper process (see
 * capture-helper.ts for why it is a separate process), restarts the helper when it dies,
 * and hands every frame to `onFrame` synchronously as it is parsed from the pipe.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Readable, Writable } from 'node:stream';
import type { Logger } from '@neighwatch/config';
import { captureHelperMain, HELPER_FRAME, HELPER_FRAME_HEADER, HELPER_STATUS, type HelperStatus } from './capture-helper';

/**
 * The kernel-side filter: ARP, and the five NDP messages (ICMPv6 types 133–137), untagged
 * or behind one 802.1Q tag. `icmp6` matches an ICMPv6 header right after the fixed IPv6
 * header (or after a fragment header, where `ip6[40]` then reads the fragment header and
 * fails the type test): NDP behind extension headers stays out. That is deliberate: RFC
 * 6980 has receivers drop fragmented NDP, stacks send NDP without extension headers, and
 * the frequent ICMPv6-with-hop-by-hop traffic (MLD reports, router alert) is exactly what
 * must not reach user space. `vlan` comes last because it shifts every later offset by 4.
 */
const NDP = 'icmp6 and ip6[40] >= 133 and ip6[40] <= 137';
export const CAPTURE_FILTER = `arp or (${NDP}) or (vlan and (arp or (${NDP})))`;

/** Longest a frame waits in the helper before it is written to the agent. */
const HELPER_COALESCE_MS = 5;

/** pcap link types by cap's names. */
const LINK_TYPES: Record<string, number> = { ETHERNET: 1, LINKTYPE_LINUX_SLL: 113 };

export interface CaptureOptions {
  bufferSize: number;
  log: Logger;
  /** Called synchronously for every frame; `bytes` is only valid during the call. */
  onFrame(iface: string, linkType: number, bytes: Buffer, wireLength: number, timeUs: number): void;
  /** The helper dropped frames because the agent did not read them fast enough. */
  onOverflow(count: number): void;
  /** The helper died (an interface went down or away): the caller re-reads interfaces. */
  onHelperExit(): void;
  /** Most bytes the helper queues for the agent before it drops frames. */
  maxQueuedBytes?: number;
  /** The module the helper loads as `cap` (tests substitute a scripted one). */
  capModulePath?: string;
}

interface Opened {
  name: string;
  linkType: number;
}

export class CaptureManager {
  private child: ChildProcessByStdio<Writable, Readable, Readable> | undefined;
  private wanted: string[] = [];
  private readonly byId = new Map<number, Opened>();
  /** Interfaces the helper reported open (name → link type). */
  readonly opened = new Map<string, number>();
  /** Interfaces that failed to open, with the reason (retried on the next `setInterfaces`). */
  readonly failed = new Map<string, string>();
  private remainder: Buffer | undefined;
  private stopping = false;
  private restartDelay = 100;
  private restartTimer: NodeJS.Timeout | undefined;
  private exited: Promise<void> | undefined;
  helperRestarts = 0;

  constructor(private readonly options: CaptureOptions) {}

  /** The interfaces to capture on; starts the helper if needed. */
  setInterfaces(names: string[]): void {
    this.wanted = [...names].sort();
    for (const name of [...this.failed.keys()]) if (!this.wanted.includes(name)) this.failed.delete(name);
    if (this.wanted.length === 0 && !this.child) return;
    if (!this.child) {
      if (!this.restartTimer) this.start();
      return;
    }
    this.send();
  }

  /** Asks the helper to retry interfaces that failed to open (it opens every wanted name it does not hold). */
  retryFailed(): void {
    if (this.failed.size === 0 || !this.child) return;
    this.send();
  }

  private send(): void {
    const set = this.wanted.map((name) => ({ name, filter: CAPTURE_FILTER, bufferSize: this.options.bufferSize }));
    this.child?.stdin.write(JSON.stringify({ set }) + '\n');
  }

  private start(): void {
    const { log } = this.options;
    const capPath = this.options.capModulePath ?? createRequire(import.meta.url).resolve('cap');
    const source = `(${captureHelperMain.toString()})(require, ${JSON.stringify(capPath)}, ${this.options.maxQueuedBytes ?? 16 * 2 ** 20}, ${HELPER_COALESCE_MS})`;
    // A small heap: the helper only copies frames into a pipe.
    const child = spawn(process.execPath, ['--max-old-space-size=32', '--max-semi-space-size=1', '-e', source], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    this.remainder = undefined;
    this.byId.clear();
    this.opened.clear();
    child.stdout.on('data', (chunk: Buffer) => this.parse(chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      for (const line of text.split('\n')) {
        // libpcap's "no IPv4 address assigned" warning is harmless for ARP/NDP capture.
        if (line.trim() && !/no IPv4 address assigned/.test(line)) log.warn('capture helper', { output: line.trim() });
      }
    });
    child.stdin.on('error', () => undefined);
    this.exited = new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        resolve();
        if (this.child !== child) return;
        this.child = undefined;
        this.opened.clear();
        if (this.stopping) return;
        this.helperRestarts++;
        log.warn('capture helper stopped; restarting it (an interface went down or away?)', { code, signal, delayMs: this.restartDelay });
        this.restartTimer = setTimeout(() => {
          this.restartTimer = undefined;
          this.options.onHelperExit();
          if (!this.child && !this.stopping) this.start();
        }, this.restartDelay);
        this.restartDelay = Math.min(this.restartDelay * 2, 5000);
      }),
    );
    child.on('error', (error) => log.error('capture helper could not start', { error }));
    this.send();
  }

  private parse(chunk: Buffer): void {
    let buf = chunk;
    if (this.remainder) {
      buf = Buffer.concat([this.remainder, chunk]);
      this.remainder = undefined;
    }
    let at = 0;
    while (buf.length - at >= 5) {
      const length = buf.readUInt32LE(at);
      if (buf.length - at - 4 < length) break;
      const kind = buf[at + 4];
      if (kind === HELPER_FRAME) {
        const id = buf.readUInt16LE(at + 5);
        const wireLength = buf.readUInt32LE(at + 7);
        const timeUs = buf.readDoubleLE(at + 11);
        const opened = this.byId.get(id);
        if (opened) this.options.onFrame(opened.name, opened.linkType, buf.subarray(at + 4 + HELPER_FRAME_HEADER, at + 4 + length), wireLength, timeUs);
      } else if (kind === HELPER_STATUS) {
        this.status(JSON.parse(buf.toString('utf8', at + 5, at + 4 + length)) as HelperStatus);
      }
      at += 4 + length;
    }
    if (at < buf.length) this.remainder = Buffer.from(buf.subarray(at));
  }

  private status(status: HelperStatus): void {
    const { log } = this.options;
    if ('opened' in status) {
      const linkType = LINK_TYPES[status.linkType];
      if (linkType === undefined) {
        log.warn('capture: unsupported link type, not capturing', { interface: status.opened, linkType: status.linkType });
        return;
      }
      this.byId.set(status.id, { name: status.opened, linkType });
      this.opened.set(status.opened, linkType);
      this.failed.delete(status.opened);
      this.restartDelay = 100;
      log.info('capture started', { interface: status.opened, linkType: status.linkType });
    } else if ('failed' in status) {
      if (this.failed.get(status.failed) !== status.error) log.warn('capture could not start; retrying on the next interface scan', { interface: status.failed, error: status.error });
      this.failed.set(status.failed, status.error);
    } else if ('closed' in status) {
      for (const [id, o] of this.byId) if (o.name === status.closed) this.byId.delete(id);
      this.opened.delete(status.closed);
      log.info('capture stopped', { interface: status.closed });
    } else if ('overflow' in status) {
      this.options.onOverflow(status.overflow);
    }
  }

  /** Stops the helper (closing every handle) and waits for it to exit. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child) return;
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await this.exited;
    clearTimeout(timer);
  }
}
