/**
 * Product-level classification: a decoded frame → the flat neighbor record the agent sends
 * and `neighwatch analyze` prints (one ARP or NDP message), or nothing for any other frame.
 *
 * | type             | srcIp        | targetIp          | lladdr          |
 * |------------------|--------------|-------------------|-----------------|
 * | ARP_REQUEST      | sender IP    | target IP         | sender HW       |
 * | ARP_REPLY        | sender IP    | target IP         | sender HW       |
 * | ARP_PROBE        | 0.0.0.0      | probed IP         | sender HW       |
 * | ARP_ANNOUNCEMENT | sender IP    | = sender IP       | sender HW       |
 * | NDP_RS           | IPv6 source  | null              | SLLAO           |
 * | NDP_RA           | IPv6 source  | null              | SLLAO           |
 * | NDP_NS           | IPv6 source  | NS target         | SLLAO           |
 * | NDP_NA           | IPv6 source  | NA target         | TLLAO           |
 * | NDP_REDIRECT     | IPv6 source  | Redirect target   | TLLAO           |
 *
 * ARP probe: a request with sender IP 0.0.0.0 (RFC 5227 §2.1.1). ARP announcement: sender IP
 * equal to target IP, request or reply (RFC 5227 §2.3; gratuitous ARP). A message whose
 * fixed part decoded but whose options did not still classifies; `error` says what failed.
 */
import type { MessageType } from '@neighwatch/model';
import * as addrModule from './addr';
import * as fingerprintModule from './fingerprint';
import * as typesModule from './types';
import { type DecodedFrame, type NeighborFields, type NeighborRecord } from './types';

// Bound once: imported bindings are accessors under some loaders (tsx, vitest), too slow per byte.
const { formatIPv4, formatIPv6, formatLinkAddress, formatMac } = addrModule;
const { computeFingerprint, fingerprintHex, fingerprintResult } = fingerprintModule;
const { ARP_OP_REPLY, ARP_OP_REQUEST, ND_NEIGHBOR_ADVERT, ND_NEIGHBOR_SOLICIT, ND_REDIRECT, ND_ROUTER_ADVERT, ND_ROUTER_SOLICIT } = typesModule;

/**
 * libpcap filter passing ARP and ICMPv6, untagged, 802.1Q and QinQ: what the agent captures;
 * classification then keeps the neighbor messages. Nested, not `… or (vlan and vlan and …)`:
 * each `vlan` keyword moves libpcap's offsets for the rest of the expression, so a second
 * VLAN clause in an `or` chain looks one tag too deep (checked with tcpdump 4.99). `icmp6`
 * tests the fixed header's next header only: NDP behind extension headers is not captured.
 */
export const NEIGHBOR_CAPTURE_FILTER = 'arp or icmp6 or (vlan and (arp or icmp6 or (vlan and (arp or icmp6))))';

export function newNeighborFields(): NeighborFields {
  return {
    type: null,
    ethSrcOffset: -1,
    ethSrcLength: 0,
    ethDstOffset: -1,
    vlan: -1,
    ipVersion: 0,
    srcIpOffset: -1,
    targetIpOffset: -1,
    lladdrOffset: -1,
    lladdrLength: 0,
    naFlags: 0,
    checksumOk: -1,
    fingerprintHi: 0,
    fingerprintLo: 0,
    sllPacketType: -1,
  };
}

function ndpType(icmpType: number): MessageType | null {
  switch (icmpType) {
    case ND_ROUTER_SOLICIT:
      return 'NDP_RS';
    case ND_ROUTER_ADVERT:
      return 'NDP_RA';
    case ND_NEIGHBOR_SOLICIT:
      return 'NDP_NS';
    case ND_NEIGHBOR_ADVERT:
      return 'NDP_NA';
    case ND_REDIRECT:
      return 'NDP_REDIRECT';
    default:
      return null;
  }
}

/**
 * Fills `out` with offsets into `frame.bytes` (no strings). Returns false, with
 * `out.type = null`, when the frame is not an ARP request/reply or NDP message.
 */
export function classifyInto(frame: DecodedFrame, out: NeighborFields): boolean {
  const b = frame.bytes;
  out.type = null;
  const arp = frame.arp;
  const ndp = frame.ndp;
  if (arp) {
    const op = arp.operation;
    if (op !== ARP_OP_REQUEST && op !== ARP_OP_REPLY) return false;
    const s = arp.senderIpOffset;
    const t = arp.targetIpOffset;
    const sameIp = b[s] === b[t] && b[s + 1] === b[t + 1] && b[s + 2] === b[t + 2] && b[s + 3] === b[t + 3];
    const zeroSender = (b[s] | b[s + 1] | b[s + 2] | b[s + 3]) === 0;
    out.type =
      op === ARP_OP_REQUEST && zeroSender ? 'ARP_PROBE' : sameIp ? 'ARP_ANNOUNCEMENT' : op === ARP_OP_REQUEST ? 'ARP_REQUEST' : 'ARP_REPLY';
    out.ipVersion = 4;
    out.srcIpOffset = s;
    out.targetIpOffset = t;
    out.lladdrOffset = arp.senderHwOffset;
    out.lladdrLength = 6;
    out.naFlags = 0;
    out.checksumOk = -1;
  } else if (ndp) {
    const type = ndpType(ndp.type);
    if (type === null) return false;
    out.type = type;
    out.ipVersion = 6;
    out.srcIpOffset = frame.ipv6!.srcOffset;
    out.targetIpOffset = ndp.targetOffset;
    if (ndp.type === ND_NEIGHBOR_ADVERT || ndp.type === ND_REDIRECT) {
      out.lladdrOffset = ndp.tllaoOffset;
      out.lladdrLength = ndp.tllaoLength;
    } else {
      out.lladdrOffset = ndp.sllaoOffset;
      out.lladdrLength = ndp.sllaoLength;
    }
    out.naFlags = ndp.naFlags;
    out.checksumOk = frame.icmpv6!.checksumOk ? 1 : 0;
  } else {
    return false;
  }
  const eth = frame.ethernet;
  const sll = frame.sll;
  if (eth) {
    out.ethSrcOffset = eth.srcOffset;
    out.ethSrcLength = 6;
    out.ethDstOffset = eth.dstOffset;
    out.sllPacketType = -1;
  } else if (sll) {
    out.ethSrcOffset = sll.addrLength > 0 ? sll.addrOffset : -1;
    out.ethSrcLength = sll.addrLength > 8 ? 8 : sll.addrLength;
    out.ethDstOffset = -1;
    out.sllPacketType = sll.packetType;
  }
  out.vlan = frame.vlans.length > 0 ? frame.vlans[0].id : -1;
  computeFingerprint(frame);
  out.fingerprintHi = fingerprintResult[0];
  out.fingerprintLo = fingerprintResult[1];
  return true;
}

/** Text form of classified fields (the JSON path). `fields` must come from `classifyInto(frame, …)`. */
export function fieldsToRecord(frame: DecodedFrame, fields: NeighborFields): NeighborRecord {
  const b = frame.bytes;
  const v6 = fields.ipVersion === 6;
  return {
    type: fields.type!,
    ethSrc:
      fields.ethSrcOffset < 0
        ? ''
        : fields.ethSrcLength === 6
          ? formatMac(b, fields.ethSrcOffset)
          : formatLinkAddress(b, fields.ethSrcOffset, fields.ethSrcLength),
    ethDst: fields.ethDstOffset < 0 ? '' : formatMac(b, fields.ethDstOffset),
    vlan: fields.vlan < 0 ? null : fields.vlan,
    srcIp: v6 ? formatIPv6(b, fields.srcIpOffset) : formatIPv4(b, fields.srcIpOffset),
    targetIp: fields.targetIpOffset < 0 ? null : v6 ? formatIPv6(b, fields.targetIpOffset) : formatIPv4(b, fields.targetIpOffset),
    lladdr:
      fields.lladdrOffset < 0
        ? null
        : fields.lladdrLength === 6
          ? formatMac(b, fields.lladdrOffset)
          : formatLinkAddress(b, fields.lladdrOffset, fields.lladdrLength),
    naFlags: fields.naFlags,
    checksumOk: fields.checksumOk < 0 ? null : fields.checksumOk === 1,
    fingerprint: fingerprintHex(fields.fingerprintHi, fields.fingerprintLo),
    sllPacketType: fields.sllPacketType < 0 ? null : fields.sllPacketType,
    error: frame.error,
  };
}

const scratch = newNeighborFields();

/** The neighbor record of an ARP/NDP frame, with text fields; null for any other frame. */
export function classifyFrame(frame: DecodedFrame): NeighborRecord | null {
  return classifyInto(frame, scratch) ? fieldsToRecord(frame, scratch) : null;
}
