/**
 * A compact binary form of one IngestUnit, for handing it to the store thread as a single
 * transferable ArrayBuffer instead of structured-cloning thousands of small objects.
 *
 * Layout (all in one ArrayBuffer, which may be longer than what it holds):
 *   [0, 16)     header: u32 count of numbers, u32 byte length of the text, u32 byte length
 *               of the frames
 *   then        numbers: every number of the unit as a float64 (exact for integers up to
 *               2^53-1); a string is its UTF-8 byte length here (NULL for null), an
 *               optional field a marker, a frame its byte length
 *   then        the text: every string of the unit, UTF-8, back to back, in order
 *   then        the frames, back to back, in order
 *
 * Packing allocates nothing per row: it writes into scratch space this thread keeps, then
 * copies that into one buffer, taken from the buffers the store thread handed back after
 * committing (`recyclePacked`) when one is large enough. Strings are not deduplicated: a
 * string table per unit cost more (a Map growing to thousands of entries, fingerprints
 * being unique) than writing each string out.
 *
 * Unpacking makes the same objects again (`toStrictEqual`): optional fields absent stay
 * absent, frames come back as Buffers that view the transferred memory (no copy); they
 * are only valid until the buffer is handed back.
 */
import type { BindingDelta, BindingSource, FindingRecord, IngestUnit, ObservationRecord, RejectedRange } from '@neighwatch/store';
import type { Direction, EvidenceRef, Finding, MessageType, MismatchKind, NeighborObservation, VantagePoint } from '@neighwatch/model';

const HEADER = 16;
/** Byte length standing for a null string. */
const NULL = -1;
/** Optional field markers. */
const ABSENT = 0;
const PRESENT = 1;

/** `buffer` if it has room for `more` bytes after `used`, else a larger copy of its first `used` bytes. */
function reserve(buffer: Buffer, used: number, more: number): Buffer {
  const need = used + more;
  if (need <= buffer.length) return buffer;
  let size = buffer.length;
  while (size < need) size *= 2;
  const larger = Buffer.allocUnsafe(size);
  buffer.copy(larger, 0, 0, used);
  return larger;
}

/** Scratch space for packing, reused by every unit packed on this thread. */
class Packer {
  nums = new Float64Array(1 << 14);
  count = 0;
  text: Buffer = Buffer.allocUnsafe(1 << 16);
  textBytes = 0;
  frames: Buffer = Buffer.allocUnsafe(1 << 16);
  frameBytes = 0;

  reset(): void {
    this.count = 0;
    this.textBytes = 0;
    this.frameBytes = 0;
  }

  num(n: number): void {
    if (this.count === this.nums.length) {
      const nums = new Float64Array(this.nums.length * 2);
      nums.set(this.nums);
      this.nums = nums;
    }
    this.nums[this.count++] = n;
  }

  str(s: string): void {
    // At most 3 UTF-8 bytes per UTF-16 unit.
    this.text = reserve(this.text, this.textBytes, s.length * 3);
    const written = this.text.write(s, this.textBytes, 'utf8');
    this.textBytes += written;
    this.num(written);
  }

  strOrNull(s: string | null): void {
    if (s === null) this.num(NULL);
    else this.str(s);
  }

  strList(list: string[]): void {
    this.num(list.length);
    for (const s of list) this.str(s);
  }

  frame(f: Uint8Array): void {
    this.frames = reserve(this.frames, this.frameBytes, f.byteLength);
    this.frames.set(f, this.frameBytes);
    this.frameBytes += f.byteLength;
    this.num(f.byteLength);
  }

  /** The packed unit, in a recycled buffer when one is large enough. */
  finish(): ArrayBuffer {
    const numsBytes = this.count * 8;
    const size = HEADER + numsBytes + this.textBytes + this.frameBytes;
    let buffer: ArrayBuffer | undefined;
    while (recycled.length > 0 && !buffer) {
      const candidate = recycled.pop()!;
      if (candidate.byteLength >= size) buffer = candidate;
    }
    // Headroom, so that a slightly larger unit later can reuse this buffer.
    buffer ??= new ArrayBuffer(Math.ceil((size * 1.25) / 65536) * 65536);
    const header = new Uint32Array(buffer, 0, 4);
    header[0] = this.count;
    header[1] = this.textBytes;
    header[2] = this.frameBytes;
    new Float64Array(buffer, HEADER, this.count).set(this.nums.subarray(0, this.count));
    const bytes = new Uint8Array(buffer);
    bytes.set(this.text.subarray(0, this.textBytes), HEADER + numsBytes);
    bytes.set(this.frames.subarray(0, this.frameBytes), HEADER + numsBytes + this.textBytes);
    return buffer;
  }
}

/** Buffers the store thread has finished with, for the next units (a few at most). */
const recycled: ArrayBuffer[] = [];
const MAX_RECYCLED = 4;

/** Hands back a buffer that `packIngestUnit` returned, once nothing reads it any more. */
export function recyclePacked(buffer: ArrayBuffer): void {
  if (recycled.length < MAX_RECYCLED && buffer.byteLength > 0) recycled.push(buffer);
}

class Unpacker {
  private pos = 0;
  private textAt = 0;
  private frameAt: number;
  constructor(
    private readonly nums: Float64Array,
    private readonly text: Buffer,
    private readonly buffer: ArrayBuffer,
    framesAt: number,
  ) {
    this.frameAt = framesAt;
  }

  num(): number {
    return this.nums[this.pos++]!;
  }

  str(): string {
    const length = this.nums[this.pos++]!;
    const start = this.textAt;
    this.textAt += length;
    return this.text.toString('utf8', start, this.textAt);
  }

  strOrNull(): string | null {
    if (this.nums[this.pos] === NULL) {
      this.pos++;
      return null;
    }
    return this.str();
  }

  strList(): string[] {
    const n = this.num();
    const list = new Array<string>(n);
    for (let i = 0; i < n; i++) list[i] = this.str();
    return list;
  }

  frame(): Buffer {
    const length = this.num();
    const frame = Buffer.from(this.buffer, this.frameAt, length);
    this.frameAt += length;
    return frame;
  }
}

function packObservation(p: Packer, r: ObservationRecord): void {
  const o = r.observation;
  p.num(r.sequence);
  p.num(r.frameLength);
  p.frame(r.frame);
  p.str(o.node);
  p.str(o.iface);
  p.str(o.direction);
  p.num(o.timeUs);
  p.str(o.type);
  p.str(o.ethSrc);
  p.str(o.ethDst);
  p.num(o.vlan === null ? NULL : o.vlan);
  p.str(o.srcIp);
  p.strOrNull(o.targetIp);
  p.strOrNull(o.lladdr);
  p.num(o.naFlags);
  p.num(o.checksumOk === null ? 2 : o.checksumOk ? 1 : 0);
  p.str(o.fingerprint);
  p.num(o.ref);
}

function unpackObservation(u: Unpacker): ObservationRecord {
  const sequence = u.num();
  const frameLength = u.num();
  const frame = u.frame();
  const node = u.str();
  const iface = u.str();
  const direction = u.str() as Direction;
  const timeUs = u.num();
  const type = u.str() as MessageType;
  const ethSrc = u.str();
  const ethDst = u.str();
  const vlan = u.num();
  const srcIp = u.str();
  const targetIp = u.strOrNull();
  const lladdr = u.strOrNull();
  const naFlags = u.num();
  const checksum = u.num();
  const fingerprint = u.str();
  const ref = u.num();
  const observation: NeighborObservation = {
    node,
    iface,
    direction,
    timeUs,
    type,
    ethSrc,
    ethDst,
    vlan: vlan === NULL ? null : vlan,
    srcIp,
    targetIp,
    lladdr,
    naFlags,
    checksumOk: checksum === 2 ? null : checksum === 1,
    fingerprint,
    ref,
  };
  return { sequence, observation, frame, frameLength };
}

function packOptionalList(p: Packer, list: string[] | undefined): void {
  if (list === undefined) p.num(ABSENT);
  else {
    p.num(PRESENT);
    p.strList(list);
  }
}

function unpackOptionalList(u: Unpacker): string[] | undefined {
  return u.num() === PRESENT ? u.strList() : undefined;
}

function packFinding(p: Packer, r: FindingRecord): void {
  const f = r.finding;
  p.num(r.suppressed === undefined ? 2 : r.suppressed ? 1 : 0);
  p.str(f.kind);
  p.str(f.subject);
  p.strOrNull(f.ip);
  p.strList(f.macs);
  p.strOrNull(f.node);
  p.num(f.vantagePoints.length);
  for (const v of f.vantagePoints) {
    p.str(v.node);
    p.str(v.iface);
  }
  p.num(f.timeUs);
  p.num(f.evidence.length);
  for (const e of f.evidence) {
    p.str(e.node);
    p.str(e.iface);
    p.num(e.ref);
    p.num(e.timeUs);
  }
  packOptionalList(p, f.rewrittenFields);
  packOptionalList(p, f.staleFields);
  p.str(f.summary);
}

function unpackFinding(u: Unpacker): FindingRecord {
  const suppressed = u.num();
  const kind = u.str() as MismatchKind;
  const subject = u.str();
  const ip = u.strOrNull();
  const macs = u.strList();
  const node = u.strOrNull();
  const vantagePoints = new Array<VantagePoint>(u.num());
  for (let i = 0; i < vantagePoints.length; i++) vantagePoints[i] = { node: u.str(), iface: u.str() };
  const timeUs = u.num();
  const evidence = new Array<EvidenceRef>(u.num());
  for (let i = 0; i < evidence.length; i++) evidence[i] = { node: u.str(), iface: u.str(), ref: u.num(), timeUs: u.num() };
  const finding: Finding = { kind, subject, ip, macs, node, vantagePoints, timeUs, evidence, summary: '' };
  const rewrittenFields = unpackOptionalList(u);
  if (rewrittenFields !== undefined) finding.rewrittenFields = rewrittenFields;
  const staleFields = unpackOptionalList(u);
  if (staleFields !== undefined) finding.staleFields = staleFields;
  finding.summary = u.str();
  const record: FindingRecord = { finding };
  if (suppressed !== 2) record.suppressed = suppressed === 1;
  return record;
}

function packBinding(p: Packer, b: BindingDelta): void {
  p.str(b.ip);
  p.str(b.mac);
  p.str(b.observer);
  p.str(b.iface);
  p.str(b.source);
  p.num(b.firstSeenUs);
  p.num(b.lastSeenUs);
  p.num(b.count);
}

function unpackBinding(u: Unpacker): BindingDelta {
  return {
    ip: u.str(),
    mac: u.str(),
    observer: u.str(),
    iface: u.str(),
    source: u.str() as BindingSource,
    firstSeenUs: u.num(),
    lastSeenUs: u.num(),
    count: u.num(),
  };
}

function packList<T>(p: Packer, list: T[] | undefined, each: (p: Packer, item: T) => void): void {
  if (list === undefined) {
    p.num(ABSENT);
    return;
  }
  p.num(PRESENT);
  p.num(list.length);
  for (const item of list) each(p, item);
}

function unpackList<T>(u: Unpacker, each: (u: Unpacker) => T): T[] | undefined {
  if (u.num() !== PRESENT) return undefined;
  const list = new Array<T>(u.num());
  for (let i = 0; i < list.length; i++) list[i] = each(u);
  return list;
}

const packer = new Packer();

/** Packs a unit into one ArrayBuffer, to be transferred to another thread. */
export function packIngestUnit(unit: IngestUnit): ArrayBuffer {
  const p = packer;
  p.reset();
  p.num(unit.observations.length);
  for (const r of unit.observations) packObservation(p, r);
  packList(p, unit.findings, packFinding);
  packList(p, unit.bindings, packBinding);
  packList(p, unit.rejected, (q, r: RejectedRange) => {
    q.str(r.node);
    q.num(r.firstSequence);
    q.num(r.lastSequence);
  });
  return p.finish();
}

/** The unit `packIngestUnit` packed. Frames are views of `buffer`. */
export function unpackIngestUnit(buffer: ArrayBuffer): IngestUnit {
  const header = new Uint32Array(buffer, 0, 4);
  const count = header[0]!;
  const textBytes = header[1]!;
  const nums = new Float64Array(buffer, HEADER, count);
  const textAt = HEADER + count * 8;
  const text = Buffer.from(buffer, textAt, textBytes);

  const u = new Unpacker(nums, text, buffer, textAt + textBytes);
  const observations = new Array<ObservationRecord>(u.num());
  for (let i = 0; i < observations.length; i++) observations[i] = unpackObservation(u);
  const unit: IngestUnit = { observations };
  const findings = unpackList(u, unpackFinding);
  if (findings !== undefined) unit.findings = findings;
  const bindings = unpackList(u, unpackBinding);
  if (bindings !== undefined) unit.bindings = bindings;
  const rejected = unpackList(u, (v): RejectedRange => ({ node: v.str(), firstSequence: v.num(), lastSequence: v.num() }));
  if (rejected !== undefined) unit.rejected = rejected;
  return unit;
}
