/**
 * ICMPv6 header (RFC 4443 §2.1) and checksum (RFC 4443 §2.3 over the pseudo-header of
 * RFC 8200 §8.1: source, final destination, upper-layer length, next header 58). The
 * checksum is verified and reported, never a reason to drop: a monitor wants to see the
 * frame a host would discard.
 */
import * as frameModule from './frame';
import { FrameState } from './frame';
import * as ndpModule from './ndp';
import * as typesModule from './types';
import * as addrModule from './addr';
import { type IPv6Input } from './addr';

// Bound once: imported bindings are accessors under some loaders (tsx, vitest), too slow per byte.
const { u16 } = frameModule;
const { decodeNdp } = ndpModule;
const { IPPROTO_ICMPV6, ND_REDIRECT, ND_ROUTER_SOLICIT } = typesModule;
const { toIPv6Bytes } = addrModule;

/** One's-complement partial sum of big-endian 16-bit words (not folded; no overflow below 2^53). */
function sumWords(b: Uint8Array, start: number, end: number, sum: number): number {
  let i = start;
  // Even and odd bytes summed separately, then combined: half the shifts of a word loop.
  let hi = 0;
  let lo = 0;
  const pairs = start + ((end - start) & ~1);
  for (; i < pairs; i += 2) {
    hi += b[i];
    lo += b[i + 1];
  }
  if (i < end) hi += b[i];
  return sum + hi * 256 + lo;
}

function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** One's-complement sum of the pseudo-header (not folded). */
function pseudoHeaderSum(b: Uint8Array, srcOffset: number, dstOffset: number, length: number): number {
  let sum = sumWords(b, srcOffset, srcOffset + 16, 0);
  sum = sumWords(b, dstOffset, dstOffset + 16, sum);
  return sum + Math.floor(length / 0x10000) + (length & 0xffff) + IPPROTO_ICMPV6;
}

/**
 * The checksum an ICMPv6 message should carry. `message` is the whole ICMPv6 message; its
 * checksum field (bytes 2–3) is treated as zero. Used by the encoders.
 */
export function icmpv6Checksum(src: IPv6Input, dst: IPv6Input, message: Uint8Array): number {
  const s = toIPv6Bytes(src);
  const d = toIPv6Bytes(dst);
  let sum = sumWords(s, 0, 16, 0);
  sum = sumWords(d, 0, 16, sum);
  sum += Math.floor(message.length / 0x10000) + (message.length & 0xffff) + IPPROTO_ICMPV6;
  sum = sumWords(message, 0, Math.min(2, message.length), sum);
  sum = sumWords(message, 4, message.length, sum);
  return ~fold(sum) & 0xffff;
}

export function decodeICMPv6(f: FrameState, offset: number, end: number): boolean {
  const b = f.bytes;
  const length = end - offset;
  if (length < 4) {
    return f.fail('malformed', 'icmpv6', offset, `ICMPv6 header needs 4 bytes, the IPv6 payload leaves ${length}`);
  }
  const ip = f.ipv6Layer;
  const c = f.icmpv6Layer;
  c.offset = offset;
  c.length = length;
  c.type = b[offset];
  c.code = b[offset + 1];
  c.checksum = u16(b, offset + 2);
  const base = pseudoHeaderSum(b, ip.srcOffset, f.pseudoDstOffset, length);
  // Verify over everything including the checksum: a correct message sums to 0xffff.
  const withoutChecksum = sumWords(b, offset + 4, end, base + ((b[offset] << 8) | b[offset + 1]));
  c.computedChecksum = ~fold(withoutChecksum) & 0xffff;
  c.checksumOk = fold(withoutChecksum + c.checksum) === 0xffff;
  f.icmpv6 = c;
  f.layers.push(c);
  if (c.type >= ND_ROUTER_SOLICIT && c.type <= ND_REDIRECT) return decodeNdp(f, offset, end);
  return true;
}
