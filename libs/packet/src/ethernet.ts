/**
 * Ethernet II (IEEE 802.3 clause 3.2.6 type field) and VLAN tags: 802.1Q (TPID 0x8100),
 * 802.1ad QinQ (0x88a8) and the pre-standard 0x9100 outer tag. Frames whose type field is a
 * length (< 0x0600, 802.3/LLC) are reported as unsupported.
 */
import * as frameModule from './frame';
import { FrameState } from './frame';
import * as typesModule from './types';

// Bound once: imported bindings are accessors under some loaders (tsx, vitest), too slow per byte.
const { u16 } = frameModule;
const { ETHERTYPE_QINQ, ETHERTYPE_QINQ_OLD, ETHERTYPE_VLAN } = typesModule;

/** Tags beyond this many are not a real network; stop instead of walking a tag bomb. */
const MAX_VLAN_TAGS = 8;

export function isVlanTpid(type: number): boolean {
  return type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_OLD;
}

/**
 * Decodes the Ethernet header at `offset`. Returns the offset of the payload after any VLAN
 * tags (the payload's EtherType is left in `f.payloadType`), or -1 with `f.error` set.
 */
export function decodeEthernet(f: FrameState, offset: number): number {
  const b = f.bytes;
  if (b.length < offset + 14) {
    f.fail('truncated', 'ethernet', offset, `Ethernet header needs 14 bytes, ${b.length - offset} captured`);
    return -1;
  }
  const e = f.ethernetLayer;
  e.offset = offset;
  e.dstOffset = offset;
  e.srcOffset = offset + 6;
  e.etherType = u16(b, offset + 12);
  f.ethernet = e;
  f.layers.push(e);
  return decodeVlanTags(f, offset + 14, e.etherType);
}

/**
 * Walks 802.1Q/802.1ad tags starting at `offset` when `type` is a TPID. Returns the payload
 * offset and sets `f.payloadType`, or -1 with `f.error` set.
 */
export function decodeVlanTags(f: FrameState, offset: number, type: number): number {
  const b = f.bytes;
  while (isVlanTpid(type)) {
    if (f.vlans.length >= MAX_VLAN_TAGS) {
      f.fail('unsupported', 'vlan', offset, `more than ${MAX_VLAN_TAGS} VLAN tags`);
      return -1;
    }
    if (b.length < offset + 4) {
      f.fail('truncated', 'vlan', offset, `VLAN tag needs 4 bytes, ${b.length - offset} captured`);
      return -1;
    }
    const v = f.addVlan();
    const tci = u16(b, offset);
    v.offset = offset;
    v.tpid = type;
    v.pcp = tci >> 13;
    v.dei = (tci >> 12) & 1;
    v.id = tci & 0x0fff;
    v.etherType = u16(b, offset + 2);
    type = v.etherType;
    offset += 4;
  }
  if (type < 0x0600) {
    f.fail('unsupported', f.vlans.length > 0 ? 'vlan' : 'ethernet', offset - 2, `802.3 length field ${type} (LLC frame), not an EtherType`);
    return -1;
  }
  f.payloadType = type;
  return offset;
}
