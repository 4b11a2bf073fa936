/**
 * A faster deserializer for `AgentMessage`, the collector's ingest hot path, with the
 * exact output of the loader's (`LOADER_OPTIONS`: defaults filled in, int64 → number,
 * enums → names, bytes → Buffer, `body` set).
 *
 * A well-formed observation batch does not go through protobufjs: `fastBatch` reads the
 * wire format straight into the output objects (one object per observation, a view per
 * bytes field, no Long, no intermediate message, no defaults built to be overwritten).
 * Anything it does not expect (an unknown wire type, an over-long varint, a non-ASCII
 * interface name, a truncated field, a second body) sends the whole message down the
 * protobufjs path, which gives the loader's result or an error: the fast path never
 * decides what malformed input means. Other messages (Hello, Inventory, NeighborSnapshot:
 * rare) take that path too.
 */
import protobuf from 'protobufjs';
import { accessSync, constants } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { AgentMessage__Output } from './generated/neighwatch/v1/AgentMessage';
import type { Observation__Output } from './generated/neighwatch/v1/Observation';

interface Codec {
  agentMessage: protobuf.Type;
  options: protobuf.IConversionOptions;
  /** Enum names by number, for the fast path. */
  directions: string[];
  types: string[];
  checksums: string[];
  /** Whether `options` asks for exactly what `fastBatch` produces. */
  fast: boolean;
}

let codec: Codec | undefined;

function load(protoDir: string, options: protobuf.IConversionOptions & { keepCase?: boolean }): Codec {
  const root = new protobuf.Root();
  // The loader's include-path resolution (@grpc/proto-loader util.addIncludePathResolver).
  root.resolvePath = (_origin, target) => {
    if (isAbsolute(target)) return target;
    const full = join(protoDir, target);
    accessSync(full, constants.R_OK);
    return full;
  };
  root.loadSync('neighwatch/v1/ingest.proto', { keepCase: options.keepCase });
  root.resolveAll();
  const agentMessage = root.lookupType('neighwatch.v1.AgentMessage');
  const observation = root.lookupType('neighwatch.v1.Observation');
  const names = (name: string) => {
    const e = (observation.fields[name].resolvedType as protobuf.Enum).valuesById;
    const out: string[] = [];
    for (const id in e) out[Number(id)] = e[id];
    return out;
  };
  const fast =
    options.longs === Number && options.enums === String && options.bytes === Buffer && options.defaults === true && options.oneofs === true && !options.keepCase;
  return {
    agentMessage,
    options: { ...options },
    directions: names('direction'),
    types: names('type'),
    checksums: names('checksum'),
    fast,
  };
}

/**
 * Decodes an AgentMessage exactly as the loader's deserializer does, with fewer
 * allocations for observation batches. `protoDir` and `options` are the loader's.
 */
export function decodeAgentMessage(bytes: Buffer, protoDir: string, options: protobuf.IConversionOptions & { keepCase?: boolean }): AgentMessage__Output {
  codec ??= load(protoDir, options);
  return (codec.fast ? fastBatch(bytes, codec) : null) ?? decodeWithProtobufjs(bytes, codec);
}

/** The protobufjs path alone (the fast path's reference, for tests). */
export function decodeAgentMessageWithProtobufjs(bytes: Buffer, protoDir: string, options: protobuf.IConversionOptions & { keepCase?: boolean }): AgentMessage__Output {
  codec ??= load(protoDir, options);
  return decodeWithProtobufjs(bytes, codec);
}

function decodeWithProtobufjs(bytes: Buffer, codec: Codec): AgentMessage__Output {
  return codec.agentMessage.toObject(codec.agentMessage.decode(bytes), codec.options) as AgentMessage__Output;
}

// ---- the fast path -----------------------------------------------------------------

/** The fast path alone: null where it hands the message to protobufjs (for tests). */
export function decodeObservationBatchFast(bytes: Buffer, protoDir: string, options: protobuf.IConversionOptions & { keepCase?: boolean }): AgentMessage__Output | null {
  codec ??= load(protoDir, options);
  return codec.fast ? fastBatch(bytes, codec) : null;
}

/** Thrown inside `fastBatch` when the input is not what it expects (never escapes). */
const FALLBACK = new Error('neighwatch: not a plain observation batch');
const EMPTY = Buffer.alloc(0);
/** Reader state: module scope, so reading a field allocates nothing. */
let pos = 0;
let lo = 0;
let hi = 0;
/** The last interface name decoded, and its bytes: one capture interface per batch is usual. */
let lastIface = '';
const lastIfaceBytes = Buffer.alloc(64);
let lastIfaceLength = -1;

/** A varint of at most 32 bits (≤ 5 bytes, nothing above bit 31). */
function varint32(buf: Buffer, end: number): number {
  let value = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (pos >= end) throw FALLBACK;
    const b = buf[pos++];
    if (shift === 28 && b > 0x0f) throw FALLBACK;
    value |= (b & 0x7f) << shift;
    if (b < 0x80) return value >>> 0;
  }
  throw FALLBACK;
}

/** A varint of up to 64 bits, into `lo` and `hi` (as protobufjs's LongBits holds it). */
function varint64(buf: Buffer, end: number): void {
  lo = 0;
  hi = 0;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw FALLBACK;
    const b = buf[pos++];
    const bits = b & 0x7f;
    if (i < 4) lo |= bits << (7 * i);
    else if (i === 4) {
      lo |= bits << 28;
      hi |= bits >> 4;
    } else {
      if (i === 9 && b > 1) throw FALLBACK;
      hi |= bits << (7 * i - 32);
    }
    if (b < 0x80) {
      lo >>>= 0;
      hi >>>= 0;
      return;
    }
  }
  throw FALLBACK;
}

const uint64 = () => lo + hi * 4294967296;

/** `lo`/`hi` as a signed 64-bit number, rounded as protobufjs's LongBits.toNumber rounds it. */
function int64(): number {
  if (hi >>> 31) {
    const l = (~lo + 1) >>> 0;
    let h = ~hi >>> 0;
    if (!l) h = (h + 1) >>> 0;
    return -(l + h * 4294967296);
  }
  return lo + hi * 4294967296;
}

/** The end of a length-delimited field whose length prefix starts at `pos`. */
function delimited(buf: Buffer, end: number): number {
  const length = varint32(buf, end);
  const fieldEnd = pos + length;
  if (fieldEnd > end) throw FALLBACK;
  return fieldEnd;
}

function bytesField(buf: Buffer, end: number): Buffer {
  const fieldEnd = delimited(buf, end);
  const start = pos;
  pos = fieldEnd;
  // Zero-length views are shared: nothing can be written through them.
  return fieldEnd === start ? EMPTY : buf.subarray(start, fieldEnd);
}

function interfaceField(buf: Buffer, end: number): string {
  const fieldEnd = delimited(buf, end);
  const start = pos;
  const length = fieldEnd - start;
  pos = fieldEnd;
  let same = length === lastIfaceLength;
  for (let i = 0; i < length; i++) {
    const c = buf[start + i];
    // UTF-8 beyond ASCII (to be verified, as protobufjs does) takes the slow path.
    if (c >= 0x80) throw FALLBACK;
    if (same && lastIfaceBytes[i] !== c) same = false;
  }
  if (same) return lastIface;
  const name = buf.toString('latin1', start, fieldEnd);
  if (length <= lastIfaceBytes.length) {
    buf.copy(lastIfaceBytes, 0, start, fieldEnd);
    lastIfaceLength = length;
    lastIface = name;
  }
  return name;
}

function skip(buf: Buffer, end: number, wireType: number): void {
  if (wireType === 0) varint64(buf, end);
  else if (wireType === 2) pos = delimited(buf, end);
  else if (wireType === 1 || wireType === 5) {
    pos += wireType === 1 ? 8 : 4;
    if (pos > end) throw FALLBACK;
  } else throw FALLBACK;
}

function expect(wireType: number, want: number): void {
  if (wireType !== want) throw FALLBACK;
}

function observation(buf: Buffer, end: number, codec: Codec): Observation__Output {
  const o: Observation__Output = {
    sequence: 0,
    captureTimeUs: 0,
    interface: '',
    direction: codec.directions[0] as Observation__Output['direction'],
    ethSrc: EMPTY,
    ethDst: EMPTY,
    vlan: 0,
    type: codec.types[0] as Observation__Output['type'],
    senderIp: EMPTY,
    targetIp: EMPTY,
    lladdr: EMPTY,
    naFlags: 0,
    checksum: codec.checksums[0] as Observation__Output['checksum'],
    fingerprint: EMPTY,
    frame: EMPTY,
    frameLength: 0,
  };
  while (pos < end) {
    const tag = varint32(buf, end);
    const wireType = tag & 7;
    switch (tag >>> 3) {
      case 1:
        expect(wireType, 0);
        varint64(buf, end);
        o.sequence = uint64();
        break;
      case 2:
        expect(wireType, 0);
        varint64(buf, end);
        o.captureTimeUs = int64();
        break;
      case 3:
        expect(wireType, 2);
        o.interface = interfaceField(buf, end);
        break;
      case 4: {
        expect(wireType, 0);
        const v = varint32(buf, end) | 0;
        o.direction = (codec.directions[v] ?? v) as Observation__Output['direction'];
        break;
      }
      case 5:
        expect(wireType, 2);
        o.ethSrc = bytesField(buf, end);
        break;
      case 6:
        expect(wireType, 2);
        o.ethDst = bytesField(buf, end);
        break;
      case 7:
        expect(wireType, 0);
        o.vlan = varint32(buf, end);
        break;
      case 8: {
        expect(wireType, 0);
        const v = varint32(buf, end) | 0;
        o.type = (codec.types[v] ?? v) as Observation__Output['type'];
        break;
      }
      case 9:
        expect(wireType, 2);
        o.senderIp = bytesField(buf, end);
        break;
      case 10:
        expect(wireType, 2);
        o.targetIp = bytesField(buf, end);
        break;
      case 11:
        expect(wireType, 2);
        o.lladdr = bytesField(buf, end);
        break;
      case 12:
        expect(wireType, 0);
        o.naFlags = varint32(buf, end);
        break;
      case 13: {
        expect(wireType, 0);
        const v = varint32(buf, end) | 0;
        o.checksum = (codec.checksums[v] ?? v) as Observation__Output['checksum'];
        break;
      }
      case 14:
        expect(wireType, 2);
        o.fingerprint = bytesField(buf, end);
        break;
      case 15:
        expect(wireType, 2);
        o.frame = bytesField(buf, end);
        break;
      case 16:
        expect(wireType, 0);
        o.frameLength = varint32(buf, end);
        break;
      case 0:
        throw FALLBACK;
      default:
        skip(buf, end, wireType);
    }
  }
  return o;
}

/**
 * An AgentMessage that is exactly one ObservationBatch, decoded straight from the wire
 * into the loader's output shape; null for anything else (the caller takes protobufjs's
 * path).
 */
function fastBatch(buf: Buffer, codec: Codec): AgentMessage__Output | null {
  const n = buf.length;
  // Field 4 (observations), length-delimited, must be the whole message.
  if (n < 2 || buf[0] !== 0x22) return null;
  try {
    pos = 1;
    if (delimited(buf, n) !== n) return null;
    let agentTimeUs = 0;
    const observations: Observation__Output[] = [];
    while (pos < n) {
      const tag = varint32(buf, n);
      const wireType = tag & 7;
      const field = tag >>> 3;
      if (field === 1) {
        expect(wireType, 0);
        varint64(buf, n);
        agentTimeUs = int64();
      } else if (field === 2) {
        expect(wireType, 2);
        const end = delimited(buf, n);
        observations.push(observation(buf, end, codec));
        pos = end;
      } else if (field === 0) {
        return null;
      } else {
        skip(buf, n, wireType);
      }
    }
    return { observations: { observations, agentTimeUs }, body: 'observations' } as AgentMessage__Output;
  } catch (error) {
    if (error === FALLBACK) return null;
    throw error;
  }
}
