/**
 * Address text written as ASCII bytes straight from the frame bytes into an output buffer:
 * the same text as `formatMac`, `formatIPv4`, `formatIPv6`, `formatLinkAddress` and
 * `fingerprintHex`, without building a string (the JSON output of `neighwatch analyze`
 * writes a million of each). Each writer takes the source bytes and offset, the destination
 * and the offset to write at, and returns the offset after the last byte written. The caller
 * makes sure there is room: at most MAX_ASCII_MAC, MAX_ASCII_IPV4, MAX_ASCII_IPV6 or
 * MAX_ASCII_FINGERPRINT bytes (3 × length − 1 for a link-layer address of any length).
 */
import { longestZeroRun } from './addr';

/** Longest text of each writer, in bytes. */
export const MAX_ASCII_MAC = 17;
export const MAX_ASCII_IPV4 = 15;
export const MAX_ASCII_IPV6 = 39;
export const MAX_ASCII_FINGERPRINT = 16;

/** Lower-case hex digit of each nibble. */
const HEX = new Uint8Array(16);
for (let i = 0; i < 16; i++) HEX[i] = i.toString(16).charCodeAt(0);

const COLON = 58;
const DOT = 46;

/** Two hex digits per byte. */
function putHexByte(dst: Uint8Array, at: number, v: number): number {
  dst[at] = HEX[v >>> 4];
  dst[at + 1] = HEX[v & 15];
  return at + 2;
}

/** 6 bytes at `offset` as "aa:bb:cc:dd:ee:ff" (what `formatMac` returns). */
export function writeMacAscii(src: Uint8Array, offset: number, dst: Uint8Array, at: number): number {
  for (let i = 0; i < 6; i++) {
    const v = src[offset + i];
    if (i !== 0) dst[at++] = COLON;
    dst[at] = HEX[v >>> 4];
    dst[at + 1] = HEX[v & 15];
    at += 2;
  }
  return at;
}

/** `length` bytes as colon-separated hex pairs (what `formatLinkAddress` returns). */
export function writeLinkAddressAscii(src: Uint8Array, offset: number, length: number, dst: Uint8Array, at: number): number {
  for (let i = 0; i < length; i++) {
    if (i !== 0) dst[at++] = COLON;
    at = putHexByte(dst, at, src[offset + i]);
  }
  return at;
}

/** A byte in decimal without leading zeros. */
function putDecimalByte(dst: Uint8Array, at: number, v: number): number {
  if (v >= 100) {
    const h = (v / 100) | 0;
    const r = v - h * 100;
    const t = (r / 10) | 0;
    dst[at] = 48 + h;
    dst[at + 1] = 48 + t;
    dst[at + 2] = 48 + r - t * 10;
    return at + 3;
  }
  if (v >= 10) {
    const t = (v / 10) | 0;
    dst[at] = 48 + t;
    dst[at + 1] = 48 + v - t * 10;
    return at + 2;
  }
  dst[at] = 48 + v;
  return at + 1;
}

/** 4 bytes at `offset` as "a.b.c.d" (what `formatIPv4` returns). */
export function writeIPv4Ascii(src: Uint8Array, offset: number, dst: Uint8Array, at: number): number {
  at = putDecimalByte(dst, at, src[offset]);
  dst[at++] = DOT;
  at = putDecimalByte(dst, at, src[offset + 1]);
  dst[at++] = DOT;
  at = putDecimalByte(dst, at, src[offset + 2]);
  dst[at++] = DOT;
  return putDecimalByte(dst, at, src[offset + 3]);
}

/** A 16-bit group in hex without leading zeros. */
function putGroup(dst: Uint8Array, at: number, hi: number, lo: number): number {
  if (hi >= 16) {
    dst[at] = HEX[hi >>> 4];
    dst[at + 1] = HEX[hi & 15];
    dst[at + 2] = HEX[lo >>> 4];
    dst[at + 3] = HEX[lo & 15];
    return at + 4;
  }
  if (hi !== 0) {
    dst[at] = HEX[hi];
    dst[at + 1] = HEX[lo >>> 4];
    dst[at + 2] = HEX[lo & 15];
    return at + 3;
  }
  if (lo >= 16) {
    dst[at] = HEX[lo >>> 4];
    dst[at + 1] = HEX[lo & 15];
    return at + 2;
  }
  dst[at] = HEX[lo];
  return at + 1;
}

/** 16 bytes at `offset` as RFC 5952 text (what `formatIPv6` returns). */
export function writeIPv6Ascii(src: Uint8Array, offset: number, dst: Uint8Array, at: number): number {
  const run = longestZeroRun(src, offset);
  const bestStart = run < 0 ? -1 : run >> 4;
  const bestLen = run < 0 ? 1 : run & 15;
  // IPv4-mapped ::ffff:a.b.c.d (RFC 5952 §5).
  if (bestStart === 0 && bestLen === 5 && src[offset + 10] === 0xff && src[offset + 11] === 0xff) {
    dst[at] = COLON;
    dst[at + 1] = COLON;
    at = putGroup(dst, at + 2, 0xff, 0xff);
    dst[at++] = COLON;
    return writeIPv4Ascii(src, offset + 12, dst, at);
  }
  for (let g = 0; g < 8; g++) {
    if (g === bestStart) {
      if (g === 0) dst[at++] = COLON;
      dst[at++] = COLON;
      g += bestLen - 1;
      continue;
    }
    const o = offset + 2 * g;
    at = putGroup(dst, at, src[o], src[o + 1]);
    if (g < 7) dst[at++] = COLON;
  }
  return at;
}

/** 16 lower-case hex digits of a 64-bit value given as two unsigned 32-bit halves (what `fingerprintHex` returns). */
export function writeFingerprintAscii(high: number, low: number, dst: Uint8Array, at: number): number {
  for (let shift = 28; shift >= 0; shift -= 4) dst[at++] = HEX[(high >>> shift) & 15];
  for (let shift = 28; shift >= 0; shift -= 4) dst[at++] = HEX[(low >>> shift) & 15];
  return at;
}
