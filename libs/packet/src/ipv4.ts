/**
 * IPv4 (RFC 791 §3.1) and the ICMP header (RFC 792), decoded only far enough to say what a
 * frame is: neighbor discovery happens in ARP for IPv4, so an IPv4 packet is never a
 * neighbor message.
 */
import * as frameModule from './frame';
import { FrameState } from './frame';
import * as typesModule from './types';

// Bound once: imported bindings are accessors under some loaders (tsx, vitest), too slow per byte.
const { u16 } = frameModule;
const { IPPROTO_ICMP } = typesModule;

export function decodeIPv4(f: FrameState, offset: number): boolean {
  const b = f.bytes;
  if (b.length < offset + 20) {
    return f.fail('truncated', 'ipv4', offset, `IPv4 header needs 20 bytes, ${b.length - offset} captured`);
  }
  const version = b[offset] >> 4;
  if (version !== 4) return f.fail('malformed', 'ipv4', offset, `IP version ${version} in an IPv4 EtherType`);
  const headerLength = (b[offset] & 0x0f) * 4;
  if (headerLength < 20) return f.fail('malformed', 'ipv4', offset, `IPv4 header length ${headerLength} < 20`);
  if (b.length < offset + headerLength) {
    return f.fail('truncated', 'ipv4', b.length, `IPv4 header length ${headerLength}, ${b.length - offset} bytes captured`);
  }
  const totalLength = u16(b, offset + 2);
  if (totalLength < headerLength) {
    return f.fail('malformed', 'ipv4', offset + 2, `IPv4 total length ${totalLength} < header length ${headerLength}`);
  }
  const ip = f.ipv4Layer;
  const frag = u16(b, offset + 6);
  ip.offset = offset;
  ip.headerLength = headerLength;
  ip.totalLength = totalLength;
  ip.ttl = b[offset + 8];
  ip.protocol = b[offset + 9];
  ip.fragmentOffset = (frag & 0x1fff) * 8;
  ip.moreFragments = (frag & 0x2000) !== 0;
  ip.srcOffset = offset + 12;
  ip.dstOffset = offset + 16;
  f.ipv4 = ip;
  f.layers.push(ip);
  if (b.length < offset + totalLength) {
    return f.fail('truncated', 'ipv4', b.length, `IPv4 total length ${totalLength}, ${b.length - offset} bytes captured`);
  }
  if (ip.protocol !== IPPROTO_ICMP || ip.fragmentOffset !== 0) return true;
  const at = offset + headerLength;
  if (totalLength - headerLength < 4) {
    return f.fail('malformed', 'icmpv4', at, `ICMP header needs 4 bytes, IPv4 payload has ${totalLength - headerLength}`);
  }
  const icmp = f.icmpv4Layer;
  icmp.offset = at;
  icmp.type = b[at];
  icmp.code = b[at + 1];
  f.icmpv4 = icmp;
  f.layers.push(icmp);
  return true;
}
