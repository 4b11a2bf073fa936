/** Real and encoded ARP/NDP frames of every kind: the fuzzer's and the benchmark's starting points. */
import {
  LINKTYPE_ETHERNET,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  arpAnnouncement,
  arpProbe,
  arpReply,
  arpRequest,
  encodeIcmpv6Echo,
  encodeNdp,
} from '../src/index';
import { SEED } from './seed';

const VM = '00:03:ff:13:7d:75';
const HOST = 'c4:17:fe:12:7d:75';
const ROUTER = '58:6d:8f:78:ad:40';
const VM_LL = 'fe80::203:ffff:fe13:7d75';
const ROUTER_LL = 'fe80::5a6d:8fff:fe78:ad40';

export interface CorpusFrame {
  name: string;
  linkType: number;
  bytes: Uint8Array;
}

export function corpus(): CorpusFrame[] {
  const eth = (name: string, bytes: Uint8Array): CorpusFrame => ({ name, linkType: LINKTYPE_ETHERNET, bytes });
  const ra = {
    ethSrc: ROUTER,
    src: ROUTER_LL,
    dst: 'ff02::1',
    message: { type: 'RA' as const, curHopLimit: 64, managed: true },
    options: [
      { type: 'source-lladdr' as const, mac: ROUTER },
      { type: 'mtu' as const, mtu: 1500 },
      { type: 'prefix' as const, prefix: '2001:db8:1::', prefixLength: 64 },
      { type: 'rdnss' as const, lifetime: 600, servers: ['2001:db8:1::53'] },
    ],
  };
  const ns = {
    ethSrc: HOST,
    ethDst: ROUTER,
    src: VM_LL,
    dst: ROUTER_LL,
    message: { type: 'NS' as const, target: ROUTER_LL },
    options: [{ type: 'source-lladdr' as const, mac: VM }],
  };
  return [
    eth('seed-ns', SEED.ns),
    eth('seed-echo6', SEED.echo6),
    eth('seed-ipv4', SEED.ipv4Request),
    eth('arp-request', arpRequest({ senderMac: VM, senderIp: '192.0.2.104', targetIp: '192.0.2.1', padTo: 60 })),
    eth('arp-reply', arpReply({ senderMac: ROUTER, senderIp: '192.0.2.1', targetMac: VM, targetIp: '192.0.2.104' })),
    eth('arp-probe', arpProbe({ senderMac: VM, targetIp: '192.0.2.104', vlans: [10] })),
    eth('arp-announcement', arpAnnouncement({ senderMac: VM, ip: '192.0.2.104', vlans: [{ id: 100, tpid: 0x88a8 }, 20] })),
    eth('ndp-rs', encodeNdp({ ethSrc: VM, src: VM_LL, dst: 'ff02::2', message: { type: 'RS' }, options: [{ type: 'source-lladdr', mac: VM }] })),
    eth('ndp-ra', encodeNdp(ra)),
    eth('ndp-ns-qinq', encodeNdp({ ...ns, vlans: [{ id: 300, tpid: 0x9100 }, 30] })),
    eth('ndp-ns-ext', encodeNdp({ ...ns, extensionHeaders: [{ type: 'hop-by-hop' }, { type: 'destination', length: 16 }, { type: 'fragment' }] })),
    eth(
      'ndp-na',
      encodeNdp({
        ethSrc: ROUTER,
        ethDst: HOST,
        src: ROUTER_LL,
        dst: VM_LL,
        message: { type: 'NA', target: ROUTER_LL, router: true, solicited: true },
        options: [{ type: 'target-lladdr', mac: ROUTER }],
      }),
    ),
    eth(
      'ndp-redirect',
      encodeNdp({
        ethSrc: ROUTER,
        ethDst: VM,
        src: ROUTER_LL,
        dst: VM_LL,
        message: { type: 'Redirect', target: 'fe80::1', destination: '2001:db8:2::9' },
        options: [
          { type: 'target-lladdr', mac: '00:00:5e:00:53:01' },
          { type: 'redirected-header', packet: SEED.echo6.subarray(14, 62) },
        ],
      }),
    ),
    eth('icmpv6-echo', encodeIcmpv6Echo({ ethSrc: VM, ethDst: ROUTER, src: VM_LL, dst: ROUTER_LL, data: new Uint8Array(16) })),
    { name: 'sll-ra', linkType: LINKTYPE_LINUX_SLL, bytes: encodeNdp({ ...ra, link: 'sll', sllPacketType: 4 }) },
    { name: 'sll2-arp', linkType: LINKTYPE_LINUX_SLL2, bytes: arpRequest({ senderMac: VM, senderIp: '192.0.2.104', targetIp: '192.0.2.1', link: 'sll2' }) },
    { name: 'sll-ns-vlan', linkType: LINKTYPE_LINUX_SLL, bytes: encodeNdp({ ...ns, link: 'sll', vlans: [5] }) },
  ];
}
