/**
 * A realistic mix of ARP and NDP frames for benchmarks: several VLANs (untagged, 802.1Q,
 * QinQ), one router and many hosts per VLAN, addresses from documentation ranges (MACs
 * 00:00:5e:00:53:xx per RFC 7042 §2.1.2, IPv4 192.0.2.0/24 and 198.51.100.0/24, IPv6
 * 2001:db8::/32 and fe80::/64 with modified EUI-64 IDs), and some mismatches: hosts behind a
 * MAC-NAT bridge (Ethernet source and ARP sender rewritten to the bridge's MAC, NDP options
 * and EUI-64 IDs still carrying the VM's MAC), plus a little non-neighbor traffic (ICMPv6
 * echo) that a decoder has to skip.
 */
import {
  arpAnnouncement,
  arpProbe,
  arpReply,
  arpRequest,
  encodeIcmpv6Echo,
  encodeNdp,
  eui64Address,
  formatMac,
  solicitedNodeMulticast,
  type VlanSpec,
} from '@neighwatch/packet';

/** mulberry32 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Host {
  /** MAC the host's frames carry on the wire (the bridge's MAC for a NATed VM). */
  wireMac: string;
  /** MAC the host itself uses (in ARP sender before NAT, NDP options, EUI-64). */
  ownMac: string;
  ipv4: string;
  linkLocal: string;
  global: string;
}

interface Segment {
  vlans: (number | VlanSpec)[];
  router: Host;
  hosts: Host[];
}

/** 00:00:5e:00:53:xx (RFC 7042 documentation range): 64 addresses per segment, bridges from 0xf0. */
const mac = (segment: number, n: number) => formatMac(Uint8Array.of(0x00, 0x00, 0x5e, 0x00, 0x53, n >= 0xf0 ? n : segment * 64 + n));

function makeHost(segment: number, n: number, v4Prefix: string, natBridge: string | null, privacy: boolean): Host {
  const own = mac(segment, n);
  const v6Prefix = `2001:db8:${segment + 1}::`;
  const global = privacy
    ? `2001:db8:${segment + 1}:0:${(0x1000 + n * 37).toString(16)}:${(0x2000 + n * 91).toString(16)}:${(0x3000 + n).toString(16)}:${(0x4000 + segment).toString(16)}`
    : eui64Address(v6Prefix, own);
  return { wireMac: natBridge ?? own, ownMac: own, ipv4: `${v4Prefix}${n}`, linkLocal: eui64Address('fe80::', own), global };
}

export interface MixedFrame {
  bytes: Uint8Array;
  linkType: number;
}

/**
 * `size` distinct-ish frames drawn from the segments below; sample from the pool to build
 * any number of frames. Deterministic for a seed.
 */
export function buildMixedPool(seed: number, size = 20_000): MixedFrame[] {
  const rnd = prng(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const segments: Segment[] = [
    { vlans: [], v4: '192.0.2.', hosts: 30 },
    { vlans: [10], v4: '198.51.100.', hosts: 30 },
    { vlans: [{ id: 100, tpid: 0x88a8 }, 20], v4: '192.0.2.', hosts: 20 },
  ].map((s, i) => {
    const bridge = mac(i, 0xf0 + i); // a host bridging VMs over Wi-Fi (MAC NAT)
    const hosts: Host[] = [];
    for (let n = 10; n < 10 + s.hosts; n++) {
      const natted = n % 10 === 3; // every tenth host is a VM behind the bridge
      hosts.push(makeHost(i, n, s.v4, natted ? bridge : null, n % 7 === 0));
    }
    return { vlans: s.vlans, router: makeHost(i, 1, s.v4, null, false), hosts };
  });
  const pool: MixedFrame[] = [];
  for (let i = 0; i < size; i++) {
    const seg = segments[int(segments.length)];
    const h = seg.hosts[int(seg.hosts.length)];
    const other = seg.hosts[int(seg.hosts.length)];
    const peer = int(3) === 0 || other === h ? seg.router : other;
    const vlans = seg.vlans;
    const r = int(100);
    let bytes: Uint8Array;
    if (r < 30) {
      bytes = arpRequest({ ethSrc: h.wireMac, senderMac: h.wireMac, senderIp: h.ipv4, targetIp: peer.ipv4, vlans, padTo: 60 });
    } else if (r < 45) {
      bytes = arpReply({ ethSrc: peer.wireMac, senderMac: peer.wireMac, senderIp: peer.ipv4, targetMac: h.wireMac, targetIp: h.ipv4, vlans, padTo: 60 });
    } else if (r < 47) {
      bytes = arpProbe({ senderMac: h.wireMac, targetIp: h.ipv4, vlans, padTo: 60 });
    } else if (r < 49) {
      bytes = arpAnnouncement({ senderMac: h.wireMac, ip: h.ipv4, vlans, padTo: 60 });
    } else if (r < 69) {
      const multicast = int(2) === 0;
      const target = int(2) === 0 ? peer.linkLocal : peer.global;
      bytes = encodeNdp({
        ethSrc: h.wireMac,
        ethDst: multicast ? undefined : peer.wireMac,
        vlans,
        src: int(3) === 0 ? h.global : h.linkLocal,
        dst: multicast ? solicitedNodeMulticast(target) : target,
        message: { type: 'NS', target },
        options: [{ type: 'source-lladdr', mac: h.ownMac }],
      });
    } else if (r < 85) {
      const target = int(2) === 0 ? peer.linkLocal : peer.global;
      bytes = encodeNdp({
        ethSrc: peer.wireMac,
        ethDst: h.wireMac,
        vlans,
        src: target,
        dst: h.linkLocal,
        message: { type: 'NA', target, solicited: true, override: true, router: peer === seg.router },
        options: [{ type: 'target-lladdr', mac: peer.ownMac }],
      });
    } else if (r < 89) {
      bytes = encodeNdp({
        ethSrc: h.wireMac,
        vlans,
        src: h.linkLocal,
        dst: 'ff02::2',
        message: { type: 'RS' },
        options: [{ type: 'source-lladdr', mac: h.ownMac }],
      });
    } else if (r < 95) {
      const rt = seg.router;
      bytes = encodeNdp({
        ethSrc: rt.wireMac,
        vlans,
        src: rt.linkLocal,
        dst: 'ff02::1',
        message: { type: 'RA', curHopLimit: 64, routerLifetime: 1800 },
        options: [
          { type: 'source-lladdr', mac: rt.ownMac },
          { type: 'mtu', mtu: 1500 },
          { type: 'prefix', prefix: `2001:db8:${segments.indexOf(seg) + 1}::`, prefixLength: 64 },
          { type: 'rdnss', lifetime: 600, servers: [`2001:db8:${segments.indexOf(seg) + 1}::53`] },
        ],
      });
    } else if (r < 96) {
      const rt = seg.router;
      bytes = encodeNdp({
        ethSrc: rt.wireMac,
        ethDst: h.wireMac,
        vlans,
        src: rt.linkLocal,
        dst: h.linkLocal,
        message: { type: 'Redirect', target: peer.linkLocal, destination: peer.global },
        options: [{ type: 'target-lladdr', mac: peer.ownMac }],
      });
    } else {
      bytes = encodeIcmpv6Echo({
        ethSrc: h.wireMac,
        ethDst: peer.wireMac,
        vlans,
        src: h.global,
        dst: peer.global,
        hopLimit: 64,
        identifier: int(65536),
        sequence: int(65536),
        data: new Uint8Array(32),
      });
    }
    pool.push({ bytes, linkType: 1 });
  }
  return pool;
}
