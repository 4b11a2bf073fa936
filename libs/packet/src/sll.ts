/**
 * Linux cooked capture headers, as libpcap writes them for captures on the `any` device:
 * SLL (LINKTYPE_LINUX_SLL 113, 16 bytes) and SLL2 (LINKTYPE_LINUX_SLL2 276, 20 bytes).
 * https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html and …_SLL2.html.
 * There is no destination address; the packet type says whether the frame was sent by this
 * host (4), or received unicast (0), broadcast (1), multicast (2) or for another host (3).
 */
import * as ethernetModule from './ethernet';
import * as frameModule from './frame';
import { FrameState } from './frame';

// Bound once: imported bindings are accessors under some loaders (tsx, vitest), too slow per byte.
const { decodeVlanTags } = ethernetModule;
const { u16, u32 } = frameModule;

/** SLL protocol values that are not EtherTypes (Linux `ETH_P_802_3`, `ETH_P_802_2`, …). */
function isEtherType(protocol: number): boolean {
  return protocol >= 0x0600;
}

function finish(f: FrameState, offset: number): number {
  const s = f.sllLayer;
  if (!isEtherType(s.protocol)) {
    f.fail('unsupported', s.name, offset - 2, `Linux cooked protocol 0x${s.protocol.toString(16).padStart(4, '0')} is not an EtherType`);
    return -1;
  }
  return decodeVlanTags(f, offset, s.protocol);
}

/** SLL v1 at `offset`; returns the payload offset or -1 (see decodeEthernet). */
export function decodeSll(f: FrameState, offset: number): number {
  const b = f.bytes;
  if (b.length < offset + 16) {
    f.fail('truncated', 'sll', offset, `Linux cooked header needs 16 bytes, ${b.length - offset} captured`);
    return -1;
  }
  const s = f.sllLayer;
  (s as { name: 'sll' | 'sll2' }).name = 'sll';
  s.offset = offset;
  s.packetType = u16(b, offset);
  s.arphrdType = u16(b, offset + 2);
  s.addrLength = u16(b, offset + 4);
  s.addrOffset = offset + 6;
  s.protocol = u16(b, offset + 14);
  s.interfaceIndex = -1;
  f.sll = s;
  f.layers.push(s);
  return finish(f, offset + 16);
}

/** SLL2 at `offset`; returns the payload offset or -1. */
export function decodeSll2(f: FrameState, offset: number): number {
  const b = f.bytes;
  if (b.length < offset + 20) {
    f.fail('truncated', 'sll2', offset, `Linux cooked v2 header needs 20 bytes, ${b.length - offset} captured`);
    return -1;
  }
  const s = f.sllLayer;
  (s as { name: 'sll' | 'sll2' }).name = 'sll2';
  s.offset = offset;
  s.protocol = u16(b, offset);
  s.interfaceIndex = u32(b, offset + 4);
  s.arphrdType = u16(b, offset + 8);
  s.packetType = b[offset + 10];
  s.addrLength = b[offset + 11];
  s.addrOffset = offset + 12;
  f.sll = s;
  f.layers.push(s);
  // The protocol field is at the start in SLL2; the payload follows the 20-byte header.
  const payload = offset + 20;
  if (!isEtherType(s.protocol)) {
    f.fail('unsupported', 'sll2', offset, `Linux cooked protocol 0x${s.protocol.toString(16).padStart(4, '0')} is not an EtherType`);
    return -1;
  }
  return decodeVlanTags(f, payload, s.protocol);
}

