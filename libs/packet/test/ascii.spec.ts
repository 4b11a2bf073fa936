import { describe, expect, it } from 'vitest';
import {
  fingerprintHex,
  formatIPv4,
  formatIPv6,
  formatLinkAddress,
  formatMac,
  MAX_ASCII_FINGERPRINT,
  MAX_ASCII_IPV4,
  MAX_ASCII_IPV6,
  MAX_ASCII_MAC,
  parseIPv6,
  writeFingerprintAscii,
  writeIPv4Ascii,
  writeIPv6Ascii,
  writeLinkAddressAscii,
  writeMacAscii,
} from '../src/index';

/** Deterministic pseudo-random bytes (xorshift32). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) & 0xff;
  };
}

/** Runs a writer into a buffer prefilled with a marker at an offset: the text it wrote, checking it wrote nothing beyond. */
function written(write: (dst: Uint8Array, at: number) => number, max: number): string {
  const dst = new Uint8Array(max + 8).fill(0x23);
  const end = write(dst, 3);
  expect(end - 3).toBeLessThanOrEqual(max);
  expect(dst[2]).toBe(0x23);
  expect(dst[end]).toBe(0x23);
  return Buffer.from(dst.subarray(3, end)).toString('latin1');
}

describe('ASCII address writers (the text of the formatters, as bytes)', () => {
  it('write MACs and link-layer addresses as formatMac / formatLinkAddress do', () => {
    const next = rng(7);
    const src = new Uint8Array(40);
    for (let round = 0; round < 2000; round++) {
      for (let i = 0; i < src.length; i++) src[i] = round % 7 === 0 ? [0, 0xff, 0x0f, 0xf0][next() & 3] : next();
      const o = round % 9;
      expect(written((d, at) => writeMacAscii(src, o, d, at), MAX_ASCII_MAC)).toBe(formatMac(src, o));
      const length = round % 21;
      expect(written((d, at) => writeLinkAddressAscii(src, o, length, d, at), Math.max(0, 3 * length - 1))).toBe(formatLinkAddress(src, o, length));
    }
    expect(written((d, at) => writeMacAscii(Uint8Array.of(0xc4, 0x17, 0xfe, 0x12, 0x7d, 0x75), 0, d, at), MAX_ASCII_MAC)).toBe('c4:17:fe:12:7d:75');
  });

  it('write IPv4 as formatIPv4 does, for every byte value in every position', () => {
    const src = new Uint8Array(5);
    for (let v = 0; v < 256; v++) {
      for (let p = 0; p < 4; p++) {
        src.fill(p === 0 ? 7 : 200);
        src[1 + p] = v;
        expect(written((d, at) => writeIPv4Ascii(src, 1, d, at), MAX_ASCII_IPV4)).toBe(formatIPv4(src, 1));
      }
    }
    expect(written((d, at) => writeIPv4Ascii(Uint8Array.of(255, 255, 255, 255), 0, d, at), MAX_ASCII_IPV4)).toBe('255.255.255.255');
  });

  it('write IPv6 as formatIPv6 does: every pattern of zero groups, mapped IPv4, group widths', () => {
    const next = rng(11);
    const src = new Uint8Array(18);
    // Every subset of the 8 groups zero, the others of every width (1–4 hex digits).
    for (let mask = 0; mask < 256; mask++) {
      for (let width = 0; width < 5; width++) {
        for (let g = 0; g < 8; g++) {
          const zero = (mask >> g) & 1;
          const value = zero ? 0 : [next() | 1, 0x0a, 0xab, 0x0abc, 0xabcd][width];
          src[1 + 2 * g] = value >> 8;
          src[2 + 2 * g] = value & 0xff;
        }
        expect(written((d, at) => writeIPv6Ascii(src, 1, d, at), MAX_ASCII_IPV6)).toBe(formatIPv6(src, 1));
      }
    }
    for (const text of ['::', '::1', '1::', '::ffff:192.0.2.1', '::ffff:0.0.0.0', '::fffe:c000:201', '0:0:0:0:1:ffff:c000:201', 'fe80::203:ffff:fe13:7d75', '2001:db8:0:0:1:0:0:1', '2001:db8::ffff:0:0']) {
      const bytes = parseIPv6(text)!;
      expect(written((d, at) => writeIPv6Ascii(bytes, 0, d, at), MAX_ASCII_IPV6)).toBe(formatIPv6(bytes));
    }
    for (let round = 0; round < 3000; round++) {
      for (let i = 0; i < src.length; i++) src[i] = next() < 96 ? 0 : next();
      if (round % 5 === 0) {
        src.fill(0, 0, 11);
        src[11] = 0xff;
        src[12] = 0xff;
      }
      expect(written((d, at) => writeIPv6Ascii(src, 1, d, at), MAX_ASCII_IPV6)).toBe(formatIPv6(src, 1));
    }
  });

  it('write fingerprints as fingerprintHex does', () => {
    const cases: [number, number][] = [
      [0, 0],
      [0xffffffff, 0xffffffff],
      [0x0123abcd, 0x00ff0001],
    ];
    const next = rng(3);
    for (let i = 0; i < 500; i++) cases.push([((next() << 24) | (next() << 16) | (next() << 8) | next()) >>> 0, ((next() << 24) | (next() << 8)) >>> 0]);
    for (const [hi, lo] of cases) {
      expect(written((d, at) => writeFingerprintAscii(hi, lo, d, at), MAX_ASCII_FINGERPRINT)).toBe(fingerprintHex(hi, lo));
    }
  });
});
