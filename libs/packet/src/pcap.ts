/**
 * Classic libpcap files (https://www.tcpdump.org/manpages/pcap-savefile.5.html,
 * draft-ietf-opsawg-pcap): 24-byte global header (magic 0xa1b2c3d4 for microsecond or
 * 0xa1b23c4d for nanosecond timestamps, in either byte order), then records of a 16-byte
 * header (seconds, fraction, captured length, original length) and the captured bytes.
 * Reading is done by `capture.ts` in chunks; this file parses headers from a byte window and
 * writes files.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { CaptureFileError, type CaptureRecord, type FormatParser } from './record';
import { LINKTYPE_ETHERNET } from './types';

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const PCAP_GLOBAL_HEADER_LENGTH = 24;
export const PCAP_RECORD_HEADER_LENGTH = 16;

export interface PcapHeader {
  littleEndian: boolean;
  nanosecond: boolean;
  versionMajor: number;
  versionMinor: number;
  snaplen: number;
  linkType: number;
}

/** Reads the global header at `offset` (24 bytes must be available); null if the magic is not pcap. */
export function parsePcapHeader(b: Uint8Array, offset: number): PcapHeader | null {
  const dv = new DataView(b.buffer, b.byteOffset + offset, PCAP_GLOBAL_HEADER_LENGTH);
  const be = dv.getUint32(0, false);
  const le = dv.getUint32(0, true);
  let littleEndian: boolean;
  let nanosecond: boolean;
  if (be === PCAP_MAGIC_US || be === PCAP_MAGIC_NS) {
    littleEndian = false;
    nanosecond = be === PCAP_MAGIC_NS;
  } else if (le === PCAP_MAGIC_US || le === PCAP_MAGIC_NS) {
    littleEndian = true;
    nanosecond = le === PCAP_MAGIC_NS;
  } else {
    return null;
  }
  return {
    littleEndian,
    nanosecond,
    versionMajor: dv.getUint16(4, littleEndian),
    versionMinor: dv.getUint16(6, littleEndian),
    snaplen: dv.getUint32(16, littleEndian),
    // The upper bits carry FCS information (pcap-savefile(5)); the link type is the low 16.
    linkType: dv.getUint32(20, littleEndian) & 0xffff,
  };
}

export interface PcapWriterOptions {
  /** Default 1 (Ethernet). */
  linkType?: number;
  /** Nanosecond timestamps (magic 0xa1b23c4d); default microseconds. */
  nanosecond?: boolean;
  /** Default 262144, what tcpdump uses. */
  snaplen?: number;
}

export interface PcapFrame {
  data: Uint8Array;
  /** Microseconds since the epoch. */
  timestampUs: number;
  /** Length on the wire when `data` is truncated; default `data.length`. */
  originalLength?: number;
  /** Extra nanoseconds (0–999) below the microsecond, kept in nanosecond files. */
  extraNs?: number;
}

function globalHeader(options: PcapWriterOptions): Uint8Array {
  const out = new Uint8Array(PCAP_GLOBAL_HEADER_LENGTH);
  const dv = new DataView(out.buffer);
  // Written little-endian, as libpcap does on x86.
  dv.setUint32(0, options.nanosecond ? PCAP_MAGIC_NS : PCAP_MAGIC_US, true);
  dv.setUint16(4, 2, true);
  dv.setUint16(6, 4, true);
  dv.setUint32(16, options.snaplen ?? 262144, true);
  dv.setUint32(20, options.linkType ?? LINKTYPE_ETHERNET, true);
  return out;
}

function writeRecordHeader(dv: DataView, at: number, frame: PcapFrame, nanosecond: boolean, captured: number): void {
  const us = Math.floor(frame.timestampUs);
  const sec = Math.floor(us / 1e6);
  const fracUs = us - sec * 1e6;
  dv.setUint32(at, sec >>> 0, true);
  dv.setUint32(at + 4, nanosecond ? fracUs * 1000 + Math.min(999, Math.max(0, frame.extraNs ?? 0)) : fracUs, true);
  dv.setUint32(at + 8, captured, true);
  dv.setUint32(at + 12, Math.max(frame.originalLength ?? frame.data.length, captured), true);
}

/** A whole pcap file in memory (evidence export, tests). Frames longer than snaplen are cut. */
export function encodePcap(frames: Iterable<PcapFrame>, options: PcapWriterOptions = {}): Uint8Array {
  const list = [...frames];
  const snaplen = options.snaplen ?? 262144;
  let size = PCAP_GLOBAL_HEADER_LENGTH;
  for (const f of list) size += PCAP_RECORD_HEADER_LENGTH + Math.min(f.data.length, snaplen);
  const out = new Uint8Array(size);
  out.set(globalHeader(options), 0);
  const dv = new DataView(out.buffer);
  let at = PCAP_GLOBAL_HEADER_LENGTH;
  for (const f of list) {
    const captured = Math.min(f.data.length, snaplen);
    writeRecordHeader(dv, at, f, options.nanosecond === true, captured);
    out.set(captured === f.data.length ? f.data : f.data.subarray(0, captured), at + PCAP_RECORD_HEADER_LENGTH);
    at += PCAP_RECORD_HEADER_LENGTH + captured;
  }
  return out;
}

/**
 * Streams frames to a pcap file through a 1 MiB buffer with synchronous writes (so `write`
 * never waits and frames keep their order). Call `close()` to flush.
 */
export class PcapWriter {
  private readonly buffer = new Uint8Array(1 << 20);
  private readonly view = new DataView(this.buffer.buffer);
  private used = 0;
  private fd: number | null;
  private readonly nanosecond: boolean;
  private readonly snaplen: number;
  /** Frames written so far. */
  count = 0;

  constructor(
    readonly path: string,
    options: PcapWriterOptions = {},
  ) {
    this.fd = openSync(path, 'w');
    this.nanosecond = options.nanosecond === true;
    this.snaplen = options.snaplen ?? 262144;
    this.buffer.set(globalHeader(options), 0);
    this.used = PCAP_GLOBAL_HEADER_LENGTH;
  }

  write(frame: PcapFrame): void {
    if (this.fd === null) throw new Error(`pcap writer for ${this.path} is closed`);
    const captured = Math.min(frame.data.length, this.snaplen);
    const need = PCAP_RECORD_HEADER_LENGTH + captured;
    if (this.used + need > this.buffer.length) this.flush();
    if (need > this.buffer.length) {
      const record = new Uint8Array(need);
      writeRecordHeader(new DataView(record.buffer), 0, frame, this.nanosecond, captured);
      record.set(frame.data.subarray(0, captured), PCAP_RECORD_HEADER_LENGTH);
      writeSync(this.fd, record);
    } else {
      writeRecordHeader(this.view, this.used, frame, this.nanosecond, captured);
      this.buffer.set(captured === frame.data.length ? frame.data : frame.data.subarray(0, captured), this.used + PCAP_RECORD_HEADER_LENGTH);
      this.used += need;
    }
    this.count++;
  }

  private flush(): void {
    if (this.fd === null || this.used === 0) return;
    let at = 0;
    while (at < this.used) at += writeSync(this.fd, this.buffer, at, this.used - at);
    this.used = 0;
  }

  close(): void {
    if (this.fd === null) return;
    this.flush();
    closeSync(this.fd);
    this.fd = null;
  }
}

/** Record parser for the chunked reader, after the global header. */
export class PcapParser implements FormatParser {
  readonly headerLength = PCAP_RECORD_HEADER_LENGTH;
  error: CaptureFileError | null = null;

  constructor(private readonly header: PcapHeader) {}

  unitLength(b: Uint8Array, pos: number, fileOffset: number): number {
    const captured = readU32(b, pos + 8, this.header.littleEndian);
    if (captured > MAX_RECORD_LENGTH) {
      this.error = new CaptureFileError('malformed', `record at byte ${fileOffset} claims ${captured} captured bytes: corrupt file`, fileOffset);
      return -1;
    }
    return PCAP_RECORD_HEADER_LENGTH + captured;
  }

  consume(b: Uint8Array, pos: number, length: number, fileOffset: number, rec: CaptureRecord): number {
    const le = this.header.littleEndian;
    const seconds = readU32(b, pos, le);
    const frac = readU32(b, pos + 4, le);
    const nanoseconds = this.header.nanosecond ? frac : frac * 1000;
    rec.seconds = seconds;
    rec.nanoseconds = nanoseconds;
    rec.timestampUs = seconds * 1e6 + Math.floor(nanoseconds / 1000);
    rec.linkType = this.header.linkType;
    rec.interfaceId = 0;
    rec.data = b.subarray(pos + PCAP_RECORD_HEADER_LENGTH, pos + length);
    rec.originalLength = readU32(b, pos + 12, le);
    rec.fileOffset = fileOffset;
    return 1;
  }
}

/** No real capture has a larger record; beyond it the length field is garbage. */
export const MAX_RECORD_LENGTH = 256 * 1024 * 1024;

export function readU32(b: Uint8Array, at: number, littleEndian: boolean): number {
  return littleEndian
    ? (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0
    : ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

export function readU16(b: Uint8Array, at: number, littleEndian: boolean): number {
  return littleEndian ? b[at] | (b[at + 1] << 8) : (b[at] << 8) | b[at + 1];
}
