/**
 * The cross-node correlator's window of recent sightings (REWRITTEN_IN_TRANSIT), compact:
 * one slot per observation in a ring of typed arrays, holding only what matching and the
 * finding need. No object per sighting, nothing for the garbage collector to trace or
 * promote, and no reference to the observation (which dies young once stored).
 *
 * Per slot (54 bytes, whatever the observation's strings; plus a table of 8-byte hash buckets,
 * one per slot at the bound, allocated once):
 * - the fingerprint as two 32-bit halves (the 16 hex digits libs/packet makes);
 * - capture time and evidence reference (float64);
 * - the vantage point as an id into a small table of (node, interface) pairs;
 * - Ethernet source and claimed link-layer address as 48-bit numbers (-1: none);
 * - message type and direction codes.
 * The packet's IP addresses are not kept: the fingerprint hashes them (libs/packet
 * fingerprint.ts), so a matched sighting carries the same ones as the observation matched.
 *
 * Slots are numbered by a sequence (arrival order); slot = sequence & mask. A chained hash
 * (bucket → newest sequence, slot → older sequence in the same bucket) finds a
 * fingerprint's sightings newest first; eviction only advances the oldest live sequence,
 * and a link to a sequence below it is the end of a chain. Nothing is ever scanned to evict.
 * The ring starts small and doubles (copying what it holds) up to the first power of two
 * above `maxSightings`; it does not shrink.
 */
import type { Direction, MessageType } from '@neighwatch/model';

/** Bound on distinct vantage points and on non-canonical MAC texts; at it the window restarts empty. */
export const MAX_IDENTITIES = 65_536;

const INITIAL_CAPACITY = 4096;
const NONE = -1;
/** Ids of MAC texts that are not canonical (lower-case, colons) start here, above every 48-bit MAC. */
const TEXT_ID_BASE = 2 ** 48;

export const MESSAGE_TYPES: readonly MessageType[] = [
  'ARP_REQUEST',
  'ARP_REPLY',
  'ARP_PROBE',
  'ARP_ANNOUNCEMENT',
  'NDP_RS',
  'NDP_RA',
  'NDP_NS',
  'NDP_NA',
  'NDP_REDIRECT',
];
const TYPE_CODE = new Map<MessageType, number>(MESSAGE_TYPES.map((t, i) => [t, i]));
const DIRECTIONS: readonly Direction[] = ['sent', 'received', 'unknown'];

const HEX = '0123456789abcdef';

/** Value of a lower-case hex digit's char code, or -1. */
function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** A canonical MAC ("02:00:5e:00:53:01") as a 48-bit number, or -1 when it is not canonical. */
export function macNumber(text: string): number {
  if (text.length !== 17) return -1;
  let high = 0;
  let low = 0;
  for (let i = 0; i < 6; i++) {
    const at = i * 3;
    if (i > 0 && text.charCodeAt(at - 1) !== 58) return -1;
    const a = hexValue(text.charCodeAt(at));
    const b = hexValue(text.charCodeAt(at + 1));
    if (a < 0 || b < 0) return -1;
    if (i < 2) high = (high << 8) | (a << 4) | b;
    else low = ((low << 8) | (a << 4) | b) >>> 0;
  }
  return high * 0x1_0000_0000 + low;
}

/** The canonical text of a 48-bit MAC number. */
export function macText(value: number): string {
  let out = '';
  let rest = value;
  const bytes = [0, 0, 0, 0, 0, 0];
  for (let i = 5; i >= 0; i--) {
    bytes[i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  for (let i = 0; i < 6; i++) out += (i > 0 ? ':' : '') + HEX[bytes[i] >> 4] + HEX[bytes[i] & 15];
  return out;
}

/** What a matched sighting tells about the packet at its vantage point (built only for findings). */
export interface SightingView {
  srcIp: string;
  targetIp: string | null;
  node: string;
  iface: string;
  direction: Direction;
  timeUs: number;
  type: MessageType;
  ethSrc: string;
  lladdr: string | null;
  ref: number;
}

export class SightingWindow {
  private capacity = 0;
  private mask = 0;
  private bucketMask = 0;
  private readonly maxCapacity: number;

  private timeUs = new Float64Array(0);
  private ref = new Float64Array(0);
  private next = new Float64Array(0);
  private ethSrc = new Float64Array(0);
  private lladdr = new Float64Array(0);
  private fpHigh = new Int32Array(0);
  private fpLow = new Int32Array(0);
  private vantage = new Int32Array(0);
  /** Message type code | direction code << 4. */
  private codes = new Uint8Array(0);
  /** 1 when a newer sighting of the same fingerprint is in the window (for the distinct count). */
  private superseded = new Uint8Array(0);
  private buckets = new Float64Array(0);

  /** Sequence of the next sighting; `tail` is the oldest one still held. */
  private head = 0;
  private tail = 0;
  private distinct = 0;

  /** Vantage points: "node" → "iface" → id, and back. */
  private readonly vantageIds = new Map<string, Map<string, number>>();
  private vantageNodes: string[] = [];
  private vantageIfaces: string[] = [];
  private lastNode = '';
  private lastIface = '';
  private lastVantage = NONE;
  /** MAC texts that are not canonical (only from malformed input): text → id, and back. */
  private readonly textIds = new Map<string, number>();
  private texts: string[] = [];
  /** Fingerprints that are not 16 hex digits (only from malformed input): text → id. */
  private readonly fingerprintIds = new Map<string, number>();

  /** The parsed fingerprint of the last `key` call. */
  keyHigh = 0;
  keyLow = 0;

  constructor(private readonly maxSightings: number) {
    let max = INITIAL_CAPACITY;
    while (max < maxSightings + 1) max *= 2;
    this.maxCapacity = max;
    // One bucket per slot at the bound, allocated once (8 bytes each: 8 MB at the default
    // bound), so that growing the ring never re-links.
    this.buckets = new Float64Array(max).fill(NONE);
    this.bucketMask = max - 1;
    this.allocate(INITIAL_CAPACITY);
  }

  /** Sightings held. */
  get size(): number {
    return this.head - this.tail;
  }

  /** Distinct fingerprints held. */
  get fingerprints(): number {
    return this.distinct;
  }

  /**
   * Called before the ids of an observation are taken: when an identity table reached
   * MAX_IDENTITIES, drops every sighting and identity (only many thousands of vantage points,
   * or malformed MACs or fingerprints, get there). One observation adds at most 4 entries.
   */
  makeRoom(): void {
    if (this.vantageNodes.length >= MAX_IDENTITIES || this.texts.length >= MAX_IDENTITIES || this.fingerprintIds.size >= MAX_IDENTITIES) {
      this.reset();
      this.resets++;
    }
  }

  /** How often the identity tables filled and the window restarted empty. */
  resets = 0;

  /** Parses `fingerprint` into `keyHigh`/`keyLow`. */
  key(fingerprint: string): void {
    if (fingerprint.length === 16) {
      let high = 0;
      let low = 0;
      let ok = true;
      for (let i = 0; i < 8; i++) {
        const a = hexValue(fingerprint.charCodeAt(i));
        const b = hexValue(fingerprint.charCodeAt(i + 8));
        if (a < 0 || b < 0) {
          ok = false;
          break;
        }
        high = (high << 4) | a;
        low = (low << 4) | b;
      }
      if (ok) {
        this.keyHigh = high;
        this.keyLow = low;
        return;
      }
    }
    // Not libs/packet's form: an id of its own, in a space no hex fingerprint uses
    // (the low half of a hex fingerprint's key is any 32-bit value, so tag the high half).
    let id = this.fingerprintIds.get(fingerprint);
    if (id === undefined) {
      id = this.fingerprintIds.size;
      this.fingerprintIds.set(fingerprint, id);
    }
    // Collides with a hex fingerprint only if its 64 bits are exactly these.
    this.keyHigh = 0x5a5a5a5a;
    this.keyLow = ~id;
  }

  /** The id of a vantage point (interned; the last one is remembered, batches come per node). */
  vantageOf(node: string, iface: string): number {
    if (node === this.lastNode && iface === this.lastIface && this.lastVantage !== NONE) return this.lastVantage;
    let ifaces = this.vantageIds.get(node);
    let id = ifaces?.get(iface);
    if (id === undefined) {
      if (ifaces === undefined) this.vantageIds.set(node, (ifaces = new Map()));
      id = this.vantageNodes.length;
      ifaces.set(iface, id);
      this.vantageNodes.push(node);
      this.vantageIfaces.push(iface);
    }
    this.lastNode = node;
    this.lastIface = iface;
    this.lastVantage = id;
    return id;
  }

  /** A MAC as the number the window stores (-1 for null). */
  macId(text: string | null): number {
    if (text === null) return NONE;
    const value = macNumber(text);
    if (value >= 0) return value;
    let id = this.textIds.get(text);
    if (id === undefined) {
      id = TEXT_ID_BASE + this.texts.length;
      this.textIds.set(text, id);
      this.texts.push(text);
    }
    return id;
  }

  private macOfId(id: number): string | null {
    if (id === NONE) return null;
    return id >= TEXT_ID_BASE ? this.texts[id - TEXT_ID_BASE] : macText(id);
  }

  // ---- walking a fingerprint's sightings, newest first ----------------------------------

  /** The newest sighting (sequence) of the key set by `key`, or -1. */
  first(): number {
    return this.from(this.buckets[this.bucket(this.keyHigh, this.keyLow)]);
  }

  /** The next older sighting of the same key after `seq`, or -1. */
  after(seq: number): number {
    return this.from(this.next[seq & this.mask]);
  }

  private from(seq: number): number {
    const high = this.keyHigh;
    const low = this.keyLow;
    const tail = this.tail;
    const mask = this.mask;
    while (seq >= tail) {
      const slot = seq & mask;
      if (this.fpLow[slot] === low && this.fpHigh[slot] === high) return seq;
      seq = this.next[slot];
    }
    return NONE;
  }

  timeOf(seq: number): number {
    return this.timeUs[seq & this.mask];
  }

  vantageOfSighting(seq: number): number {
    return this.vantage[seq & this.mask];
  }

  ethSrcOf(seq: number): number {
    return this.ethSrc[seq & this.mask];
  }

  lladdrOf(seq: number): number {
    return this.lladdr[seq & this.mask];
  }

  /**
   * The sighting as the rules read it (allocates: only for findings), with the packet's IP
   * addresses, which the fingerprint covers: those of the observation it matched.
   */
  view(seq: number, srcIp: string, targetIp: string | null): SightingView {
    const slot = seq & this.mask;
    const vantage = this.vantage[slot];
    const codes = this.codes[slot];
    return {
      srcIp,
      targetIp,
      node: this.vantageNodes[vantage],
      iface: this.vantageIfaces[vantage],
      direction: DIRECTIONS[codes >> 4],
      timeUs: this.timeUs[slot],
      type: MESSAGE_TYPES[codes & 15],
      ethSrc: this.macOfId(this.ethSrc[slot]) ?? '',
      lladdr: this.macOfId(this.lladdr[slot]),
      ref: this.ref[slot],
    };
  }

  // ---- adding and evicting ----------------------------------------------------------------

  /**
   * Adds a sighting of the key set by `key`. `newest` is the newest sighting of that key
   * still held (from `first()`), or -1.
   */
  add(
    newest: number,
    vantage: number,
    timeUs: number,
    ref: number,
    type: MessageType,
    direction: Direction,
    ethSrc: number,
    lladdr: number,
  ): void {
    if (this.head - this.tail >= this.capacity) this.grow();
    const seq = this.head++;
    const slot = seq & this.mask;
    const bucket = this.bucket(this.keyHigh, this.keyLow);
    this.fpHigh[slot] = this.keyHigh;
    this.fpLow[slot] = this.keyLow;
    this.timeUs[slot] = timeUs;
    this.ref[slot] = ref;
    this.vantage[slot] = vantage;
    this.ethSrc[slot] = ethSrc;
    this.lladdr[slot] = lladdr;
    this.codes[slot] = (TYPE_CODE.get(type) ?? 0) | ((direction === 'sent' ? 0 : direction === 'received' ? 1 : 2) << 4);
    this.superseded[slot] = 0;
    this.next[slot] = this.buckets[bucket];
    this.buckets[bucket] = seq;
    if (newest >= 0) this.superseded[newest & this.mask] = 1;
    else this.distinct++;
  }

  /**
   * Evicts, oldest arrival first, while the oldest is older than `horizonUs` or more than
   * `maxSightings` are held. Stops at the first that is neither (arrival order, as before).
   */
  evict(horizonUs: number): void {
    const mask = this.mask;
    let tail = this.tail;
    const head = this.head;
    while (tail < head && (this.timeUs[tail & mask] < horizonUs || head - tail > this.maxSightings)) {
      if (this.superseded[tail & mask] === 0) this.distinct--;
      tail++;
    }
    this.tail = tail;
  }

  /** Drops every sighting and identity. */
  private reset(): void {
    this.tail = this.head;
    this.distinct = 0;
    this.buckets.fill(NONE);
    this.vantageIds.clear();
    this.vantageNodes = [];
    this.vantageIfaces = [];
    this.lastVantage = NONE;
    this.textIds.clear();
    this.texts = [];
    this.fingerprintIds.clear();
  }

  private bucket(high: number, low: number): number {
    const h = Math.imul(high ^ Math.imul(low, 0x85ebca6b), 0x9e3779b1);
    return (h ^ (h >>> 15)) & this.bucketMask;
  }

  private allocate(capacity: number): void {
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.timeUs = new Float64Array(capacity);
    this.ref = new Float64Array(capacity);
    this.next = new Float64Array(capacity);
    this.ethSrc = new Float64Array(capacity);
    this.lladdr = new Float64Array(capacity);
    this.fpHigh = new Int32Array(capacity);
    this.fpLow = new Int32Array(capacity);
    this.vantage = new Int32Array(capacity);
    this.codes = new Uint8Array(capacity);
    this.superseded = new Uint8Array(capacity);
  }

  /**
   * Doubles the ring (up to the bound), copying what it holds. Links are sequences, not
   * slots, and the buckets do not depend on the ring's size: nothing is re-linked.
   */
  private grow(): void {
    if (this.capacity >= this.maxCapacity) throw new Error('sighting window full (evict before adding)');
    const oldMask = this.mask;
    const oldCapacity = this.capacity;
    const arrays = [this.timeUs, this.ref, this.next, this.ethSrc, this.lladdr, this.fpHigh, this.fpLow, this.vantage, this.codes, this.superseded];
    this.allocate(oldCapacity * 2);
    const fresh = [this.timeUs, this.ref, this.next, this.ethSrc, this.lladdr, this.fpHigh, this.fpLow, this.vantage, this.codes, this.superseded];
    // The held sequences are contiguous: copy them in runs that wrap in neither ring.
    for (let seq = this.tail; seq < this.head; ) {
      const from = seq & oldMask;
      const to = seq & this.mask;
      const run = Math.min(this.head - seq, oldCapacity - from, this.capacity - to);
      for (let i = 0; i < arrays.length; i++) (fresh[i] as Float64Array).set((arrays[i] as Float64Array).subarray(from, from + run), to);
      seq += run;
    }
  }
}
