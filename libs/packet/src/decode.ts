/**
 * Frame decoding entry points: link layer by pcap link type, then by EtherType / next
 * header down to ARP or ICMPv6 Neighbor Discovery. Never throws on any input: problems end
 * up in `frame.error`, with the layers decoded before them still in `frame.layers`.
 */
import * as arpModule from './arp';
import * as ethernetModule from './ethernet';
import { FrameState } from './frame';
import * as icmpv6Module from './icmpv6';
import * as ipv4Module from './ipv4';
import * as ipv6Module from './ipv6';
import * as sllModule from './sll';
import * as typesModule from './types';
import { type DecodedFrame } from './types';

// Bound once: imported bindings are accessors under some loaders (tsx, vitest), too slow per byte.
const { decodeArp } = arpModule;
const { decodeEthernet } = ethernetModule;
const { decodeICMPv6 } = icmpv6Module;
const { decodeIPv4 } = ipv4Module;
const { decodeIPv6 } = ipv6Module;
const { decodeSll, decodeSll2 } = sllModule;
const { ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6, IPPROTO_ICMPV6, LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2 } = typesModule;

/**
 * Decodes frames into one reused {@link DecodedFrame}: the result (and every layer in it)
 * is valid until the next `decode()` call, and points into `bytes` (no copy). Allocates
 * nothing per frame on the success path.
 */
export class FrameDecoder {
  private readonly frame = new FrameState();

  decode(bytes: Uint8Array, linkType: number = LINKTYPE_ETHERNET): DecodedFrame {
    const f = this.frame;
    f.reset(bytes, linkType);
    let at: number;
    if (linkType === LINKTYPE_ETHERNET) at = decodeEthernet(f, 0);
    else if (linkType === LINKTYPE_LINUX_SLL) at = decodeSll(f, 0);
    else if (linkType === LINKTYPE_LINUX_SLL2) at = decodeSll2(f, 0);
    else {
      f.fail('unsupported', 'link', 0, `link type ${linkType} (decoded: Ethernet 1, Linux cooked 113 and 276)`);
      return f;
    }
    if (at < 0) return f;
    switch (f.payloadType) {
      case ETHERTYPE_ARP:
        decodeArp(f, at);
        break;
      case ETHERTYPE_IPV4:
        decodeIPv4(f, at);
        break;
      case ETHERTYPE_IPV6:
        if (decodeIPv6(f, at)) {
          const ip = f.ipv6Layer;
          if (ip.upperProtocol === IPPROTO_ICMPV6 && !ip.nonFirstFragment) decodeICMPv6(f, ip.upperOffset, ip.end);
        }
        break;
    }
    return f;
  }
}

/** Decodes one frame into a fresh result (allocates; use a FrameDecoder in loops). */
export function decodeFrame(bytes: Uint8Array, linkType: number = LINKTYPE_ETHERNET): DecodedFrame {
  return new FrameDecoder().decode(bytes, linkType);
}

/**
 * pcap link type for a libpcap link-type name: `cap`'s `open()` returns names such as
 * 'ETHERNET', libpcap's `pcap_datalink_val_to_name` gives 'EN10MB', 'LINUX_SLL',
 * 'LINUX_SLL2'. Returns -1 for names the decoders do not handle.
 */
export function linkTypeFromName(name: string): number {
  switch (name.toUpperCase().replace(/^(DLT|LINKTYPE)_/, '')) {
    case 'ETHERNET':
    case 'EN10MB':
      return LINKTYPE_ETHERNET;
    case 'LINUX_SLL':
      return LINKTYPE_LINUX_SLL;
    case 'LINUX_SLL2':
      return LINKTYPE_LINUX_SLL2;
    default:
      return -1;
  }
}
