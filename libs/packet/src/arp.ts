/**
 * ARP (RFC 826) for Ethernet hardware (type 1, 6-byte addresses) and IPv4 (0x0800, 4-byte
 * addresses), the only combination an Ethernet/IPv4 neighbor cache uses. Any other hardware
 * or protocol type, address length or operation (RARP, InARP, …) is reported as
 * `unsupported`, never dropped silently. Probes and announcements (RFC 5227 §2.1.1, §2.3)
 * are ordinary requests/replies; `classify.ts` tells them apart.
 */
import * as frameModule from './frame';
import { FrameState } from './frame';
import * as typesModule from './types';

// Bound once: imported bindings are accessors under some loaders (tsx, vitest), too slow per byte.
const { u16 } = frameModule;
const { ARP_OP_REPLY, ARP_OP_REQUEST, ETHERTYPE_IPV4 } = typesModule;

/** Fixed header (8) + two Ethernet/IPv4 address pairs (20). */
export const ARP_ETHERNET_IPV4_LENGTH = 28;

export function decodeArp(f: FrameState, offset: number): boolean {
  const b = f.bytes;
  if (b.length < offset + 8) {
    return f.fail('truncated', 'arp', offset, `ARP header needs 8 bytes, ${b.length - offset} captured`);
  }
  const htype = u16(b, offset);
  const ptype = u16(b, offset + 2);
  const hlen = b[offset + 4];
  const plen = b[offset + 5];
  if (htype !== 1) {
    return f.fail('unsupported', 'arp', offset, `ARP hardware type ${htype} (only Ethernet, 1, is decoded)`);
  }
  if (ptype !== ETHERTYPE_IPV4) {
    return f.fail('unsupported', 'arp', offset + 2, `ARP protocol type 0x${ptype.toString(16).padStart(4, '0')} (only IPv4 is decoded)`);
  }
  if (hlen !== 6 || plen !== 4) {
    return f.fail('malformed', 'arp', offset + 4, `ARP address lengths ${hlen}/${plen} do not match Ethernet/IPv4 (6/4)`);
  }
  if (b.length < offset + ARP_ETHERNET_IPV4_LENGTH) {
    return f.fail('truncated', 'arp', b.length, `ARP for Ethernet/IPv4 needs 28 bytes, ${b.length - offset} captured`);
  }
  const a = f.arpLayer;
  a.offset = offset;
  a.hardwareType = htype;
  a.protocolType = ptype;
  a.hardwareLength = hlen;
  a.protocolLength = plen;
  a.operation = u16(b, offset + 6);
  a.senderHwOffset = offset + 8;
  a.senderIpOffset = offset + 14;
  a.targetHwOffset = offset + 18;
  a.targetIpOffset = offset + 24;
  f.arp = a;
  f.layers.push(a);
  if (a.operation !== ARP_OP_REQUEST && a.operation !== ARP_OP_REPLY) {
    return f.fail('unsupported', 'arp', offset + 6, `ARP operation ${a.operation} (only request 1 and reply 2 are neighbor resolution)`);
  }
  return true;
}
