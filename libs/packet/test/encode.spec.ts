import { describe, expect, it } from 'vitest';
import {
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  arpAnnouncement,
  arpProbe,
  arpReply,
  arpRequest,
  classifyFrame,
  decodeFrame,
  encodeArp,
  encodeIcmpv6Echo,
  encodeNdp,
  formatIPv4,
  formatIPv6,
  formatMac,
  icmpv6Checksum,
  ipv6MulticastMac,
  parseIPv6,
  solicitedNodeMulticast,
} from '../src/index';
import { SEED } from './seed';

const HOST = 'c4:17:fe:12:7d:75';
const VM = '00:03:ff:13:7d:75';
const ROUTER = '58:6d:8f:78:ad:40';
const VM_LL = 'fe80::203:ffff:fe13:7d75';
const ROUTER_LL = 'fe80::5a6d:8fff:fe78:ad40';

describe('NDP encoder', () => {
  it('rebuilds the field case NS byte for byte, checksum 0x55bb included', () => {
    const ns = encodeNdp({
      ethSrc: HOST,
      ethDst: ROUTER,
      src: VM_LL,
      dst: ROUTER_LL,
      message: { type: 'NS', target: ROUTER_LL },
      options: [{ type: 'source-lladdr', mac: VM }],
    });
    expect(Buffer.from(ns).toString('hex')).toBe(Buffer.from(SEED.ns).toString('hex'));
  });

  it('computes the checksum the published echo request should have had', () => {
    const message = SEED.echo6.subarray(54);
    expect(icmpv6Checksum(SEED.echo6.subarray(22, 38), SEED.echo6.subarray(38, 54), message)).toBe(0xb998);
  });

  it('round-trips every message type and option through the decoder', () => {
    const rs = classifyFrame(
      decodeFrame(encodeNdp({ ethSrc: VM, src: VM_LL, dst: 'ff02::2', message: { type: 'RS' }, options: [{ type: 'source-lladdr', mac: VM }] })),
    );
    expect(rs).toMatchObject({ type: 'NDP_RS', ethDst: '33:33:00:00:00:02', srcIp: VM_LL, targetIp: null, lladdr: VM, checksumOk: true });

    const raBytes = encodeNdp({
      ethSrc: ROUTER,
      src: ROUTER_LL,
      dst: 'ff02::1',
      message: { type: 'RA', curHopLimit: 64, managed: true, other: true, routerLifetime: 1800, reachableTime: 30000, retransTimer: 1000 },
      options: [
        { type: 'source-lladdr', mac: ROUTER },
        { type: 'mtu', mtu: 1500 },
        { type: 'prefix', prefix: '2001:db8:1::', prefixLength: 64, validLifetime: 86400, preferredLifetime: 14400 },
        { type: 'rdnss', lifetime: 600, servers: ['2001:db8:1::53', '2001:db8:1::54'] },
        { type: 'raw', optionType: 31, data: new Uint8Array(6).fill(0xaa) },
      ],
    });
    const ra = decodeFrame(raBytes);
    expect(ra.error).toBeNull();
    expect(ra.ndp).toMatchObject({ type: 134, curHopLimit: 64, raFlags: 0xc0, routerLifetime: 1800, reachableTime: 30000, retransTimer: 1000, optionCount: 5 });
    expect(ra.ndpOptions.map((o) => o.type)).toEqual([1, 5, 3, 25, 31]);
    expect(ra.ndpOptions[1].mtu).toBe(1500);
    const prefix = ra.ndpOptions[2];
    expect(prefix).toMatchObject({ prefixLength: 64, prefixFlags: 0xc0, validLifetime: 86400, preferredLifetime: 14400 });
    expect(formatIPv6(ra.bytes, prefix.prefixOffset)).toBe('2001:db8:1::');
    const rdnss = ra.ndpOptions[3];
    expect(rdnss).toMatchObject({ lifetime: 600, addressCount: 2 });
    expect(formatIPv6(ra.bytes, rdnss.addressesOffset + 16)).toBe('2001:db8:1::54');
    expect(ra.ndpOptions[4].length).toBe(8);
    expect(classifyFrame(ra)).toMatchObject({ type: 'NDP_RA', srcIp: ROUTER_LL, lladdr: ROUTER, checksumOk: true });

    const na = classifyFrame(
      decodeFrame(
        encodeNdp({
          ethSrc: ROUTER,
          ethDst: VM,
          src: ROUTER_LL,
          dst: VM_LL,
          message: { type: 'NA', target: ROUTER_LL, router: true, solicited: true, override: true },
          options: [{ type: 'target-lladdr', mac: ROUTER }],
        }),
      ),
    );
    expect(na).toMatchObject({ type: 'NDP_NA', targetIp: ROUTER_LL, lladdr: ROUTER, naFlags: 0x7, checksumOk: true });
    const naS = classifyFrame(
      decodeFrame(encodeNdp({ ethSrc: ROUTER, ethDst: VM, src: ROUTER_LL, dst: VM_LL, message: { type: 'NA', target: ROUTER_LL, solicited: true } })),
    );
    expect(naS).toMatchObject({ naFlags: 0x2, lladdr: null });

    const redirectBytes = encodeNdp({
      ethSrc: ROUTER,
      ethDst: VM,
      src: ROUTER_LL,
      dst: VM_LL,
      message: { type: 'Redirect', target: 'fe80::1', destination: '2001:db8:2::9' },
      options: [
        { type: 'target-lladdr', mac: '00:00:5e:00:53:01' },
        { type: 'redirected-header', packet: new Uint8Array(48).fill(0x60) },
      ],
    });
    const redirect = decodeFrame(redirectBytes);
    expect(redirect.error).toBeNull();
    expect(formatIPv6(redirect.bytes, redirect.ndp!.destinationOffset)).toBe('2001:db8:2::9');
    expect(classifyFrame(redirect)).toMatchObject({ type: 'NDP_REDIRECT', targetIp: 'fe80::1', lladdr: '00:00:5e:00:53:01', checksumOk: true });
  });

  it('defaults the Ethernet destination of a multicast NS to the solicited-node group MAC', () => {
    expect(solicitedNodeMulticast(ROUTER_LL)).toBe('ff02::1:ff78:ad40');
    expect(ipv6MulticastMac('ff02::1:ff78:ad40')).toBe('33:33:ff:78:ad:40');
    const dad = classifyFrame(
      decodeFrame(encodeNdp({ ethSrc: VM, src: '::', dst: solicitedNodeMulticast(VM_LL), message: { type: 'NS', target: VM_LL } })),
    );
    expect(dad).toMatchObject({ type: 'NDP_NS', ethDst: '33:33:ff:13:7d:75', srcIp: '::', targetIp: VM_LL, lladdr: null });
  });

  it('writes a forced bad checksum that the decoder reports', () => {
    const f = decodeFrame(encodeNdp({ ethSrc: VM, src: VM_LL, dst: 'ff02::2', message: { type: 'RS' }, checksum: 0x1234 }));
    expect(f.icmpv6).toMatchObject({ checksum: 0x1234, checksumOk: false });
    expect(classifyFrame(f)!.checksumOk).toBe(false);
  });

  it('encodes an ICMPv6 echo that verifies and is not NDP', () => {
    const f = decodeFrame(encodeIcmpv6Echo({ ethSrc: VM, ethDst: ROUTER, src: VM_LL, dst: ROUTER_LL, identifier: 7, sequence: 9, data: new Uint8Array(13) }));
    expect(f.icmpv6).toMatchObject({ type: 128, checksumOk: true, length: 21 });
    expect(classifyFrame(f)).toBeNull();
  });
});

describe('ARP encoder', () => {
  it('round-trips requests, replies, probes and announcements', () => {
    const req = classifyFrame(decodeFrame(arpRequest({ senderMac: VM, senderIp: '192.0.2.104', targetIp: '192.0.2.1' })));
    expect(req).toMatchObject({
      type: 'ARP_REQUEST',
      ethSrc: VM,
      ethDst: 'ff:ff:ff:ff:ff:ff',
      srcIp: '192.0.2.104',
      targetIp: '192.0.2.1',
      lladdr: VM,
      checksumOk: null,
      naFlags: 0,
    });
    const rep = classifyFrame(decodeFrame(arpReply({ senderMac: ROUTER, senderIp: '192.0.2.1', targetMac: VM, targetIp: '192.0.2.104' })));
    expect(rep).toMatchObject({ type: 'ARP_REPLY', ethDst: VM, srcIp: '192.0.2.1', lladdr: ROUTER });
    const probe = classifyFrame(decodeFrame(arpProbe({ senderMac: VM, targetIp: '192.0.2.104' })));
    expect(probe).toMatchObject({ type: 'ARP_PROBE', srcIp: '0.0.0.0', targetIp: '192.0.2.104' });
    const ann = classifyFrame(decodeFrame(arpAnnouncement({ senderMac: VM, ip: '192.0.2.104' })));
    expect(ann).toMatchObject({ type: 'ARP_ANNOUNCEMENT', srcIp: '192.0.2.104', targetIp: '192.0.2.104' });
    const annReply = classifyFrame(decodeFrame(arpAnnouncement({ senderMac: VM, ip: '192.0.2.104', reply: true })));
    expect(annReply).toMatchObject({ type: 'ARP_ANNOUNCEMENT' });
  });

  it('keeps the sender hardware address apart from the Ethernet source (what a MAC-NAT bridge changes)', () => {
    const f = decodeFrame(arpRequest({ ethSrc: HOST, senderMac: VM, senderIp: '192.0.2.104', targetIp: '192.0.2.1', padTo: 60 }));
    expect(f.bytes.length).toBe(60);
    expect(formatMac(f.bytes, f.ethernet!.srcOffset)).toBe(HOST);
    expect(formatMac(f.bytes, f.arp!.senderHwOffset)).toBe(VM);
    expect(formatIPv4(f.bytes, f.arp!.targetIpOffset)).toBe('192.0.2.1');
    expect(classifyFrame(f)).toMatchObject({ ethSrc: HOST, lladdr: VM });
  });
});

describe('link layers', () => {
  const ns = {
    ethSrc: HOST,
    ethDst: ROUTER,
    src: VM_LL,
    dst: ROUTER_LL,
    message: { type: 'NS' as const, target: ROUTER_LL },
    options: [{ type: 'source-lladdr' as const, mac: VM }],
  };

  it('decodes 802.1Q and QinQ tags (0x8100, 0x88a8, 0x9100) and reports the outermost id', () => {
    const f = decodeFrame(encodeNdp({ ...ns, vlans: [{ id: 100, tpid: 0x88a8, pcp: 5 }, { id: 200, dei: 1 }] }));
    expect(f.error).toBeNull();
    expect(f.layers.map((l) => l.name).slice(0, 3)).toEqual(['ethernet', 'vlan', 'vlan']);
    expect(f.vlans.map((v) => [v.tpid, v.id, v.pcp, v.dei])).toEqual([
      [0x88a8, 100, 5, 0],
      [0x8100, 200, 0, 1],
    ]);
    expect(f.icmpv6!.checksumOk).toBe(true);
    expect(classifyFrame(f)).toMatchObject({ vlan: 100, lladdr: VM });
    const old = decodeFrame(arpRequest({ senderMac: VM, senderIp: '192.0.2.2', targetIp: '192.0.2.1', vlans: [{ id: 7, tpid: 0x9100 }, 8] }));
    expect(old.vlans.map((v) => v.id)).toEqual([7, 8]);
    expect(classifyFrame(old)).toMatchObject({ type: 'ARP_REQUEST', vlan: 7 });
  });

  it('decodes Linux cooked captures (SLL 113 and SLL2 276), with the source and direction', () => {
    const sll = decodeFrame(encodeNdp({ ...ns, link: 'sll', sllPacketType: 4 }), LINKTYPE_LINUX_SLL);
    expect(sll.error).toBeNull();
    expect(sll.sll).toMatchObject({ name: 'sll', packetType: 4, arphrdType: 1, addrLength: 6, protocol: 0x86dd, interfaceIndex: -1 });
    expect(classifyFrame(sll)).toMatchObject({ type: 'NDP_NS', ethSrc: HOST, ethDst: '', lladdr: VM, sllPacketType: 4, checksumOk: true });
    const sll2 = decodeFrame(arpRequest({ senderMac: VM, senderIp: '192.0.2.2', targetIp: '192.0.2.1', link: 'sll2', ifIndex: 3, sllPacketType: 1 }), LINKTYPE_LINUX_SLL2);
    expect(sll2.sll).toMatchObject({ name: 'sll2', packetType: 1, interfaceIndex: 3, protocol: 0x0806 });
    expect(classifyFrame(sll2)).toMatchObject({ type: 'ARP_REQUEST', ethSrc: VM, sllPacketType: 1 });
    const tagged = decodeFrame(encodeNdp({ ...ns, link: 'sll', vlans: [42] }), LINKTYPE_LINUX_SLL);
    expect(classifyFrame(tagged)).toMatchObject({ vlan: 42, type: 'NDP_NS' });
  });

  it('reports a link type it cannot decode as unsupported', () => {
    const f = decodeFrame(SEED.ns, 105);
    expect(f.error).toMatchObject({ kind: 'unsupported', layer: 'link', offset: 0 });
    expect(f.layers).toEqual([]);
  });
});

describe('IPv6 extension headers (RFC 8200 §4)', () => {
  const base = { ethSrc: VM, ethDst: ROUTER, src: VM_LL, dst: ROUTER_LL, message: { type: 'NS' as const, target: ROUTER_LL } };

  it('skips hop-by-hop, destination options, routing and an atomic fragment to reach the NS', () => {
    const f = decodeFrame(
      encodeNdp({
        ...base,
        extensionHeaders: [{ type: 'hop-by-hop' }, { type: 'destination', length: 16 }, { type: 'routing', length: 8 }, { type: 'fragment' }],
      }),
    );
    expect(f.error).toBeNull();
    expect(f.ipv6Extensions.map((e) => [e.headerType, e.length])).toEqual([
      [0, 8],
      [60, 16],
      [43, 8],
      [44, 8],
    ]);
    expect(f.ipv6!.upperProtocol).toBe(58);
    expect(f.icmpv6!.checksumOk).toBe(true);
    expect(classifyFrame(f)!.type).toBe('NDP_NS');
  });

  it('stops at a non-first fragment without an error and without ICMPv6', () => {
    const f = decodeFrame(encodeNdp({ ...base, extensionHeaders: [{ type: 'fragment', fragmentOffset: 1232 }] }));
    expect(f.error).toBeNull();
    expect(f.ipv6!.nonFirstFragment).toBe(true);
    expect(f.ipv6Extensions[0]).toMatchObject({ fragmentOffset: 1232, moreFragments: false });
    expect(f.icmpv6).toBeNull();
    expect(classifyFrame(f)).toBeNull();
  });

  it('reports a first fragment of a fragmented packet as unsupported', () => {
    const f = decodeFrame(encodeNdp({ ...base, extensionHeaders: [{ type: 'fragment', moreFragments: true }] }));
    expect(f.error).toMatchObject({ kind: 'unsupported', layer: 'ipv6-ext' });
    expect(f.layers.map((l) => l.name)).toEqual(['ethernet', 'ipv6', 'ipv6-ext']);
  });

  it('checksums against the final destination when a routing header has segments left (RFC 8200 §8.1)', () => {
    const frame = encodeIcmpv6Echo({
      ethSrc: VM,
      ethDst: ROUTER,
      src: '2001:db8::5',
      dst: '2001:db8::1',
      hopLimit: 64,
      extensionHeaders: [{ type: 'routing', routingType: 0, segmentsLeft: 1, length: 24 }],
    });
    const routing = 14 + 40;
    const finalDst = parseIPv6('2001:db8::99')!;
    frame.set(finalDst, routing + 8); // the one address in the type 0 header
    const message = frame.subarray(routing + 24);
    const sum = icmpv6Checksum('2001:db8::5', finalDst, message);
    message[2] = sum >> 8;
    message[3] = sum & 0xff;
    const f = decodeFrame(frame);
    expect(f.ipv6Extensions[0]).toMatchObject({ headerType: 43, length: 24 });
    expect(f.icmpv6).toMatchObject({ type: 128, checksumOk: true });
    // The same bytes checked against the first-hop destination would not verify.
    expect(icmpv6Checksum('2001:db8::5', '2001:db8::1', message)).not.toBe(sum);
  });

  it('rejects hop-by-hop options anywhere but first', () => {
    const f = decodeFrame(encodeNdp({ ...base, extensionHeaders: [{ type: 'destination' }, { type: 'hop-by-hop' }] }));
    expect(f.error).toMatchObject({ kind: 'malformed', layer: 'ipv6-ext', offset: 62 });
  });
});

describe('encoder input checks', () => {
  it('throws on addresses that do not parse and VLAN ids out of range', () => {
    expect(() => arpRequest({ senderMac: 'nope', senderIp: '192.0.2.1', targetIp: '192.0.2.2' })).toThrow(/MAC/);
    expect(() => arpRequest({ senderMac: VM, senderIp: '300.0.0.1', targetIp: '192.0.2.2' })).toThrow(/IPv4/);
    expect(() => encodeArp({ operation: 1, senderMac: VM, senderIp: '192.0.2.1', targetIp: '192.0.2.2', vlans: [4096] })).toThrow(RangeError);
    expect(() => encodeNdp({ ethSrc: VM, src: VM_LL, dst: ROUTER_LL, message: { type: 'RS' } })).toThrow(/ethDst/);
  });
});

describe('link type names', () => {
  it('maps libpcap and cap names to link types', async () => {
    const { linkTypeFromName } = await import('../src/index');
    expect(linkTypeFromName('ETHERNET')).toBe(1);
    expect(linkTypeFromName('EN10MB')).toBe(1);
    expect(linkTypeFromName('LINUX_SLL')).toBe(LINKTYPE_LINUX_SLL);
    expect(linkTypeFromName('DLT_LINUX_SLL2')).toBe(LINKTYPE_LINUX_SLL2);
    expect(linkTypeFromName('IEEE802_11')).toBe(-1);
  });
});
