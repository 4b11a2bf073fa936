/**
 * Capture: one libpcap handle per interface, in the agent's own process, through npm
 * `cap` 0.2.1 as patched by tools/patch-cap.mjs (installed by `npm ci`'s postinstall):
 *
 * - When a captured interface goes down or is deleted, the kernel raises an error on the
 *   packet socket; the patched cap stops that handle and emits 'error' (unpatched it
 *   aborts the process). The handle is closed here and `onCaptureError` tells the agent,
 *   which re-reads the interfaces: those still there and up are opened again, the others
 *   are let go. The other handles are not touched.
 * - The snapshot length is the length of the buffer given to `open()`, so the kernel ring
 *   holds thousands of frames instead of 128 (8 MiB at 64 KiB per slot).
 * - `stats()` gives libpcap's received/dropped/ifdropped counters per handle.
 *
 * cap copies each frame into the handle's one buffer and emits 'packet' synchronously;
 * `onFrame` gets a view of that buffer that is only valid during the call (the agent
 * encodes what it keeps into the spool before returning).
 */
import { createRequire } from 'node:module';
import type { Logger } from '@neighwatch/config';
import { nowMicros } from './clock';

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

/**
 * Snapshot length unless `snaplen` asks for more: a full 1500-byte payload behind an
 * Ethernet header and two VLAN tags (802.1ad), so every NDP option of a standard-MTU
 * link is captured.
 */
export const CAPTURE_SNAPLEN = 14 + 8 + 1500;

/** pcap link types by cap's names. */
const LINK_TYPES: Record<string, number> = { ETHERNET: 1, LINKTYPE_LINUX_SLL: 113 };

export interface PcapStats {
  received: number;
  dropped: number;
  ifdropped: number;
}

/** The part of the patched cap's `Cap` the agent uses. */
export interface CapHandle {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  close(): boolean;
  stats(): PcapStats;
  on(event: 'packet', listener: (nbytes: number, truncated: boolean, wireLength: number) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export interface CapModule {
  Cap: new () => CapHandle;
}

export interface CaptureOptions {
  bufferSize: number;
  /** Snapshot length (bytes of each frame libpcap copies); at least CAPTURE_SNAPLEN is used. */
  snaplen: number;
  log: Logger;
  /** Called synchronously for every frame; `bytes` is only valid during the call. */
  onFrame(iface: string, linkType: number, bytes: Buffer, wireLength: number, timeUs: number): void;
  /** A handle failed (its interface went down or away) and was closed: re-read interfaces. */
  onCaptureError(iface: string, error: Error): void;
  /** The cap module (tests substitute a scripted one); default: the patched npm `cap`. */
  cap?: CapModule;
}

interface Opened {
  handle: CapHandle;
  linkType: number;
  /** Referenced for the handle's life: cap keeps only a raw pointer to it. */
  buffer: Buffer;
}

export class CaptureManager {
  private readonly cap: CapModule;
  private readonly handles = new Map<string, Opened>();
  /** Interfaces captured on (name → link type). */
  readonly opened = new Map<string, number>();
  /** Interfaces that failed to open, with the reason (retried on the next `setInterfaces`). */
  readonly failed = new Map<string, string>();
  /** Handles lost to an error, per interface (the interface went down or away). */
  readonly errors = new Map<string, number>();
  /** pcap counters of handles already closed, per interface, so the totals only grow. */
  private readonly closedStats = new Map<string, PcapStats>();
  private readonly snaplen: number;
  private stopped = false;

  constructor(private readonly options: CaptureOptions) {
    this.cap = options.cap ?? (createRequire(import.meta.url)('cap') as CapModule);
    if (typeof this.cap.Cap.prototype.stats !== 'function') {
      throw new Error('the npm package cap is not patched (no stats()): run `node tools/patch-cap.mjs` (npm ci does it)');
    }
    this.snaplen = Math.max(CAPTURE_SNAPLEN, options.snaplen);
  }

  /** Captures on exactly these interfaces: opens the new ones (and those that failed before), closes the rest. */
  setInterfaces(names: readonly string[]): void {
    if (this.stopped) return;
    const wanted = new Set(names);
    for (const name of [...this.handles.keys()]) {
      if (!wanted.has(name)) {
        this.close(name);
        this.options.log.info('capture stopped', { interface: name });
      }
    }
    for (const name of [...this.failed.keys()]) if (!wanted.has(name)) this.failed.delete(name);
    for (const name of names) if (!this.handles.has(name)) this.open(name);
  }

  private open(name: string): void {
    const { log } = this.options;
    const handle = new this.cap.Cap();
    const buffer = Buffer.alloc(this.snaplen);
    let linkTypeName: string;
    try {
      linkTypeName = handle.open(name, CAPTURE_FILTER, this.options.bufferSize, buffer);
    } catch (error) {
      handle.close();
      const message = (error as Error).message;
      if (this.failed.get(name) !== message) log.warn('capture could not start; retrying on the next interface scan', { interface: name, error: message });
      this.failed.set(name, message);
      return;
    }
    const linkType = LINK_TYPES[linkTypeName];
    if (linkType === undefined) {
      handle.close();
      if (this.failed.get(name) !== `link type ${linkTypeName}`) log.warn('capture: unsupported link type, not capturing', { interface: name, linkType: linkTypeName });
      this.failed.set(name, `link type ${linkTypeName}`);
      return;
    }
    const onFrame = this.options.onFrame;
    handle.on('packet', (nbytes, _truncated, wireLength) => {
      // A view of the reused buffer, valid during this call only.
      onFrame(name, linkType, buffer.subarray(0, nbytes), wireLength ?? nbytes, nowMicros());
    });
    handle.on('error', (error) => {
      if (this.handles.get(name)?.handle !== handle) return;
      this.close(name);
      this.errors.set(name, (this.errors.get(name) ?? 0) + 1);
      log.warn('capture failed: the interface went down or away; re-reading interfaces', { interface: name, error: error.message });
      this.options.onCaptureError(name, error);
    });
    this.handles.set(name, { handle, linkType, buffer });
    this.opened.set(name, linkType);
    this.failed.delete(name);
    log.info('capture started', { interface: name, linkType: linkTypeName, snaplen: this.snaplen });
  }

  private close(name: string): void {
    const opened = this.handles.get(name);
    if (!opened) return;
    const stats = this.handleStats(opened.handle);
    if (stats) this.closedStats.set(name, sumStats(this.closedStats.get(name), stats));
    opened.handle.close();
    this.handles.delete(name);
    this.opened.delete(name);
  }

  private handleStats(handle: CapHandle): PcapStats | undefined {
    try {
      return handle.stats();
    } catch {
      // The socket is gone (interface deleted): what it counted last is lost.
      return undefined;
    }
  }

  /** libpcap's counters per interface ever captured on: closed handles' totals plus the open one's. */
  stats(): Map<string, PcapStats> {
    const out = new Map<string, PcapStats>(this.closedStats);
    for (const [name, opened] of this.handles) {
      const current = this.handleStats(opened.handle);
      if (current) out.set(name, sumStats(out.get(name), current));
    }
    return out;
  }

  /** Closes every handle; frames in the kernel ring are not read any more. */
  stop(): void {
    this.stopped = true;
    for (const name of [...this.handles.keys()]) this.close(name);
  }
}

function sumStats(a: PcapStats | undefined, b: PcapStats): PcapStats {
  return a ? { received: a.received + b.received, dropped: a.dropped + b.dropped, ifdropped: a.ifdropped + b.ifdropped } : b;
}
