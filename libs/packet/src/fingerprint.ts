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

const OFFSET_HI = 0xcbf29ce4;
const OFFSET_LO = 0x84222325;
const TWO_32 = 4294967296;

let hi = OFFSET_HI;
let lo = OFFSET_LO;

function reset(): void {
  hi = OFFSET_HI;
  lo = OFFSET_LO;
}

/** h = (h ^ byte) × 0x100000001b3 mod 2^64, on two 32-bit halves. */
function addByte(v: number): void {
  lo = (lo ^ v) >>> 0;
  const p = lo * 0x1b3; // < 2^41: exact
  const newLo = p >>> 0;
  const carry = (p - newLo) / TWO_32;
  hi = (Math.imul(hi, 0x1b3) + carry + (lo << 8)) >>> 0;
  lo = newLo;
}

function addBytes(b: Uint8Array, start: number, end: number): void {
  for (let i = start; i < end; i++) addByte(b[i]);
}

/** FNV-1a 64 of arbitrary bytes, as 16 hex digits (exposed for tests and tools). */
export function fnv1a64Hex(bytes: Uint8Array): string {
  reset();
  addBytes(bytes, 0, bytes.length);
  return fingerprintHex(hi, lo);
}

/** 16 lower-case hex digits of a 64-bit value given as two unsigned 32-bit halves. */
export function fingerprintHex(high: number, low: number): string {
  return (
    hexByte(high >>> 24) +
    hexByte(high >>> 16) +
    hexByte(high >>> 8) +
    hexByte(high) +
    hexByte(low >>> 24) +
    hexByte(low >>> 16) +
    hexByte(low >>> 8) +
    hexByte(low)
  );
}

/**
 * Hashes an ARP or NDP frame by the rule above. Returns false (and leaves the result
 * undefined) when the frame is neither. Result in `fingerprintState.hi/lo`.
 */
export function computeFingerprint(frame: DecodedFrame): boolean {
  const b = frame.bytes;
  const arp = frame.arp;
  if (arp) {
    reset();
    addByte(0x08);
    addByte(0x06);
    addByte(arp.operation >> 8);
    addByte(arp.operation & 0xff);
    addBytes(b, arp.senderIpOffset, arp.senderIpOffset + 4);
    addBytes(b, arp.targetIpOffset, arp.targetIpOffset + 4);
    return true;
  }
  const ndp = frame.ndp;
  const ip = frame.ipv6;
  if (!ndp || !ip) return false;
  reset();
  addByte(0x86);
  addByte(0xdd);
  addBytes(b, ip.srcOffset, ip.srcOffset + 32); // source and destination are adjacent
  addByte(b[ndp.offset]);
  addByte(b[ndp.offset + 1]);
  addBytes(b, ndp.offset + 4, ndp.optionsOffset);
  let at = ndp.optionsOffset;
  const options = frame.ndpOptions;
  for (let i = 0; i < options.length; i++) {
    const o = options[i];
    if (o.type !== ND_OPT_SOURCE_LINKADDR && o.type !== ND_OPT_TARGET_LINKADDR) addBytes(b, o.offset, o.offset + o.length);
    at = o.offset + o.length;
  }
  addBytes(b, at, ndp.end);
  return true;
}

/** The last computed fingerprint (module state: the hot path allocates nothing). */
export const fingerprintState = {
  get hi(): number {
    return hi;
  },
  get lo(): number {
    return lo;
  },
};

/** Fingerprint of an ARP/NDP frame as 16 hex digits, or null for any other frame. */
export function fingerprintFrame(frame: DecodedFrame): string | null {
  return computeFingerprint(frame) ? fingerprintHex(hi, lo) : null;
}
