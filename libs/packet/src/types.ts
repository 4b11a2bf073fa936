/**
 * Shapes shared by every decoder, the classifier and the capture-file reader.
 *
 * A decoded frame is a list of layers (gopacket style). Every layer is a plain object of
 * numbers: addresses are *offsets* into `frame.bytes`, formatted to text only when a caller
 * asks (see `addr.ts`). A {@link FrameDecoder} reuses its frame and layer objects, so the
 * per-frame path allocates nothing; `decodeFrame()` returns a fresh, independent result.
 */
import type { FrameClaims, MessageType } from '@neighwatch/model';

/** pcap/pcapng link types (https://www.tcpdump.org/linktypes.html). */
export const LINKTYPE_ETHERNET = 1;
/** Linux cooked capture v1 (captures on `any` before libpcap 1.10). */
export const LINKTYPE_LINUX_SLL = 113;
/** Linux cooked capture v2 (captures on `any` with libpcap ≥ 1.10). */
export const LINKTYPE_LINUX_SLL2 = 276;

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;
/** 802.1Q customer VLAN tag. */
export const ETHERTYPE_VLAN = 0x8100;
/** 802.1ad service VLAN tag (QinQ outer tag). */
export const ETHERTYPE_QINQ = 0x88a8;
/** Pre-standard QinQ outer tag used by some switches. */
export const ETHERTYPE_QINQ_OLD = 0x9100;

export const IPPROTO_HOPOPTS = 0;
export const IPPROTO_ICMP = 1;
export const IPPROTO_ROUTING = 43;
export const IPPROTO_FRAGMENT = 44;
export const IPPROTO_ESP = 50;
export const IPPROTO_AH = 51;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_NONE = 59;
export const IPPROTO_DSTOPTS = 60;
export const IPPROTO_MOBILITY = 135;
export const IPPROTO_HIP = 139;
export const IPPROTO_SHIM6 = 140;

/** ICMPv6 message types (RFC 4443 §2.1, RFC 4861 §4). */
export const ICMPV6_ECHO_REQUEST = 128;
export const ICMPV6_ECHO_REPLY = 129;
export const ND_ROUTER_SOLICIT = 133;
export const ND_ROUTER_ADVERT = 134;
export const ND_NEIGHBOR_SOLICIT = 135;
export const ND_NEIGHBOR_ADVERT = 136;
export const ND_REDIRECT = 137;

/** Neighbor Discovery option types (RFC 4861 §4.6, RFC 8106 §5.1). */
export const ND_OPT_SOURCE_LINKADDR = 1;
export const ND_OPT_TARGET_LINKADDR = 2;
export const ND_OPT_PREFIX_INFORMATION = 3;
export const ND_OPT_REDIRECTED_HEADER = 4;
export const ND_OPT_MTU = 5;
export const ND_OPT_RDNSS = 25;

/** ARP operation codes (RFC 826). */
export const ARP_OP_REQUEST = 1;
export const ARP_OP_REPLY = 2;

/** NA flags as the classifier reports them (RFC 4861 §4.4: R, S, O bits shifted down). */
export const NA_FLAG_ROUTER = 0x4;
export const NA_FLAG_SOLICITED = 0x2;
export const NA_FLAG_OVERRIDE = 0x1;

export type LayerName =
  | 'ethernet'
  | 'vlan'
  | 'sll'
  | 'sll2'
  | 'arp'
  | 'ipv4'
  | 'icmpv4'
  | 'ipv6'
  | 'ipv6-ext'
  | 'icmpv6'
  | 'ndp'
  | 'ndp-option';

export type DecodeErrorKind = 'truncated' | 'malformed' | 'unsupported';

/**
 * Why decoding stopped. `layer` is the layer being decoded, `offset` the byte offset in the
 * frame where the problem is. The layers decoded before it stay in `frame.layers`.
 */
export interface DecodeError {
  kind: DecodeErrorKind;
  layer: LayerName | 'link';
  offset: number;
  message: string;
}

export interface EthernetLayer {
  readonly name: 'ethernet';
  offset: number;
  dstOffset: number;
  srcOffset: number;
  /** The EtherType field right after the source address (may be a VLAN TPID). */
  etherType: number;
}

/** One 802.1Q / 802.1ad tag. */
export interface VlanLayer {
  readonly name: 'vlan';
  offset: number;
  /** The TPID that introduced this tag: 0x8100, 0x88a8 or 0x9100. */
  tpid: number;
  pcp: number;
  dei: number;
  id: number;
  /** EtherType after the tag. */
  etherType: number;
}

/** Linux cooked header, v1 (16 bytes) or v2 (20 bytes). */
export interface SllLayer {
  readonly name: 'sll' | 'sll2';
  offset: number;
  /** 0 to us, 1 broadcast, 2 multicast, 3 to another host, 4 sent by us. */
  packetType: number;
  /** ARPHRD_ type of the interface (1 = Ethernet). */
  arphrdType: number;
  addrLength: number;
  /** Offset of the link-layer source address (addrLength bytes, at most 8). */
  addrOffset: number;
  /** EtherType of the payload. */
  protocol: number;
  /** SLL2 only: interface index; -1 for SLL v1. */
  interfaceIndex: number;
}

/** ARP for Ethernet/IPv4 (RFC 826; probes and announcements RFC 5227 §2.1.1, §2.3). */
export interface ArpLayer {
  readonly name: 'arp';
  offset: number;
  hardwareType: number;
  protocolType: number;
  hardwareLength: number;
  protocolLength: number;
  operation: number;
  senderHwOffset: number;
  senderIpOffset: number;
  targetHwOffset: number;
  targetIpOffset: number;
}

export interface IPv4Layer {
  readonly name: 'ipv4';
  offset: number;
  headerLength: number;
  totalLength: number;
  ttl: number;
  protocol: number;
  /** Fragment offset in bytes. */
  fragmentOffset: number;
  moreFragments: boolean;
  srcOffset: number;
  dstOffset: number;
}

export interface ICMPv4Layer {
  readonly name: 'icmpv4';
  offset: number;
  type: number;
  code: number;
}

export interface IPv6Layer {
  readonly name: 'ipv6';
  offset: number;
  trafficClass: number;
  flowLabel: number;
  payloadLength: number;
  /** Next Header field of the fixed header. */
  nextHeader: number;
  hopLimit: number;
  srcOffset: number;
  dstOffset: number;
  /** Protocol after all extension headers, and where it starts. */
  upperProtocol: number;
  upperOffset: number;
  /** End of the IPv6 packet in the frame (excludes Ethernet padding). */
  end: number;
  /** A fragment header with a non-zero offset: the upper-layer header is not in this packet. */
  nonFirstFragment: boolean;
}

/** One IPv6 extension header (RFC 8200 §4). */
export interface IPv6ExtensionLayer {
  readonly name: 'ipv6-ext';
  offset: number;
  /** Which header this is (0 hop-by-hop, 43 routing, 44 fragment, 60 destination options, …). */
  headerType: number;
  nextHeader: number;
  /** Length of this header in bytes. */
  length: number;
  /** Fragment header only: offset in bytes, M flag, identification; 0/false otherwise. */
  fragmentOffset: number;
  moreFragments: boolean;
  identification: number;
}

/** ICMPv6 header (RFC 4443 §2.1) and the checksum verdict (RFC 4443 §2.3, RFC 8200 §8.1). */
export interface ICMPv6Layer {
  readonly name: 'icmpv6';
  offset: number;
  /** Length of the ICMPv6 message (header + body). */
  length: number;
  type: number;
  code: number;
  checksum: number;
  /** The checksum the message should carry (checksum field treated as zero). */
  computedChecksum: number;
  checksumOk: boolean;
}

/** RS/RA/NS/NA/Redirect fixed part (RFC 4861 §4.1–§4.5). Unused fields are 0 / -1. */
export interface NdpLayer {
  readonly name: 'ndp';
  offset: number;
  type: number;
  /** NS/NA/Redirect target address offset; -1 otherwise. */
  targetOffset: number;
  /** Redirect destination address offset; -1 otherwise. */
  destinationOffset: number;
  /** NA: R 0x4, S 0x2, O 0x1. */
  naFlags: number;
  /** RA fields. */
  curHopLimit: number;
  /** RA: M 0x80, O 0x40, and the rest of the flags byte as sent. */
  raFlags: number;
  routerLifetime: number;
  reachableTime: number;
  retransTimer: number;
  /** Where the options start, and the end of the message. */
  optionsOffset: number;
  end: number;
  /** Offsets of the first source / target link-layer address option data (6 bytes for Ethernet), or -1. */
  sllaoOffset: number;
  sllaoLength: number;
  tllaoOffset: number;
  tllaoLength: number;
  /** Number of options decoded (the `ndp-option` layers that follow). */
  optionCount: number;
}

/** One ND option (RFC 4861 §4.6, RDNSS RFC 8106 §5.1). Fields not used by its type are 0. */
export interface NdpOptionLayer {
  readonly name: 'ndp-option';
  offset: number;
  type: number;
  /** Length in bytes (the Length field × 8). */
  length: number;
  /** Link-layer address options: offset and length of the address. */
  addrOffset: number;
  addrLength: number;
  /** Prefix information: prefix length, L 0x80 / A 0x40 flags, lifetimes, prefix offset. */
  prefixLength: number;
  prefixFlags: number;
  validLifetime: number;
  preferredLifetime: number;
  prefixOffset: number;
  /** MTU option. */
  mtu: number;
  /** RDNSS: lifetime, number of addresses and where they start. */
  lifetime: number;
  addressCount: number;
  addressesOffset: number;
}

export type Layer =
  | EthernetLayer
  | VlanLayer
  | SllLayer
  | ArpLayer
  | IPv4Layer
  | ICMPv4Layer
  | IPv6Layer
  | IPv6ExtensionLayer
  | ICMPv6Layer
  | NdpLayer
  | NdpOptionLayer;

/**
 * The result of decoding one frame. With a {@link FrameDecoder} this object, its arrays and
 * its layers are reused: valid until the next `decode()` call.
 */
export interface DecodedFrame {
  bytes: Uint8Array;
  linkType: number;
  /** Every layer decoded, outermost first. */
  readonly layers: Layer[];
  /** Why decoding stopped early, or null when the frame decoded completely. */
  error: DecodeError | null;
  /** Shortcuts to layers in `layers` (null when absent). */
  ethernet: EthernetLayer | null;
  sll: SllLayer | null;
  /** VLAN tags, outermost first. */
  readonly vlans: VlanLayer[];
  arp: ArpLayer | null;
  ipv4: IPv4Layer | null;
  icmpv4: ICMPv4Layer | null;
  ipv6: IPv6Layer | null;
  readonly ipv6Extensions: IPv6ExtensionLayer[];
  icmpv6: ICMPv6Layer | null;
  ndp: NdpLayer | null;
  readonly ndpOptions: NdpOptionLayer[];
}

/**
 * The flat record of one ARP/NDP frame, text form (what the agent sends and `analyze`
 * prints): the frame's claims (`FrameClaims` of @neighwatch/model) plus what only the
 * decoder knows.
 */
export interface NeighborRecord extends FrameClaims {
  /** Linux cooked capture packet type (4 = sent by this host), or null for Ethernet. */
  sllPacketType: number | null;
  /** The decode error after the message's fixed part (e.g. a malformed option), or null. */
  error: DecodeError | null;
}

/**
 * The same record without text: offsets into the frame bytes (-1 when absent) and the
 * fingerprint as two 32-bit halves. Filled in place by `classifyInto`.
 */
export interface NeighborFields {
  type: MessageType | null;
  ethSrcOffset: number;
  ethSrcLength: number;
  ethDstOffset: number;
  vlan: number;
  /** 4 (ARP) or 6 (NDP); 0 when not classified. */
  ipVersion: number;
  srcIpOffset: number;
  targetIpOffset: number;
  lladdrOffset: number;
  lladdrLength: number;
  naFlags: number;
  /** 1 ok, 0 bad, -1 not applicable (ARP). */
  checksumOk: number;
  fingerprintHi: number;
  fingerprintLo: number;
  sllPacketType: number;
}
