/**
 * A compact binary form of one IngestUnit, for handing it to the store thread as a single
 * transferable ArrayBuffer instead of structured-cloning thousands of small objects.
 *
 * Layout (all in one ArrayBuffer):
 *   [0, 8)      header: u32 count of numbers, u32 byte length of the string blob
 *   [8, 8+8n)   numbers: every number of the unit as a float64 (exact for integers up to
 *               2^53-1), strings as indexes into the string table, nulls and absent
 *               fields as markers
 *   then        the string blob: the unit's distinct strings, UTF-8, back to back (their
 *               UTF-16 lengths are in the numbers)
 *   then        the frames, back to back (offset and length in the numbers)
 *
 * Unpacking makes the same objects again (`toStrictEqual`): optional fields absent stay
 * absent, frames come back as Buffers that view the transferred memory (no copy).
 */
import type { BindingDelta, BindingSource, FindingRecord, IngestUnit, ObservationRecord, RejectedRange } from '@neighwatch/store';
import type { Direction, EvidenceRef, Finding, MessageType, MismatchKind, NeighborObservation, VantagePoint } from '@neighwatch/model';

const HEADER = 8;
/** String index of null. */
const NULL = -1;
/** Optional field markers. */
const ABSENT = 0;
const PRESENT = 1;

class Packer {
  nums: number[] = [];
  strings: string[] = [];
  private index = new Map<string, number>();
  frames: Uint8Array[] = [];
  frameBytes = 0;

  num(n: number): void {
    this.nums.push(n);
  }

  str(s: string): void {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.index.set(s, i);
    }
    this.nums.push(i);
  }

  strOrNull(s: string | null): void {
    if (s === null) this.nums.push(NULL);
    else this.str(s);
  }

  strList(list: string[]): void {
    this.nums.push(list.length);
    for (const s of list) this.str(s);
  }

  frame(f: Uint8Array): void {
    this.nums.push(this.frameBytes, f.byteLength);
    this.frames.push(f);
    this.frameBytes += f.byteLength;
  }
}

class Unpacker {
  private pos = 0;
  constructor(
    private readonly nums: Float64Array,
    private readonly strings: string[],
    private readonly buffer: ArrayBuffer,
    private readonly framesAt: number,
  ) {}

  num(): number {
    return this.nums[this.pos++]!;
  }

  str(): string {
    return this.strings[this.nums[this.pos++]!]!;
  }

  strOrNull(): string | null {
    const i = this.nums[this.pos++]!;
    return i === NULL ? null : this.strings[i]!;
  }

  strList(): string[] {
    const n = this.num();
    const list = new Array<string>(n);
    for (let i = 0; i < n; i++) list[i] = this.str();
    return list;
  }

  frame(): Buffer {
    const offset = this.num();
    const length = this.num();
    return Buffer.from(this.buffer, this.framesAt + offset, length);
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

/** Packs a unit into one ArrayBuffer (not pooled: it can be transferred to another thread). */
export function packIngestUnit(unit: IngestUnit): ArrayBuffer {
  const p = new Packer();
  p.num(unit.observations.length);
  for (const r of unit.observations) packObservation(p, r);
  packList(p, unit.findings, packFinding);
  packList(p, unit.bindings, packBinding);
  packList(p, unit.rejected, (q, r: RejectedRange) => {
    q.str(r.node);
    q.num(r.firstSequence);
    q.num(r.lastSequence);
  });
  // The strings' UTF-16 lengths, so that the blob decodes with one toString and slices.
  for (const s of p.strings) p.num(s.length);
  p.num(p.strings.length);

  const joined = p.strings.join('');
  const stringBytes = Buffer.byteLength(joined, 'utf8');
  const numsBytes = p.nums.length * 8;
  const buffer = new ArrayBuffer(HEADER + numsBytes + stringBytes + p.frameBytes);
  const header = new DataView(buffer, 0, HEADER);
  header.setUint32(0, p.nums.length, true);
  header.setUint32(4, stringBytes, true);
  new Float64Array(buffer, HEADER, p.nums.length).set(p.nums);
  const bytes = Buffer.from(buffer);
  bytes.write(joined, HEADER + numsBytes, stringBytes, 'utf8');
  let at = HEADER + numsBytes + stringBytes;
  for (const f of p.frames) {
    bytes.set(f, at);
    at += f.byteLength;
  }
  return buffer;
}

/** The unit `packIngestUnit` packed. Frames are views of `buffer`. */
export function unpackIngestUnit(buffer: ArrayBuffer): IngestUnit {
  const header = new DataView(buffer, 0, HEADER);
  const count = header.getUint32(0, true);
  const stringBytes = header.getUint32(4, true);
  const nums = new Float64Array(buffer, HEADER, count);
  const stringsAt = HEADER + count * 8;

  // The string table sits at the end of the numbers: [lengths…, n].
  const n = nums[count - 1]!;
  const joined = Buffer.from(buffer, stringsAt, stringBytes).toString('utf8');
  const strings = new Array<string>(n);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const length = nums[count - 1 - n + i]!;
    strings[i] = joined.slice(at, at + length);
    at += length;
  }

  const u = new Unpacker(nums, strings, buffer, stringsAt + stringBytes);
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
