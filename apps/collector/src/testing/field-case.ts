/**
 * The field case as three agents report it: a VM bridged through a host whose Wi-Fi
 * uplink rewrites the Ethernet source and the ARP sender hardware address (MAC NAT) but
 * leaves the NDP link-layer options alone, and a router. Frames are encoded with
 * @neighwatch/packet; each vantage point gets what its capture would see. Addresses are
 * the published ones (MACs, link-local) on documentation ranges (192.0.2.0/24, 2001:db8::/32).
 */
import { arpReply, arpRequest, encodeNdp, parseIPv4, parseIPv6, parseMac } from '@neighwatch/packet';
import type { Inventory, NeighborSnapshot, Observation } from '@neighwatch/proto';
import { observationOf } from './frames';

export const FIELD = {
  hostMac: 'c4:17:fe:12:7d:75',
  vmMac: '00:03:ff:13:7d:75',
  routerMac: '58:6d:8f:78:ad:40',
  vmPortMac: 'fe:54:00:6a:11:02',
  vmIpv4: '192.0.2.104',
  hostIpv4: '192.0.2.10',
  routerIpv4: '192.0.2.1',
  vmLinkLocal: 'fe80::203:ffff:fe13:7d75',
  vmGlobal: '2001:db8:192:168:203:ffff:fe13:7d75',
  hostLinkLocal: 'fe80::c617:feff:fe12:7d75',
  routerLinkLocal: 'fe80::5a6d:8fff:fe78:ad40',
};

const mac = (text: string) => Buffer.from(parseMac(text)!);
const ip = (text: string) => Buffer.from(text.includes(':') ? parseIPv6(text)! : parseIPv4(text)!);
const address = (text: string, prefixLength: number) => ({ ip: ip(text), prefixLength });

type Kind = 'INTERFACE_KIND_PHYSICAL' | 'INTERFACE_KIND_WIRELESS' | 'INTERFACE_KIND_BRIDGE' | 'INTERFACE_KIND_TAP';
const itf = (name: string, m: string, kind: Kind, bridgeMaster: string, addresses: { ip: Buffer; prefixLength: number }[]) => ({
  name,
  index: 1,
  mac: mac(m),
  kind,
  bridgeMaster,
  up: true,
  mtu: 1500,
  addresses,
  vlanId: 0,
  vlanParent: '',
});

export function inventories(agentTimeUs: (node: string) => number): Record<'vm' | 'host' | 'router', Inventory> {
  return {
    vm: {
      agentTimeUs: agentTimeUs('vm'),
      interfaces: [itf('eth0', FIELD.vmMac, 'INTERFACE_KIND_PHYSICAL', '', [address(FIELD.vmIpv4, 24), address(FIELD.vmLinkLocal, 64), address(FIELD.vmGlobal, 64)])],
    },
    host: {
      agentTimeUs: agentTimeUs('host'),
      interfaces: [
        itf('eth0', FIELD.hostMac, 'INTERFACE_KIND_WIRELESS', 'br0', []),
        itf('vnet0', FIELD.vmPortMac, 'INTERFACE_KIND_TAP', 'br0', []),
        itf('br0', FIELD.hostMac, 'INTERFACE_KIND_BRIDGE', '', [address(FIELD.hostIpv4, 24), address(FIELD.hostLinkLocal, 64)]),
      ],
    },
    router: {
      agentTimeUs: agentTimeUs('router'),
      interfaces: [itf('eth0', FIELD.routerMac, 'INTERFACE_KIND_PHYSICAL', '', [address(FIELD.routerIpv4, 24), address(FIELD.routerLinkLocal, 64)])],
    },
  };
}

/** Where each vantage point sits on the VM's path to the router, and how late it sees a frame. */
const PATH = [
  { node: 'vm', iface: 'eth0', direction: 'sent', delayUs: 0, rewritten: false },
  { node: 'host', iface: 'vnet0', direction: 'received', delayUs: 20, rewritten: false },
  { node: 'host', iface: 'eth0', direction: 'sent', delayUs: 40, rewritten: true },
  { node: 'router', iface: 'eth0', direction: 'received', delayUs: 300, rewritten: true },
] as const;

/**
 * The VM's NS and ARP request for the router at `atUs` (true time), and the router's ARP
 * reply, as each node's agent reports them: capture times on each agent's own clock
 * (`skewUs[node]` ahead of true time), sequences from `nextSequence`.
 */
export function observations(atUs: number, skewUs: Record<string, number>, nextSequence: Record<string, number>): Record<string, Observation[]> {
  const out: Record<string, Observation[]> = { vm: [], host: [], router: [] };
  const push = (node: string, frame: Uint8Array, iface: string, direction: 'sent' | 'received', trueTimeUs: number) => {
    out[node].push(observationOf(frame, { sequence: nextSequence[node]++, timeUs: trueTimeUs + (skewUs[node] ?? 0), iface, direction }));
  };
  for (const point of PATH) {
    const ethSrc = point.rewritten ? FIELD.hostMac : FIELD.vmMac;
    const ns = encodeNdp({
      ethSrc,
      ethDst: FIELD.routerMac,
      src: FIELD.vmLinkLocal,
      dst: FIELD.routerLinkLocal,
      message: { type: 'NS', target: FIELD.routerLinkLocal },
      // The Wi-Fi bridge leaves this option alone: it still names the VM's MAC.
      options: [{ type: 'source-lladdr', mac: FIELD.vmMac }],
    });
    push(point.node, ns, point.iface, point.direction, atUs + point.delayUs);
    // snat --snat-arp rewrites the ARP sender hardware address along with the Ethernet source.
    const arp = arpRequest({ ethSrc, senderMac: ethSrc, senderIp: FIELD.vmIpv4, targetIp: FIELD.routerIpv4 });
    push(point.node, arp, point.iface, point.direction, atUs + 500_000 + point.delayUs);
  }
  const reply = arpReply({ senderMac: FIELD.routerMac, senderIp: FIELD.routerIpv4, targetMac: FIELD.vmMac, targetIp: FIELD.vmIpv4 });
  push('router', reply, 'eth0', 'sent', atUs + 600_000);
  push('host', reply, 'eth0', 'received', atUs + 600_300);
  push('host', reply, 'vnet0', 'received', atUs + 600_320);
  push('vm', reply, 'eth0', 'received', atUs + 600_340);
  return out;
}

/** The router's neighbor cache: the VM's IPv4 at the host's MAC (ARP was rewritten), its IPv6 at the VM's MAC (the stale SLLAO). */
export function routerNeighbors(agentTimeUs: number): NeighborSnapshot {
  const entry = (addr: string, m: string, state: 'NEIGHBOR_STATE_REACHABLE' | 'NEIGHBOR_STATE_STALE') => ({
    interface: 'eth0',
    ip: ip(addr),
    mac: mac(m),
    state,
    router: false,
    removed: false,
  });
  return {
    agentTimeUs,
    full: true,
    entries: [
      entry(FIELD.vmIpv4, FIELD.hostMac, 'NEIGHBOR_STATE_REACHABLE'),
      entry(FIELD.vmLinkLocal, FIELD.vmMac, 'NEIGHBOR_STATE_STALE'),
      entry(FIELD.hostIpv4, FIELD.hostMac, 'NEIGHBOR_STATE_REACHABLE'),
    ],
  };
}
