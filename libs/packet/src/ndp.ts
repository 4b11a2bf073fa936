/**
 * Neighbor Discovery for IPv6 (RFC 4861): Router Solicitation (§4.1), Router Advertisement
 * (§4.2), Neighbor Solicitation (§4.3), Neighbor Advertisement (§4.4) and Redirect (§4.5),
 * with their options (§4.6): source/target link-layer address (§4.6.1), prefix information
 * (§4.6.2), redirected header (§4.6.3), MTU (§4.6.4) and RDNSS (RFC 8106 §5.1). Unknown
 * options are skipped by their length. A zero-length option is malformed (§4.6: "Nodes MUST
 * silently discard an ND packet that contains an option with length zero"); so is an option
 * running past the end of the message.
 */
import * as frameModule from './frame';
import { FrameState } from './frame';
import * as typesModule from './types';

// Bound once: imported bindings are accessors under some loaders (tsx, vitest), too slow per byte.
const { u16, u32 } = frameModule;
const { ND_NEIGHBOR_ADVERT, ND_NEIGHBOR_SOLICIT, ND_OPT_MTU, ND_OPT_PREFIX_INFORMATION, ND_OPT_RDNSS, ND_OPT_SOURCE_LINKADDR, ND_OPT_TARGET_LINKADDR, ND_REDIRECT, ND_ROUTER_ADVERT, ND_ROUTER_SOLICIT } = typesModule;

/** Bytes from the ICMPv6 type field to the first option, per message type. */
function fixedLength(type: number): number {
  switch (type) {
    case ND_ROUTER_SOLICIT:
      return 8;
    case ND_ROUTER_ADVERT:
      return 16;
    case ND_NEIGHBOR_SOLICIT:
    case ND_NEIGHBOR_ADVERT:
      return 24;
    default:
      return 40; // Redirect
  }
}

const NAMES: Record<number, string> = {
  [ND_ROUTER_SOLICIT]: 'Router Solicitation',
  [ND_ROUTER_ADVERT]: 'Router Advertisement',
  [ND_NEIGHBOR_SOLICIT]: 'Neighbor Solicitation',
  [ND_NEIGHBOR_ADVERT]: 'Neighbor Advertisement',
  [ND_REDIRECT]: 'Redirect',
};

export function decodeNdp(f: FrameState, offset: number, end: number): boolean {
  const b = f.bytes;
  const type = b[offset];
  const fixed = fixedLength(type);
  if (end - offset < fixed) {
    return f.fail('malformed', 'ndp', offset, `${NAMES[type]} needs ${fixed} bytes, the message has ${end - offset}`);
  }
  const n = f.ndpLayer;
  n.offset = offset;
  n.type = type;
  n.targetOffset = -1;
  n.destinationOffset = -1;
  n.naFlags = 0;
  n.curHopLimit = 0;
  n.raFlags = 0;
  n.routerLifetime = 0;
  n.reachableTime = 0;
  n.retransTimer = 0;
  n.optionsOffset = offset + fixed;
  n.end = end;
  n.sllaoOffset = -1;
  n.sllaoLength = 0;
  n.tllaoOffset = -1;
  n.tllaoLength = 0;
  n.optionCount = 0;
  switch (type) {
    case ND_ROUTER_ADVERT:
      n.curHopLimit = b[offset + 4];
      n.raFlags = b[offset + 5];
      n.routerLifetime = u16(b, offset + 6);
      n.reachableTime = u32(b, offset + 8);
      n.retransTimer = u32(b, offset + 12);
      break;
    case ND_NEIGHBOR_SOLICIT:
      n.targetOffset = offset + 8;
      break;
    case ND_NEIGHBOR_ADVERT:
      n.naFlags = b[offset + 4] >> 5;
      n.targetOffset = offset + 8;
      break;
    case ND_REDIRECT:
      n.targetOffset = offset + 8;
      n.destinationOffset = offset + 24;
      break;
  }
  f.ndp = n;
  f.layers.push(n);
  let at = n.optionsOffset;
  while (at < end) {
    if (at + 2 > end) {
      return f.fail('malformed', 'ndp-option', at, `option header needs 2 bytes, ${end - at} left in the message`);
    }
    const optType = b[at];
    const length = b[at + 1] * 8;
    if (length === 0) {
      return f.fail('malformed', 'ndp-option', at + 1, `option type ${optType} has length 0 (RFC 4861 §4.6)`);
    }
    if (at + length > end) {
      return f.fail('malformed', 'ndp-option', at + 1, `option type ${optType} of ${length} bytes runs past the end of the message (${end - at} left)`);
    }
    switch (optType) {
      case ND_OPT_PREFIX_INFORMATION:
        if (length !== 32) return f.fail('malformed', 'ndp-option', at + 1, `prefix information option has length ${length}, must be 32`);
        break;
      case ND_OPT_MTU:
        if (length !== 8) return f.fail('malformed', 'ndp-option', at + 1, `MTU option has length ${length}, must be 8`);
        break;
      case ND_OPT_RDNSS:
        if (length < 24 || (length - 8) % 16 !== 0) {
          return f.fail('malformed', 'ndp-option', at + 1, `RDNSS option has length ${length}, must be 8 + 16·n with n ≥ 1`);
        }
        break;
    }
    const o = f.addOption();
    o.offset = at;
    o.type = optType;
    o.length = length;
    switch (optType) {
      case ND_OPT_SOURCE_LINKADDR:
      case ND_OPT_TARGET_LINKADDR:
        o.addrOffset = at + 2;
        // Ethernet: 6 bytes in an 8-byte option; other links: everything after the header.
        o.addrLength = length === 8 ? 6 : length - 2;
        if (optType === ND_OPT_SOURCE_LINKADDR && n.sllaoOffset < 0) {
          n.sllaoOffset = o.addrOffset;
          n.sllaoLength = o.addrLength;
        } else if (optType === ND_OPT_TARGET_LINKADDR && n.tllaoOffset < 0) {
          n.tllaoOffset = o.addrOffset;
          n.tllaoLength = o.addrLength;
        }
        break;
      case ND_OPT_PREFIX_INFORMATION:
        o.prefixLength = b[at + 2];
        o.prefixFlags = b[at + 3];
        o.validLifetime = u32(b, at + 4);
        o.preferredLifetime = u32(b, at + 8);
        o.prefixOffset = at + 16;
        break;
      case ND_OPT_MTU:
        o.mtu = u32(b, at + 4);
        break;
      case ND_OPT_RDNSS:
        o.lifetime = u32(b, at + 4);
        o.addressCount = (length - 8) / 16;
        o.addressesOffset = at + 8;
        break;
    }
    n.optionCount++;
    at += length;
  }
  return true;
}
