/**
 * Frame encoders for tests, fuzzing, benchmarks and the lab: Ethernet II with optional
 * 802.1Q/802.1ad tags or Linux cooked headers (SLL/SLL2), ARP (RFC 826) requests, replies,
 * probes and announcements (RFC 5227 §2.1.1, §2.3), IPv6 (RFC 8200) with extension
 * headers, Neighbor Discovery messages and options (RFC 4861 §4) with a correct ICMPv6
 * checksum (RFC 4443 §2.3), and ICMPv6 echo (RFC 4443 §4).
 *
 * Encoders are not on a hot path: they allocate freely and throw AddressParseError or
 * RangeError on bad input (unlike the decoders, which never throw).
 */
import { formatMac, toIPv4Bytes, toIPv6Bytes, toMacBytes, type IPv4Input, type IPv6Input, type MacInput } from './addr';
import { icmpv6Checksum } from './icmpv6';
import {
  ARP_OP_REPLY,
  ARP_OP_REQUEST,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  ETHERTYPE_VLAN,
  ICMPV6_ECHO_REPLY,
  ICMPV6_ECHO_REQUEST,
  IPPROTO_DSTOPTS,
  IPPROTO_FRAGMENT,
  IPPROTO_HOPOPTS,
  IPPROTO_ICMPV6,
  IPPROTO_ROUTING,
  ND_NEIGHBOR_ADVERT,
  ND_NEIGHBOR_SOLICIT,
  ND_OPT_MTU,
  ND_OPT_PREFIX_INFORMATION,
  ND_OPT_RDNSS,
  ND_OPT_REDIRECTED_HEADER,
  ND_OPT_SOURCE_LINKADDR,
  ND_OPT_TARGET_LINKADDR,
  ND_REDIRECT,
  ND_ROUTER_ADVERT,
  ND_ROUTER_SOLICIT,
} from './types';

/** One VLAN tag; a bare number is an 802.1Q tag with that id. */
export interface VlanSpec {
  id: number;
  pcp?: number;
  dei?: number;
  /** 0x8100 (default), 0x88a8 or 0x9100. */
  tpid?: number;
}

/** Link-layer framing. */
export interface LinkSpec {
  ethSrc: MacInput;
  ethDst: MacInput;
  /** Outermost first. */
  vlans?: (number | VlanSpec)[];
  /** Default 'ethernet'. Linux cooked headers carry `ethSrc` only. */
  link?: 'ethernet' | 'sll' | 'sll2';
  /** Linux cooked packet type: 0 to us (default), 1 broadcast, 2 multicast, 3 other host, 4 sent by us. */
  sllPacketType?: number;
  /** SLL2 interface index (default 1). */
  ifIndex?: number;
  /** Pad the frame with zeros to this many bytes (e.g. 60: Ethernet minimum without FCS). */
  padTo?: number;
}

/** Link fields every message spec accepts; `ethSrc` / `ethDst` default from the message. */
export type LinkOverrides = Partial<LinkSpec>;

function u16(out: Uint8Array, at: number, v: number): void {
  out[at] = (v >> 8) & 0xff;
  out[at + 1] = v & 0xff;
}

function u32(out: Uint8Array, at: number, v: number): void {
  out[at] = (v >>> 24) & 0xff;
  out[at + 1] = (v >>> 16) & 0xff;
  out[at + 2] = (v >>> 8) & 0xff;
  out[at + 3] = v & 0xff;
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function vlanTags(vlans: (number | VlanSpec)[] | undefined, etherType: number): Uint8Array {
  const tags = vlans ?? [];
  const out = new Uint8Array(tags.length * 4);
  // The TPID of tag i sits before it; tag i's inner type is the next tag's TPID or `etherType`.
  for (let i = 0; i < tags.length; i++) {
    const t = typeof tags[i] === 'number' ? { id: tags[i] as number } : (tags[i] as VlanSpec);
    if (t.id < 0 || t.id > 0xfff) throw new RangeError(`VLAN id ${t.id} out of range 0..4095`);
    const next = tags[i + 1];
    const nextTpid = next === undefined ? etherType : typeof next === 'number' ? ETHERTYPE_VLAN : (next.tpid ?? ETHERTYPE_VLAN);
    u16(out, i * 4, ((t.pcp ?? 0) << 13) | ((t.dei ?? 0) << 12) | t.id);
    u16(out, i * 4 + 2, nextTpid);
  }
  return out;
}

function firstTpid(vlans: (number | VlanSpec)[] | undefined, etherType: number): number {
  if (!vlans || vlans.length === 0) return etherType;
  const t = vlans[0];
  return typeof t === 'number' ? ETHERTYPE_VLAN : (t.tpid ?? ETHERTYPE_VLAN);
}

/** Link header(s) + payload: Ethernet II (with tags) or Linux cooked v1/v2. */
export function encodeLink(spec: LinkSpec, etherType: number, payload: Uint8Array): Uint8Array {
  const src = toMacBytes(spec.ethSrc);
  const tags = vlanTags(spec.vlans, etherType);
  const type = firstTpid(spec.vlans, etherType);
  let header: Uint8Array;
  const link = spec.link ?? 'ethernet';
  if (link === 'ethernet') {
    header = new Uint8Array(14);
    header.set(toMacBytes(spec.ethDst), 0);
    header.set(src, 6);
    u16(header, 12, type);
  } else if (link === 'sll') {
    header = new Uint8Array(16);
    u16(header, 0, spec.sllPacketType ?? 0);
    u16(header, 2, 1); // ARPHRD_ETHER
    u16(header, 4, 6);
    header.set(src, 6);
    u16(header, 14, type);
  } else {
    header = new Uint8Array(20);
    u16(header, 0, type);
    u32(header, 4, spec.ifIndex ?? 1);
    u16(header, 8, 1); // ARPHRD_ETHER
    header[10] = spec.sllPacketType ?? 0;
    header[11] = 6;
    header.set(src, 12);
  }
  const frame = concat([header, tags, payload]);
  if (spec.padTo !== undefined && frame.length < spec.padTo) {
    const padded = new Uint8Array(spec.padTo);
    padded.set(frame);
    return padded;
  }
  return frame;
}

const BROADCAST = 'ff:ff:ff:ff:ff:ff';
const ZERO_MAC = '00:00:00:00:00:00';

export interface ArpSpec extends LinkOverrides {
  /** 'request' (1), 'reply' (2) or any operation code (for tests of unsupported ones). */
  operation: 'request' | 'reply' | number;
  senderMac: MacInput;
  senderIp: IPv4Input;
  /** Default 00:00:00:00:00:00 (requests). */
  targetMac?: MacInput;
  targetIp: IPv4Input;
  /** Override the hardware type (default 1, Ethernet), for tests of unsupported types. */
  hardwareType?: number;
}

/** A whole ARP frame. Ethernet source defaults to the sender MAC; destination to broadcast for requests, the target MAC for replies. */
export function encodeArp(spec: ArpSpec): Uint8Array {
  const op = spec.operation === 'request' ? ARP_OP_REQUEST : spec.operation === 'reply' ? ARP_OP_REPLY : spec.operation;
  const p = new Uint8Array(28);
  u16(p, 0, spec.hardwareType ?? 1);
  u16(p, 2, ETHERTYPE_IPV4);
  p[4] = 6;
  p[5] = 4;
  u16(p, 6, op);
  p.set(toMacBytes(spec.senderMac), 8);
  p.set(toIPv4Bytes(spec.senderIp), 14);
  p.set(toMacBytes(spec.targetMac ?? ZERO_MAC), 18);
  p.set(toIPv4Bytes(spec.targetIp), 24);
  const ethDst = spec.ethDst ?? (op === ARP_OP_REPLY && spec.targetMac !== undefined ? spec.targetMac : BROADCAST);
  return encodeLink({ ...spec, ethSrc: spec.ethSrc ?? spec.senderMac, ethDst }, ETHERTYPE_ARP, p);
}

/** ARP request "who-has targetIp tell senderIp" (broadcast). */
export function arpRequest(spec: LinkOverrides & { senderMac: MacInput; senderIp: IPv4Input; targetIp: IPv4Input }): Uint8Array {
  return encodeArp({ ...spec, operation: 'request' });
}

/** ARP reply "senderIp is-at senderMac" to targetMac. */
export function arpReply(
  spec: LinkOverrides & { senderMac: MacInput; senderIp: IPv4Input; targetMac: MacInput; targetIp: IPv4Input },
): Uint8Array {
  return encodeArp({ ...spec, operation: 'reply' });
}

/** ARP probe (RFC 5227 §2.1.1): request with sender IP 0.0.0.0 and zero target MAC. */
export function arpProbe(spec: LinkOverrides & { senderMac: MacInput; targetIp: IPv4Input }): Uint8Array {
  return encodeArp({ ...spec, operation: 'request', senderIp: '0.0.0.0' });
}

/** ARP announcement (RFC 5227 §2.3): sender IP = target IP, as a request (default) or reply. */
export function arpAnnouncement(spec: LinkOverrides & { senderMac: MacInput; ip: IPv4Input; reply?: boolean }): Uint8Array {
  return encodeArp({ ...spec, operation: spec.reply ? 'reply' : 'request', senderIp: spec.ip, targetIp: spec.ip, ethDst: spec.ethDst ?? BROADCAST });
}

/** IPv6 extension header for tests of the header chain (RFC 8200 §4). */
export interface ExtensionHeaderSpec {
  type: 'hop-by-hop' | 'destination' | 'routing' | 'fragment';
  /** Total length in bytes, a multiple of 8 (default 8; fragment is always 8). Options are PadN. */
  length?: number;
  fragmentOffset?: number;
  moreFragments?: boolean;
  identification?: number;
  routingType?: number;
  segmentsLeft?: number;
}

export interface IPv6Spec {
  src: IPv6Input;
  dst: IPv6Input;
  /** Default 255 (what Neighbor Discovery requires, RFC 4861 §6.1). */
  hopLimit?: number;
  trafficClass?: number;
  flowLabel?: number;
  extensionHeaders?: ExtensionHeaderSpec[];
}

const EXT_CODES = { 'hop-by-hop': IPPROTO_HOPOPTS, destination: IPPROTO_DSTOPTS, routing: IPPROTO_ROUTING, fragment: IPPROTO_FRAGMENT };

/** IPv6 header, extension headers and payload (no link layer). */
export function encodeIPv6(spec: IPv6Spec, nextHeader: number, payload: Uint8Array): Uint8Array {
  const exts = spec.extensionHeaders ?? [];
  const parts: Uint8Array[] = [];
  for (let i = 0; i < exts.length; i++) {
    const e = exts[i];
    const next = i + 1 < exts.length ? EXT_CODES[exts[i + 1].type] : nextHeader;
    const length = e.type === 'fragment' ? 8 : (e.length ?? 8);
    if (length < 8 || length % 8 !== 0 || length > 2048) throw new RangeError(`extension header length ${length} must be a multiple of 8 in 8..2048`);
    const h = new Uint8Array(length);
    h[0] = next;
    if (e.type === 'fragment') {
      u16(h, 2, ((e.fragmentOffset ?? 0) & 0xfff8) | (e.moreFragments ? 1 : 0));
      u32(h, 4, e.identification ?? 0x12345678);
    } else {
      h[1] = length / 8 - 1;
      if (e.type === 'routing') {
        h[2] = e.routingType ?? 0;
        h[3] = e.segmentsLeft ?? 0;
      } else {
        // PadN option filling the header (RFC 8200 §4.2).
        h[2] = 1;
        h[3] = length - 4;
      }
    }
    parts.push(h);
  }
  const body = concat([...parts, payload]);
  const ip = new Uint8Array(40);
  const tc = spec.trafficClass ?? 0;
  const fl = spec.flowLabel ?? 0;
  u32(ip, 0, ((6 << 28) | (tc << 20) | (fl & 0xfffff)) >>> 0);
  u16(ip, 4, body.length);
  ip[6] = exts.length > 0 ? EXT_CODES[exts[0].type] : nextHeader;
  ip[7] = spec.hopLimit ?? 255;
  ip.set(toIPv6Bytes(spec.src), 8);
  ip.set(toIPv6Bytes(spec.dst), 24);
  return concat([ip, body]);
}

/** The Ethernet multicast MAC for an IPv6 multicast address (RFC 2464 §7): 33:33 + last 32 bits. */
export function ipv6MulticastMac(ip: IPv6Input): string {
  const b = toIPv6Bytes(ip);
  return formatMac(Uint8Array.of(0x33, 0x33, b[12], b[13], b[14], b[15]));
}

/** The solicited-node multicast address of an IPv6 address (RFC 4291 §2.7.1): ff02::1:ffXX:XXXX. */
export function solicitedNodeMulticast(ip: IPv6Input): string {
  const b = toIPv6Bytes(ip);
  const h = (v: number) => v.toString(16).padStart(2, '0');
  return `ff02::1:ff${h(b[13])}:${h(b[14])}${h(b[15])}`;
}

export type NdpOptionSpec =
  | { type: 'source-lladdr'; mac: MacInput }
  | { type: 'target-lladdr'; mac: MacInput }
  | {
      type: 'prefix';
      prefix: IPv6Input;
      prefixLength: number;
      onLink?: boolean;
      autonomous?: boolean;
      validLifetime?: number;
      preferredLifetime?: number;
    }
  | { type: 'mtu'; mtu: number }
  | { type: 'rdnss'; lifetime: number; servers: IPv6Input[] }
  | { type: 'redirected-header'; packet: Uint8Array }
  /**
   * Any option: `data` follows type and length, zero-padded to a multiple of 8 bytes.
   * `lengthField` overrides the Length byte (units of 8 bytes), for malformed-option tests.
   */
  | { type: 'raw'; optionType: number; data: Uint8Array; lengthField?: number };

export type NdpMessageSpec =
  | { type: 'RS' }
  | {
      type: 'RA';
      curHopLimit?: number;
      managed?: boolean;
      other?: boolean;
      /** Seconds (default 1800). */
      routerLifetime?: number;
      reachableTime?: number;
      retransTimer?: number;
    }
  | { type: 'NS'; target: IPv6Input }
  | { type: 'NA'; target: IPv6Input; router?: boolean; solicited?: boolean; override?: boolean }
  | { type: 'Redirect'; target: IPv6Input; destination: IPv6Input };

export interface NdpSpec extends LinkOverrides, IPv6Spec {
  ethSrc: MacInput;
  message: NdpMessageSpec;
  options?: NdpOptionSpec[];
  /** ICMPv6 code (default 0). */
  code?: number;
  /** Write this checksum instead of the correct one (tests of bad checksums). */
  checksum?: number;
}

function encodeOption(o: NdpOptionSpec): Uint8Array {
  switch (o.type) {
    case 'source-lladdr':
    case 'target-lladdr': {
      const out = new Uint8Array(8);
      out[0] = o.type === 'source-lladdr' ? ND_OPT_SOURCE_LINKADDR : ND_OPT_TARGET_LINKADDR;
      out[1] = 1;
      out.set(toMacBytes(o.mac), 2);
      return out;
    }
    case 'prefix': {
      const out = new Uint8Array(32);
      out[0] = ND_OPT_PREFIX_INFORMATION;
      out[1] = 4;
      out[2] = o.prefixLength;
      out[3] = (o.onLink === false ? 0 : 0x80) | (o.autonomous === false ? 0 : 0x40);
      u32(out, 4, o.validLifetime ?? 2592000);
      u32(out, 8, o.preferredLifetime ?? 604800);
      out.set(toIPv6Bytes(o.prefix), 16);
      return out;
    }
    case 'mtu': {
      const out = new Uint8Array(8);
      out[0] = ND_OPT_MTU;
      out[1] = 1;
      u32(out, 4, o.mtu);
      return out;
    }
    case 'rdnss': {
      if (o.servers.length === 0) throw new RangeError('RDNSS option needs at least one server');
      const out = new Uint8Array(8 + 16 * o.servers.length);
      out[0] = ND_OPT_RDNSS;
      out[1] = out.length / 8;
      u32(out, 4, o.lifetime);
      o.servers.forEach((s, i) => out.set(toIPv6Bytes(s), 8 + 16 * i));
      return out;
    }
    case 'redirected-header': {
      const len = Math.ceil((8 + o.packet.length) / 8) * 8;
      const out = new Uint8Array(len);
      out[0] = ND_OPT_REDIRECTED_HEADER;
      out[1] = len / 8;
      out.set(o.packet, 8);
      return out;
    }
    case 'raw': {
      const len = Math.ceil((2 + o.data.length) / 8) * 8;
      const out = new Uint8Array(len);
      out[0] = o.optionType;
      out[1] = o.lengthField ?? len / 8;
      out.set(o.data, 2);
      return out;
    }
  }
}

function ndpFixed(m: NdpMessageSpec): Uint8Array {
  switch (m.type) {
    case 'RS': {
      const out = new Uint8Array(8);
      out[0] = ND_ROUTER_SOLICIT;
      return out;
    }
    case 'RA': {
      const out = new Uint8Array(16);
      out[0] = ND_ROUTER_ADVERT;
      out[4] = m.curHopLimit ?? 64;
      out[5] = (m.managed ? 0x80 : 0) | (m.other ? 0x40 : 0);
      u16(out, 6, m.routerLifetime ?? 1800);
      u32(out, 8, m.reachableTime ?? 0);
      u32(out, 12, m.retransTimer ?? 0);
      return out;
    }
    case 'NS': {
      const out = new Uint8Array(24);
      out[0] = ND_NEIGHBOR_SOLICIT;
      out.set(toIPv6Bytes(m.target), 8);
      return out;
    }
    case 'NA': {
      const out = new Uint8Array(24);
      out[0] = ND_NEIGHBOR_ADVERT;
      out[4] = (m.router ? 0x80 : 0) | (m.solicited ? 0x40 : 0) | (m.override ? 0x20 : 0);
      out.set(toIPv6Bytes(m.target), 8);
      return out;
    }
    case 'Redirect': {
      const out = new Uint8Array(40);
      out[0] = ND_REDIRECT;
      out.set(toIPv6Bytes(m.target), 8);
      out.set(toIPv6Bytes(m.destination), 24);
      return out;
    }
  }
}

function defaultDst(dst: IPv6Input): string {
  const b = toIPv6Bytes(dst);
  if (b[0] !== 0xff) throw new RangeError('ethDst is required for a unicast IPv6 destination');
  return ipv6MulticastMac(b);
}

function icmpv6Frame(spec: LinkOverrides & IPv6Spec & { ethSrc: MacInput }, message: Uint8Array, checksum?: number): Uint8Array {
  u16(message, 2, checksum ?? icmpv6Checksum(spec.src, spec.dst, message));
  const packet = encodeIPv6(spec, IPPROTO_ICMPV6, message);
  return encodeLink({ ...spec, ethSrc: spec.ethSrc, ethDst: spec.ethDst ?? defaultDst(spec.dst) }, ETHERTYPE_IPV6, packet);
}

/**
 * A whole NDP frame with a correct checksum (unless `checksum` overrides it). Ethernet
 * destination defaults to the multicast MAC of a multicast IPv6 destination.
 */
export function encodeNdp(spec: NdpSpec): Uint8Array {
  const message = concat([ndpFixed(spec.message), ...(spec.options ?? []).map(encodeOption)]);
  message[1] = spec.code ?? 0;
  return icmpv6Frame(spec, message, spec.checksum);
}

export interface EchoSpec extends LinkOverrides, IPv6Spec {
  ethSrc: MacInput;
  /** Default true (echo request, 128); false for an echo reply (129). */
  request?: boolean;
  identifier?: number;
  sequence?: number;
  data?: Uint8Array;
  checksum?: number;
}

/** ICMPv6 echo request/reply frame (RFC 4443 §4.1, §4.2). */
export function encodeIcmpv6Echo(spec: EchoSpec): Uint8Array {
  const data = spec.data ?? new Uint8Array(0);
  const message = new Uint8Array(8 + data.length);
  message[0] = spec.request === false ? ICMPV6_ECHO_REPLY : ICMPV6_ECHO_REQUEST;
  u16(message, 4, spec.identifier ?? 1);
  u16(message, 6, spec.sequence ?? 1);
  message.set(data, 8);
  return icmpv6Frame(spec, message, spec.checksum);
}
