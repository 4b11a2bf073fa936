/**
 * Address text: MAC, IPv4 and IPv6 formatting and parsing, and modified EUI-64.
 *
 * - MACs: lower-case hex pairs joined by colons ("00:03:ff:13:7d:75").
 * - IPv6: RFC 5952 §4 canonical text: leading zeros dropped, the longest run of two or more
 *   zero groups compressed to "::" (the first one on a tie), lower case; IPv4-mapped
 *   addresses as "::ffff:a.b.c.d" (RFC 5952 §5).
 * - Modified EUI-64 (RFC 4291 §2.5.1 and Appendix A): the 48-bit MAC is split in two, ff:fe
 *   goes in the middle and the universal/local bit (0x02 of the first byte) is inverted.
 *
 * Formatting reads straight from the frame bytes through lookup tables, so the only string
 * built per field is the result.
 */

/** A MAC as text or 6 bytes. */
export type MacInput = string | Uint8Array;
export type IPv4Input = string | Uint8Array;
export type IPv6Input = string | Uint8Array;

/** Thrown by encoders and EUI-64 helpers when given address text that does not parse. */
export class AddressParseError extends Error {
  constructor(
    readonly kind: 'mac' | 'ipv4' | 'ipv6',
    readonly input: string,
  ) {
    super(`not a valid ${kind === 'mac' ? 'MAC address' : kind === 'ipv4' ? 'IPv4 address' : 'IPv6 address'}: "${input}"`);
    this.name = 'AddressParseError';
  }
}

/** "00".."ff" */
const HEX2: string[] = [];
/** "0".."ff" without leading zero */
const HEX1: string[] = [];
/** "0".."255" */
const DEC: string[] = [];
for (let i = 0; i < 256; i++) {
  HEX2.push(i.toString(16).padStart(2, '0'));
  HEX1.push(i.toString(16));
  DEC.push(String(i));
}

/** Two hex digits for a byte (lookup table; used by fingerprint and hex dumps). */
export function hexByte(b: number): string {
  return HEX2[b & 0xff];
}

/**
 * Direct-mapped cache from address bytes to their text. Neighbor traffic repeats the same
 * few hundred addresses, so most formats become a hash, a byte compare and a shared string
 * (which also makes later Map lookups on it cheaper). A miss builds the text and replaces
 * the slot; nothing grows.
 */
class TextCache {
  private readonly keys: Uint8Array;
  private readonly values: (string | undefined)[];
  private readonly shift: number;

  constructor(
    private readonly width: number,
    bits: number,
  ) {
    this.keys = new Uint8Array(width << bits);
    this.values = new Array<string | undefined>(1 << bits).fill(undefined);
    this.shift = 32 - bits;
  }

  slot(b: Uint8Array, o: number): number {
    let h = 0;
    const w = this.width;
    for (let i = 0; i < w; i++) h = Math.imul(h ^ b[o + i], 0x01000193);
    return h >>> this.shift;
  }

  get(b: Uint8Array, o: number, slot: number): string | undefined {
    const v = this.values[slot];
    if (v === undefined) return undefined;
    const k = this.keys;
    const w = this.width;
    const base = slot * w;
    for (let i = 0; i < w; i++) if (k[base + i] !== b[o + i]) return undefined;
    return v;
  }

  set(b: Uint8Array, o: number, slot: number, text: string): string {
    const w = this.width;
    const base = slot * w;
    for (let i = 0; i < w; i++) this.keys[base + i] = b[o + i];
    this.values[slot] = text;
    return text;
  }
}

const macCache = new TextCache(6, 12);
const ipv4Cache = new TextCache(4, 12);
const ipv6Cache = new TextCache(16, 12);

/** 6 bytes at `offset` as "aa:bb:cc:dd:ee:ff". */
export function formatMac(bytes: Uint8Array, offset = 0): string {
  const slot = macCache.slot(bytes, offset);
  const cached = macCache.get(bytes, offset, slot);
  if (cached !== undefined) return cached;
  return macCache.set(
    bytes,
    offset,
    slot,
    HEX2[bytes[offset]] +
      ':' +
      HEX2[bytes[offset + 1]] +
      ':' +
      HEX2[bytes[offset + 2]] +
      ':' +
      HEX2[bytes[offset + 3]] +
      ':' +
      HEX2[bytes[offset + 4]] +
      ':' +
      HEX2[bytes[offset + 5]],
  );
}

/** `length` bytes (a link-layer address of any length) as colon-separated hex. */
export function formatLinkAddress(bytes: Uint8Array, offset: number, length: number): string {
  if (length === 6) return formatMac(bytes, offset);
  let s = '';
  for (let i = 0; i < length; i++) s += (i === 0 ? '' : ':') + HEX2[bytes[offset + i]];
  return s;
}

/** 4 bytes at `offset` as "a.b.c.d". */
export function formatIPv4(bytes: Uint8Array, offset = 0): string {
  const slot = ipv4Cache.slot(bytes, offset);
  const cached = ipv4Cache.get(bytes, offset, slot);
  if (cached !== undefined) return cached;
  return ipv4Cache.set(bytes, offset, slot, buildIPv4(bytes, offset));
}

function buildIPv4(bytes: Uint8Array, offset: number): string {
  return DEC[bytes[offset]] + '.' + DEC[bytes[offset + 1]] + '.' + DEC[bytes[offset + 2]] + '.' + DEC[bytes[offset + 3]];
}

function group(bytes: Uint8Array, at: number): string {
  const hi = bytes[at];
  return hi === 0 ? HEX1[bytes[at + 1]] : HEX1[hi] + HEX2[bytes[at + 1]];
}

/** 16 bytes at `offset` as RFC 5952 text. */
export function formatIPv6(bytes: Uint8Array, offset = 0): string {
  const slot = ipv6Cache.slot(bytes, offset);
  const cached = ipv6Cache.get(bytes, offset, slot);
  if (cached !== undefined) return cached;
  return ipv6Cache.set(bytes, offset, slot, buildIPv6(bytes, offset));
}

/**
 * The run of zero groups RFC 5952 §4.2.3 compresses to `::` in the 16 bytes at `offset`:
 * the longest of at least two, the first on ties. Packed as `start * 16 + length` so the
 * hot formatting paths allocate nothing; -1 when there is none.
 */
export function longestZeroRun(bytes: Uint8Array, offset: number): number {
  let bestStart = -1;
  let bestLen = 1;
  let runStart = -1;
  for (let g = 0; g < 8; g++) {
    const at = offset + 2 * g;
    if ((bytes[at] | bytes[at + 1]) === 0) {
      if (runStart < 0) runStart = g;
      const len = g - runStart + 1;
      if (len > bestLen) {
        bestLen = len;
        bestStart = runStart;
      }
    } else {
      runStart = -1;
    }
  }
  return bestStart < 0 ? -1 : bestStart * 16 + bestLen;
}

function buildIPv6(bytes: Uint8Array, offset: number): string {
  const run = longestZeroRun(bytes, offset);
  const bestStart = run < 0 ? -1 : run >> 4;
  const bestLen = run < 0 ? 1 : run & 15;
  // IPv4-mapped ::ffff:a.b.c.d (RFC 5952 §5).
  if (bestStart === 0 && bestLen === 5 && bytes[offset + 10] === 0xff && bytes[offset + 11] === 0xff) {
    return '::ffff:' + buildIPv4(bytes, offset + 12);
  }
  let s = '';
  for (let g = 0; g < 8; g++) {
    if (g === bestStart) {
      s += g === 0 ? '::' : ':';
      g += bestLen - 1;
      continue;
    }
    s += group(bytes, offset + 2 * g);
    if (g < 7) s += ':';
  }
  return s;
}

/** An IPv4 (4 bytes) or IPv6 (16 bytes) address at `offset`. */
export function formatIp(bytes: Uint8Array, offset: number, version: 4 | 6): string {
  return version === 4 ? formatIPv4(bytes, offset) : formatIPv6(bytes, offset);
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Parses "aa:bb:cc:dd:ee:ff", "aa-bb-cc-dd-ee-ff" (one or two digits per byte),
 * "aabb.ccdd.eeff" or "aabbccddeeff". Returns 6 bytes, or null when the text is not a MAC.
 */
export function parseMac(text: string): Uint8Array | null {
  const t = text.trim();
  const out = new Uint8Array(6);
  if (/^[0-9a-fA-F]{12}$/.test(t) || /^[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}$/.test(t)) {
    const h = t.replace(/\./g, '');
    for (let i = 0; i < 6; i++) out[i] = (hexValue(h.charCodeAt(2 * i)) << 4) | hexValue(h.charCodeAt(2 * i + 1));
    return out;
  }
  const parts = t.split(/[:-]/);
  if (parts.length !== 6) return null;
  if (t.includes(':') && t.includes('-')) return null;
  for (let i = 0; i < 6; i++) {
    const p = parts[i];
    if (p.length < 1 || p.length > 2) return null;
    let v = 0;
    for (let j = 0; j < p.length; j++) {
      const d = hexValue(p.charCodeAt(j));
      if (d < 0) return null;
      v = (v << 4) | d;
    }
    out[i] = v;
  }
  return out;
}

/** Parses dotted-quad IPv4 ("192.0.2.1"; no leading-zero octal forms). Null when invalid. */
export function parseIPv4(text: string): Uint8Array | null {
  const parts = text.trim().split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    out[i] = v;
  }
  return out;
}

/**
 * Parses IPv6 text (RFC 4291 §2.2: "::" compression, embedded IPv4 in the last 32 bits,
 * any case). A zone ("%eth0") is ignored. Returns 16 bytes, or null when invalid.
 */
export function parseIPv6(text: string): Uint8Array | null {
  let t = text.trim();
  const zone = t.indexOf('%');
  if (zone >= 0) t = t.slice(0, zone);
  if (t.length < 2) return null;
  const out = new Uint8Array(16);
  const dbl = t.indexOf('::');
  if (dbl >= 0 && t.indexOf('::', dbl + 1) >= 0) return null;
  const head = dbl >= 0 ? t.slice(0, dbl) : t;
  const tail = dbl >= 0 ? t.slice(dbl + 2) : '';
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === '' ? [] : tail.split(':');
  const words: number[] = [];
  const tailWords: number[] = [];
  const parseGroups = (groups: string[], into: number[], last: boolean): boolean => {
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i];
      if (last && i === groups.length - 1 && g.includes('.')) {
        const v4 = parseIPv4(g);
        if (!v4) return false;
        into.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return false;
      into.push(parseInt(g, 16));
    }
    return true;
  };
  if (!parseGroups(headGroups, words, dbl < 0)) return null;
  if (!parseGroups(tailGroups, tailWords, true)) return null;
  if (dbl >= 0) {
    if (words.length + tailWords.length > 7) return null;
  } else if (words.length !== 8) {
    return null;
  }
  for (let i = 0; i < words.length; i++) {
    out[2 * i] = words[i] >> 8;
    out[2 * i + 1] = words[i] & 0xff;
  }
  const start = 8 - tailWords.length;
  for (let i = 0; i < tailWords.length; i++) {
    out[2 * (start + i)] = tailWords[i] >> 8;
    out[2 * (start + i) + 1] = tailWords[i] & 0xff;
  }
  return out;
}

/** Canonical MAC text for any accepted MAC spelling, or null. */
export function normalizeMac(text: string): string | null {
  const b = parseMac(text);
  return b ? formatMac(b) : null;
}

/** Canonical text (dotted quad or RFC 5952) for IPv4 or IPv6 text, or null. */
export function normalizeIp(text: string): string | null {
  if (text.includes(':')) {
    const b = parseIPv6(text);
    return b ? formatIPv6(b) : null;
  }
  const b = parseIPv4(text);
  return b ? formatIPv4(b) : null;
}

/** MAC text or bytes → 6 bytes; throws AddressParseError. */
export function toMacBytes(mac: MacInput): Uint8Array {
  if (typeof mac !== 'string') {
    if (mac.length !== 6) throw new AddressParseError('mac', `${mac.length} bytes`);
    return mac;
  }
  const b = parseMac(mac);
  if (!b) throw new AddressParseError('mac', mac);
  return b;
}

/** IPv4 text or bytes → 4 bytes; throws AddressParseError. */
export function toIPv4Bytes(ip: IPv4Input): Uint8Array {
  if (typeof ip !== 'string') {
    if (ip.length !== 4) throw new AddressParseError('ipv4', `${ip.length} bytes`);
    return ip;
  }
  const b = parseIPv4(ip);
  if (!b) throw new AddressParseError('ipv4', ip);
  return b;
}

/** IPv6 text or bytes → 16 bytes; throws AddressParseError. */
export function toIPv6Bytes(ip: IPv6Input): Uint8Array {
  if (typeof ip !== 'string') {
    if (ip.length !== 16) throw new AddressParseError('ipv6', `${ip.length} bytes`);
    return ip;
  }
  const b = parseIPv6(ip);
  if (!b) throw new AddressParseError('ipv6', ip);
  return b;
}

/** MAC → modified EUI-64 interface identifier, 8 bytes (RFC 4291 Appendix A). */
export function macToInterfaceId(mac: MacInput): Uint8Array {
  const m = toMacBytes(mac);
  return Uint8Array.of(m[0] ^ 0x02, m[1], m[2], 0xff, 0xfe, m[3], m[4], m[5]);
}

/**
 * Modified EUI-64 interface identifier (8 bytes at `offset`) → the MAC it was made from, or
 * null when the identifier does not have ff:fe in the middle (not MAC-derived: random,
 * stable-privacy or manual).
 */
export function interfaceIdToMac(iid: Uint8Array, offset = 0): Uint8Array | null {
  if (iid.length < offset + 8) return null;
  if (iid[offset + 3] !== 0xff || iid[offset + 4] !== 0xfe) return null;
  return Uint8Array.of(iid[offset] ^ 0x02, iid[offset + 1], iid[offset + 2], iid[offset + 5], iid[offset + 6], iid[offset + 7]);
}

/**
 * The MAC an IPv6 address's modified EUI-64 interface ID was derived from, as text, or null
 * when the ID is not EUI-64 (or the text is not IPv6). `offset` applies to byte input.
 * Example: fe80::203:ffff:fe13:7d75 → "00:03:ff:13:7d:75".
 */
export function eui64MacFromIPv6(ip: IPv6Input, offset = 0): string | null {
  let bytes: Uint8Array | null;
  if (typeof ip === 'string') {
    bytes = parseIPv6(ip);
    offset = 0;
  } else {
    bytes = ip;
  }
  if (!bytes || bytes.length < offset + 16) return null;
  if (bytes[offset + 11] !== 0xff || bytes[offset + 12] !== 0xfe) return null;
  const b = bytes;
  const o = offset + 8;
  return (
    HEX2[b[o] ^ 0x02] +
    ':' +
    HEX2[b[o + 1]] +
    ':' +
    HEX2[b[o + 2]] +
    ':' +
    HEX2[b[o + 5]] +
    ':' +
    HEX2[b[o + 6]] +
    ':' +
    HEX2[b[o + 7]]
  );
}

/** The address with `prefix`'s first 64 bits and `mac`'s modified EUI-64 ID, as RFC 5952 text. */
export function eui64Address(prefix: IPv6Input, mac: MacInput): string {
  const p = toIPv6Bytes(prefix);
  const out = new Uint8Array(16);
  out.set(p.subarray(0, 8), 0);
  out.set(macToInterfaceId(mac), 8);
  return formatIPv6(out);
}
