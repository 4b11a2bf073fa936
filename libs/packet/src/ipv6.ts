/**
 * IPv6 (RFC 8200 §3) and its extension headers (RFC 8200 §4): hop-by-hop options (must come
 * first, §4.1), routing (§4.4), fragment (§4.5), destination options (§4.6), plus AH
 * (RFC 4302, length in 4-byte units), Mobility (RFC 6275), HIP (RFC 7401) and Shim6
 * (RFC 5533), which share the generic layout. A non-first fragment carries no upper-layer
 * header: decoding stops there without error. A first fragment of a fragmented packet holds
 * an incomplete message: reported as unsupported (no reassembly; RFC 6980 forbids
 * fragmented Neighbor Discovery anyway).
 */
import * as frameModule from './frame';
import { FrameState } from './frame';
import * as typesModule from './types';

// Bound once: imported bindings are accessors under some loaders (tsx, vitest), too slow per byte.
const { u16, u32 } = frameModule;
const { IPPROTO_AH, IPPROTO_DSTOPTS, IPPROTO_FRAGMENT, IPPROTO_HIP, IPPROTO_HOPOPTS, IPPROTO_MOBILITY, IPPROTO_ROUTING, IPPROTO_SHIM6 } = typesModule;

/** A chain longer than this is an attack or garbage, not a packet worth walking. */
const MAX_EXTENSION_HEADERS = 16;

export function isExtensionHeader(next: number): boolean {
  return (
    next === IPPROTO_HOPOPTS ||
    next === IPPROTO_ROUTING ||
    next === IPPROTO_FRAGMENT ||
    next === IPPROTO_DSTOPTS ||
    next === IPPROTO_AH ||
    next === IPPROTO_MOBILITY ||
    next === IPPROTO_HIP ||
    next === IPPROTO_SHIM6
  );
}

/**
 * Decodes the fixed header and the extension-header chain. On success `f.ipv6.upperProtocol`
 * and `upperOffset` say what follows; `f.pseudoDstOffset` is the destination the upper-layer
 * checksum uses (the final destination when a routing header is present, RFC 8200 §8.1).
 */
export function decodeIPv6(f: FrameState, offset: number): boolean {
  const b = f.bytes;
  if (b.length < offset + 40) {
    return f.fail('truncated', 'ipv6', offset, `IPv6 header needs 40 bytes, ${b.length - offset} captured`);
  }
  const version = b[offset] >> 4;
  if (version !== 6) return f.fail('malformed', 'ipv6', offset, `IP version ${version} in an IPv6 EtherType`);
  const ip = f.ipv6Layer;
  ip.offset = offset;
  ip.trafficClass = ((b[offset] & 0x0f) << 4) | (b[offset + 1] >> 4);
  ip.flowLabel = ((b[offset + 1] & 0x0f) << 16) | (b[offset + 2] << 8) | b[offset + 3];
  ip.payloadLength = u16(b, offset + 4);
  ip.nextHeader = b[offset + 6];
  ip.hopLimit = b[offset + 7];
  ip.srcOffset = offset + 8;
  ip.dstOffset = offset + 24;
  ip.end = offset + 40 + ip.payloadLength;
  ip.nonFirstFragment = false;
  ip.upperProtocol = ip.nextHeader;
  ip.upperOffset = offset + 40;
  f.pseudoDstOffset = ip.dstOffset;
  f.ipv6 = ip;
  f.layers.push(ip);
  if (ip.payloadLength === 0 && ip.nextHeader === IPPROTO_HOPOPTS) {
    return f.fail('unsupported', 'ipv6', offset + 4, 'payload length 0 with hop-by-hop options: jumbogram (RFC 2675)');
  }
  if (ip.end > b.length) {
    return f.fail('truncated', 'ipv6', b.length, `IPv6 payload length ${ip.payloadLength}, ${b.length - offset - 40} bytes captured`);
  }
  let next = ip.nextHeader;
  let at = offset + 40;
  const end = ip.end;
  while (isExtensionHeader(next)) {
    if (f.ipv6Extensions.length >= MAX_EXTENSION_HEADERS) {
      return f.fail('unsupported', 'ipv6-ext', at, `more than ${MAX_EXTENSION_HEADERS} extension headers`);
    }
    if (next === IPPROTO_HOPOPTS && f.ipv6Extensions.length > 0) {
      return f.fail('malformed', 'ipv6-ext', at, 'hop-by-hop options header not first (RFC 8200 §4.1)');
    }
    if (at + 8 > end) {
      return f.fail('malformed', 'ipv6-ext', at, `extension header ${next} runs past the IPv6 payload`);
    }
    const length =
      next === IPPROTO_FRAGMENT ? 8 : next === IPPROTO_AH ? (b[at + 1] + 2) * 4 : (b[at + 1] + 1) * 8;
    if (at + length > end) {
      return f.fail('malformed', 'ipv6-ext', at + 1, `extension header ${next} of ${length} bytes runs past the IPv6 payload`);
    }
    const e = f.addExtension();
    e.offset = at;
    e.headerType = next;
    e.nextHeader = b[at];
    e.length = length;
    if (next === IPPROTO_FRAGMENT) {
      const fo = u16(b, at + 2);
      e.fragmentOffset = fo & 0xfff8;
      e.moreFragments = (fo & 1) === 1;
      e.identification = u32(b, at + 4);
    } else if (next === IPPROTO_ROUTING && b[at + 3] > 0) {
      // Segments left > 0: the pseudo-header uses the final destination (RFC 8200 §8.1).
      const routingType = b[at + 2];
      if ((routingType === 0 || routingType === 2) && length >= 24) {
        f.pseudoDstOffset = at + length - 16;
      } else if (routingType === 4 && length >= 24) {
        f.pseudoDstOffset = at + 8; // Segment Routing Header: Segment List[0] (RFC 8754 §2)
      }
    }
    next = e.nextHeader;
    at += length;
    ip.upperProtocol = next;
    ip.upperOffset = at;
    if (e.headerType === IPPROTO_FRAGMENT) {
      if (e.fragmentOffset !== 0) {
        ip.nonFirstFragment = true;
        return true;
      }
      if (e.moreFragments) {
        return f.fail('unsupported', 'ipv6-ext', e.offset, 'first fragment of a fragmented packet: no reassembly');
      }
    }
  }
  return true;
}
