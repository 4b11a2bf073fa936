/**
 * Packet fingerprints: a 64-bit FNV-1a hash of the part of an ARP/NDP packet that layer-2
 * rewriting does not touch, so the same packet seen on both sides of a MAC-NAT bridge
 * (`ebtables … snat --snat-arp`: Ethernet source and ARP sender hardware address
 * rewritten; VLAN tags added or removed) hashes the same.
 *
 * The rule (stable: fingerprints from different agent versions must compare):
 * - ARP (RFC 826): bytes 0x08 0x06, the 2-byte operation, sender IP (4), target IP (4).
 *   Hardware addresses, Ethernet header and VLAN tags are left out.
 * - NDP (RFC 4861): bytes 0x86 0xdd, IPv6 source (16), IPv6 destination (16), ICMPv6 type,
 *   code, then the ICMPv6 body after the checksum: the fixed part, every option except
 *   source/target link-layer address options (types 1 and 2, which a bridge may or may not
 *   fix up), and any bytes after the last option that decoded. The checksum is left out
 *   (it covers the link-layer options).
 * Retransmissions of the same request hash the same: match fingerprints within a time
 * window, not forever.
 */
import * as addrModule from './addr';
import * as typesModule from './types';
import { type DecodedFrame } from './types';

// Bound once: imported bindings are accessors under some loaders (tsx, vitest), too slow per byte.
const { hexByte } = addrModule;
const { ND_OPT_SOURCE_LINKADDR, ND_OPT_TARGET_LINKADDR } = typesModule;

/**
 * Between ranges the 64-bit state lives in `state` (typed-array stores never box); inside a
 * range's loop it lives in two local 32-bit integers. Hashing neither allocates nor copies.
 */
const state = new Int32Array(2);

/** Result of the last `computeFingerprint`: [high 32 bits, low 32 bits], unsigned. */
export const fingerprintResult = new Uint32Array(2);

function begin(): void {
  // Offset basis 0xcbf29ce484222325.
  state[0] = 0xcbf29ce4 | 0;
  state[1] = 0x84222325 | 0;
}

/**
 * FNV-1a 64 step over b[start..end). Prime 0x100000001b3 = 2^40 + 0x1b3, so
 * h × prime = h × 0x1b3 + (low word << 40): the low word's product needs its carry (exact in
 * a double: < 2^41); the high word takes imul + carry + (low << 8).
 */
function hashRange(b: Uint8Array, start: number, end: number): void {
  let hi = state[0];
  let lo = state[1];
  for (let i = start; i < end; i++) {
    lo ^= b[i];
    const carry = (((lo >>> 0) * 0x1b3) / 4294967296) | 0;
    hi = (Math.imul(hi, 0x1b3) + carry + (lo << 8)) | 0;
    lo = Math.imul(lo, 0x1b3);
  }
  state[0] = hi;
  state[1] = lo;
}

const one = new Uint8Array(1);

function hashByte(v: number): void {
  one[0] = v;
  hashRange(one, 0, 1);
}

function finish(): void {
  fingerprintResult[0] = state[0];
  fingerprintResult[1] = state[1];
}

/** FNV-1a 64 of arbitrary bytes, as 16 hex digits (exposed for tests and tools). */
export function fnv1a64Hex(bytes: Uint8Array): string {
  begin();
  hashRange(bytes, 0, bytes.length);
  finish();
  return fingerprintHex(fingerprintResult[0], fingerprintResult[1]);
}

/** 16 lower-case hex digits of a 64-bit value given as two unsigned 32-bit halves. */
export function fingerprintHex(high: number, low: number): string {
  return (
    hexByte(high >>> 24) +
    hexByte((high >>> 16) & 0xff) +
    hexByte((high >>> 8) & 0xff) +
    hexByte(high & 0xff) +
    hexByte(low >>> 24) +
    hexByte((low >>> 16) & 0xff) +
    hexByte((low >>> 8) & 0xff) +
    hexByte(low & 0xff)
  );
}

/**
 * Hashes an ARP or NDP frame by the rule above into `fingerprintResult`. Returns false when
 * the frame is neither.
 */
export function computeFingerprint(frame: DecodedFrame): boolean {
  const b = frame.bytes;
  const arp = frame.arp;
  if (arp) {
    begin();
    hashByte(0x08);
    hashByte(0x06);
    hashRange(b, arp.offset + 6, arp.offset + 8); // operation
    hashRange(b, arp.senderIpOffset, arp.senderIpOffset + 4);
    hashRange(b, arp.targetIpOffset, arp.targetIpOffset + 4);
    finish();
    return true;
  }
  const ndp = frame.ndp;
  const ip = frame.ipv6;
  if (!ndp || !ip) return false;
  begin();
  hashByte(0x86);
  hashByte(0xdd);
  hashRange(b, ip.srcOffset, ip.srcOffset + 32); // source and destination are adjacent
  hashRange(b, ndp.offset, ndp.offset + 2); // type, code
  hashRange(b, ndp.offset + 4, ndp.optionsOffset);
  let at = ndp.optionsOffset;
  const options = frame.ndpOptions;
  for (let i = 0; i < options.length; i++) {
    const o = options[i];
    if (o.type !== ND_OPT_SOURCE_LINKADDR && o.type !== ND_OPT_TARGET_LINKADDR) hashRange(b, o.offset, o.offset + o.length);
    at = o.offset + o.length;
  }
  hashRange(b, at, ndp.end);
  finish();
  return true;
}

/** Fingerprint of an ARP/NDP frame as 16 hex digits, or null for any other frame. */
export function fingerprintFrame(frame: DecodedFrame): string | null {
  return computeFingerprint(frame) ? fingerprintHex(fingerprintResult[0], fingerprintResult[1]) : null;
}
