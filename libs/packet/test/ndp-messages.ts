/** The NDP and ARP messages of fixtures/ndp-messages.pcap (one of each kind, with options). */
import { arpAnnouncement, arpProbe, arpReply, encodeNdp } from '../src/index';

const ROUTER = '58:6d:8f:78:ad:40';
const VM = '00:03:ff:13:7d:75';
const ROUTER_LL = 'fe80::5a6d:8fff:fe78:ad40';
const VM_LL = 'fe80::203:ffff:fe13:7d75';

export function ndpMessages(): Uint8Array[] {
  return [
    encodeNdp({
      ethSrc: ROUTER,
      vlans: [10],
      src: ROUTER_LL,
      dst: 'ff02::1',
      message: { type: 'RA', curHopLimit: 64, managed: true, routerLifetime: 1800, reachableTime: 30000, retransTimer: 1000 },
      options: [
        { type: 'source-lladdr', mac: ROUTER },
        { type: 'mtu', mtu: 1500 },
        { type: 'prefix', prefix: '2001:db8:1::', prefixLength: 64 },
        { type: 'rdnss', lifetime: 600, servers: ['2001:db8:1::53', '2001:db8:1::54'] },
      ],
    }),
    encodeNdp({
      ethSrc: ROUTER,
      ethDst: VM,
      src: ROUTER_LL,
      dst: VM_LL,
      message: { type: 'NA', target: ROUTER_LL, router: true, solicited: true, override: true },
      options: [{ type: 'target-lladdr', mac: ROUTER }],
    }),
    encodeNdp({
      ethSrc: ROUTER,
      ethDst: VM,
      src: ROUTER_LL,
      dst: VM_LL,
      message: { type: 'Redirect', target: 'fe80::1', destination: '2001:db8:2::9' },
      options: [{ type: 'target-lladdr', mac: '00:00:5e:00:53:01' }],
    }),
    encodeNdp({ ethSrc: VM, src: VM_LL, dst: 'ff02::2', message: { type: 'RS' }, options: [{ type: 'source-lladdr', mac: VM }] }),
    arpProbe({ senderMac: VM, targetIp: '192.0.2.104' }),
    arpReply({ senderMac: ROUTER, senderIp: '192.0.2.1', targetMac: VM, targetIp: '192.0.2.104' }),
    arpAnnouncement({ senderMac: VM, ip: '192.0.2.104' }),
  ];
}
