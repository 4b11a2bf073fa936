/**
 * The mutable frame a {@link FrameDecoder} fills. Layer objects come from pools owned by the
 * frame and are reused on the next decode, so decoding a frame allocates nothing unless it
 * fails (the error object) or carries more VLAN tags / extension headers / options than any
 * frame before it (the pool grows once).
 */
import type {
  ArpLayer,
  DecodeError,
  DecodeErrorKind,
  DecodedFrame,
  EthernetLayer,
  ICMPv4Layer,
  ICMPv6Layer,
  IPv4Layer,
  IPv6ExtensionLayer,
  IPv6Layer,
  Layer,
  NdpLayer,
  NdpOptionLayer,
  SllLayer,
  VlanLayer,
} from './types';

const EMPTY = new Uint8Array(0);

function clear(list: unknown[]): void {
  while (list.length > 0) list.pop();
}

function newVlan(): VlanLayer {
  return { name: 'vlan', offset: 0, tpid: 0, pcp: 0, dei: 0, id: 0, etherType: 0 };
}

function newExtension(): IPv6ExtensionLayer {
  return {
    name: 'ipv6-ext',
    offset: 0,
    headerType: 0,
    nextHeader: 0,
    length: 0,
    fragmentOffset: 0,
    moreFragments: false,
    identification: 0,
  };
}

function newOption(): NdpOptionLayer {
  return {
    name: 'ndp-option',
    offset: 0,
    type: 0,
    length: 0,
    addrOffset: -1,
    addrLength: 0,
    prefixLength: 0,
    prefixFlags: 0,
    validLifetime: 0,
    preferredLifetime: 0,
    prefixOffset: -1,
    mtu: 0,
    lifetime: 0,
    addressCount: 0,
    addressesOffset: -1,
  };
}

export class FrameState implements DecodedFrame {
  bytes: Uint8Array = EMPTY;
  linkType = 1;
  readonly layers: Layer[] = [];
  error: DecodeError | null = null;
  /** EtherType of the link layer's payload (after VLAN tags). */
  payloadType = 0;
  /** Destination address the upper-layer checksum uses (RFC 8200 §8.1). */
  pseudoDstOffset = 0;
  ethernet: EthernetLayer | null = null;
  sll: SllLayer | null = null;
  readonly vlans: VlanLayer[] = [];
  arp: ArpLayer | null = null;
  ipv4: IPv4Layer | null = null;
  icmpv4: ICMPv4Layer | null = null;
  ipv6: IPv6Layer | null = null;
  readonly ipv6Extensions: IPv6ExtensionLayer[] = [];
  icmpv6: ICMPv6Layer | null = null;
  ndp: NdpLayer | null = null;
  readonly ndpOptions: NdpOptionLayer[] = [];

  readonly ethernetLayer: EthernetLayer = { name: 'ethernet', offset: 0, dstOffset: 0, srcOffset: 0, etherType: 0 };
  readonly sllLayer: SllLayer = {
    name: 'sll',
    offset: 0,
    packetType: 0,
    arphrdType: 0,
    addrLength: 0,
    addrOffset: 0,
    protocol: 0,
    interfaceIndex: -1,
  };
  readonly arpLayer: ArpLayer = {
    name: 'arp',
    offset: 0,
    hardwareType: 0,
    protocolType: 0,
    hardwareLength: 0,
    protocolLength: 0,
    operation: 0,
    senderHwOffset: 0,
    senderIpOffset: 0,
    targetHwOffset: 0,
    targetIpOffset: 0,
  };
  readonly ipv4Layer: IPv4Layer = {
    name: 'ipv4',
    offset: 0,
    headerLength: 0,
    totalLength: 0,
    ttl: 0,
    protocol: 0,
    fragmentOffset: 0,
    moreFragments: false,
    srcOffset: 0,
    dstOffset: 0,
  };
  readonly icmpv4Layer: ICMPv4Layer = { name: 'icmpv4', offset: 0, type: 0, code: 0 };
  readonly ipv6Layer: IPv6Layer = {
    name: 'ipv6',
    offset: 0,
    trafficClass: 0,
    flowLabel: 0,
    payloadLength: 0,
    nextHeader: 0,
    hopLimit: 0,
    srcOffset: 0,
    dstOffset: 0,
    upperProtocol: 0,
    upperOffset: 0,
    end: 0,
    nonFirstFragment: false,
  };
  readonly icmpv6Layer: ICMPv6Layer = {
    name: 'icmpv6',
    offset: 0,
    length: 0,
    type: 0,
    code: 0,
    checksum: 0,
    computedChecksum: 0,
    checksumOk: false,
  };
  readonly ndpLayer: NdpLayer = {
    name: 'ndp',
    offset: 0,
    type: 0,
    targetOffset: -1,
    destinationOffset: -1,
    naFlags: 0,
    curHopLimit: 0,
    raFlags: 0,
    routerLifetime: 0,
    reachableTime: 0,
    retransTimer: 0,
    optionsOffset: 0,
    end: 0,
    sllaoOffset: -1,
    sllaoLength: 0,
    tllaoOffset: -1,
    tllaoLength: 0,
    optionCount: 0,
  };
  private readonly vlanPool: VlanLayer[] = [];
  private readonly extensionPool: IPv6ExtensionLayer[] = [];
  private readonly optionPool: NdpOptionLayer[] = [];

  reset(bytes: Uint8Array, linkType: number): void {
    this.bytes = bytes;
    this.linkType = linkType;
    // pop() stays inline; `length = 0` goes through the runtime and costs more per frame.
    clear(this.layers);
    this.error = null;
    this.payloadType = 0;
    this.ethernet = null;
    this.sll = null;
    clear(this.vlans);
    this.arp = null;
    this.ipv4 = null;
    this.icmpv4 = null;
    this.ipv6 = null;
    clear(this.ipv6Extensions);
    this.icmpv6 = null;
    this.ndp = null;
    clear(this.ndpOptions);
  }

  /** A VLAN layer from the pool, appended to `vlans` and `layers`. */
  addVlan(): VlanLayer {
    const i = this.vlans.length;
    if (i === this.vlanPool.length) this.vlanPool.push(newVlan());
    const v = this.vlanPool[i];
    this.vlans.push(v);
    this.layers.push(v);
    return v;
  }

  addExtension(): IPv6ExtensionLayer {
    const i = this.ipv6Extensions.length;
    if (i === this.extensionPool.length) this.extensionPool.push(newExtension());
    const e = this.extensionPool[i];
    e.fragmentOffset = 0;
    e.moreFragments = false;
    e.identification = 0;
    this.ipv6Extensions.push(e);
    this.layers.push(e);
    return e;
  }

  addOption(): NdpOptionLayer {
    const i = this.ndpOptions.length;
    if (i === this.optionPool.length) this.optionPool.push(newOption());
    const o = this.optionPool[i];
    o.addrOffset = -1;
    o.addrLength = 0;
    o.prefixLength = 0;
    o.prefixFlags = 0;
    o.validLifetime = 0;
    o.preferredLifetime = 0;
    o.prefixOffset = -1;
    o.mtu = 0;
    o.lifetime = 0;
    o.addressCount = 0;
    o.addressesOffset = -1;
    this.ndpOptions.push(o);
    this.layers.push(o);
    return o;
  }

  /** Records why decoding stopped; returns false so decoders can `return f.fail(...)`. */
  fail(kind: DecodeErrorKind, layer: DecodeError['layer'], offset: number, message: string): false {
    this.error = { kind, layer, offset, message };
    return false;
  }
}

/** Big-endian reads; callers check bounds first. */
export function u16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

export function u32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}
