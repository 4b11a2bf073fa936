/**
 * Writes a capture of mixed frames for the `analyze` benchmark:
 *
 *   npx tsx bench/analyze-gen.ts --frames 1000000 -o bench/out/analyze-mixed-1m.pcap
 *
 * 750 hosts and a router on one link (documentation ranges only): ARP requests and
 * replies, NS/NA with link-layer options, RS/RA, some 802.1Q-tagged frames, ~10 % of
 * frames that are not ARP/NDP (ICMPv4/ICMPv6 echo), and a few hosts behind a MAC-rewriting
 * bridge (the field case), so findings with bounded evidence show up. Deterministic.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  arpReply,
  arpRequest,
  encodeIcmpv6Echo,
  encodeNdp,
  eui64Address,
  PcapWriter,
  solicitedNodeMulticast,
} from '@neighwatch/packet';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

const total = Number(arg('--frames', '1000000'));
const out = arg('-o', 'bench/out/analyze-mixed-1m.pcap');
/** Hosts, numbered into the three IPv4 documentation ranges (250 each). */
const HOSTS = 750;
const ROUTER_MAC = '02:00:5e:00:00:01';
const ROUTER_V4 = '192.0.2.1';
const ROUTER_LL = eui64Address('fe80::', ROUTER_MAC);

function hostMac(i: number): string {
  return `02:42:ac:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}:01`;
}
const V4_RANGES = ['192.0.2', '198.51.100', '203.0.113'];
function hostV4(i: number): string {
  return `${V4_RANGES[Math.floor(i / 250)]}.${(i % 250) + 2}`;
}

// A pool of distinct frames, cycled with increasing timestamps.
const pool: Uint8Array[] = [];
for (let i = 0; i < HOSTS; i++) {
  const mac = hostMac(i);
  const v4 = hostV4(i);
  const ll = eui64Address('fe80::', mac);
  // Every 100th host sits behind a Wi-Fi bridge that rewrites the Ethernet source.
  const wire = i % 100 === 7 ? '02:42:ac:ff:ff:01' : mac;
  const vlans = i % 10 === 3 ? [100] : undefined;
  pool.push(arpRequest({ ethSrc: wire, senderMac: wire, senderIp: v4, targetIp: ROUTER_V4, vlans }));
  pool.push(arpReply({ senderMac: ROUTER_MAC, senderIp: ROUTER_V4, targetMac: mac, targetIp: v4, vlans }));
  pool.push(
    encodeNdp({
      ethSrc: wire,
      src: ll,
      dst: solicitedNodeMulticast(ROUTER_LL),
      message: { type: 'NS', target: ROUTER_LL },
      options: [{ type: 'source-lladdr', mac }],
      vlans,
    }),
  );
  pool.push(
    encodeNdp({
      ethSrc: ROUTER_MAC,
      ethDst: mac,
      src: ROUTER_LL,
      dst: ll,
      message: { type: 'NA', target: ROUTER_LL, router: true, solicited: true, override: true },
      options: [{ type: 'target-lladdr', mac: ROUTER_MAC }],
      vlans,
    }),
  );
  pool.push(encodeNdp({ ethSrc: wire, src: ll, dst: 'ff02::2', message: { type: 'RS' }, options: [{ type: 'source-lladdr', mac }] }));
  pool.push(
    encodeNdp({
      ethSrc: ROUTER_MAC,
      src: ROUTER_LL,
      dst: 'ff02::1',
      message: { type: 'RA' },
      options: [
        { type: 'source-lladdr', mac: ROUTER_MAC },
        { type: 'prefix', prefix: '2001:db8:1::', prefixLength: 64 },
        { type: 'mtu', mtu: 1500 },
      ],
    }),
  );
  pool.push(
    encodeNdp({
      ethSrc: mac,
      src: ll,
      dst: 'ff02::1',
      message: { type: 'NA', target: ll, override: true },
      options: [{ type: 'target-lladdr', mac }],
    }),
  );
  pool.push(
    encodeNdp({
      ethSrc: ROUTER_MAC,
      ethDst: mac,
      src: ROUTER_LL,
      dst: ll,
      message: { type: 'NS', target: ll },
      options: [{ type: 'source-lladdr', mac: ROUTER_MAC }],
    }),
  );
  pool.push(encodeIcmpv6Echo({ ethSrc: mac, ethDst: ROUTER_MAC, src: eui64Address('2001:db8:1::', mac), dst: '2001:db8:2::1' }));
}

mkdirSync(dirname(out), { recursive: true });
const writer = new PcapWriter(out);
const t0 = Date.UTC(2026, 0, 1) * 1000;
for (let n = 0; n < total; n++) {
  // Hosts interleave (i), message kinds cycle within each host's slot.
  const host = n % HOSTS;
  const kind = Math.floor(n / HOSTS) % 9;
  writer.write({ data: pool[host * 9 + kind], timestampUs: t0 + n * 200 });
}
writer.close();
process.stdout.write(`wrote ${out}: ${total} frames\n`);
