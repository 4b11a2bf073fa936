/**
 * The field case at three vantage points, as the lab builds it: a VM bridged through a host
 * whose uplink rewrites the Ethernet source and ARP sender (ebtables snat --snat-arp) and
 * leaves NDP options alone, and a router. Frames are encoded by libs/packet and classified
 * by it; each vantage point sees what its capture would see.
 */
import type { NeighborCacheEntry, NeighborObservation, NodeInventory } from '@neighwatch/model';
import { arpReply, arpRequest, encodeNdp } from '@neighwatch/packet';
import { FIELD, observation, T0_US } from './frames';

export const VM_PORT_MAC = 'fe:54:00:6a:11:02';

export const INVENTORIES: NodeInventory[] = [
  {
    node: 'vm',
    timeUs: T0_US,
    interfaces: [
      { name: 'lo', mac: null, kind: 'loopback', bridgeMaster: null, addresses: ['127.0.0.1', '::1'] },
      { name: 'eth0', mac: FIELD.vmMac, kind: 'physical', bridgeMaster: null, addresses: [FIELD.vmIpv4, FIELD.vmLinkLocal, FIELD.vmGlobal] },
    ],
  },
  {
    node: 'host',
    timeUs: T0_US,
    interfaces: [
      { name: 'eth0', mac: FIELD.hostMac, kind: 'wireless', bridgeMaster: 'br0', addresses: [] },
      { name: 'vnet0', mac: VM_PORT_MAC, kind: 'tap', bridgeMaster: 'br0', addresses: [] },
      { name: 'br0', mac: FIELD.hostMac, kind: 'bridge', bridgeMaster: null, addresses: [FIELD.hostIpv4, FIELD.hostLinkLocal] },
    ],
  },
  {
    node: 'router',
    timeUs: T0_US,
    interfaces: [{ name: 'eth0', mac: FIELD.routerMac, kind: 'physical', bridgeMaster: null, addresses: [FIELD.routerIpv4, FIELD.routerLinkLocal] }],
  },
];

/** Seconds of clock-corrected time between the VM sending a frame and each point seeing it. */
const PATH = [
  { node: 'vm', iface: 'eth0', direction: 'sent', delay: 0 },
  { node: 'host', iface: 'vnet0', direction: 'received', delay: 0.00002 },
  { node: 'host', iface: 'eth0', direction: 'sent', delay: 0.00004 },
  { node: 'router', iface: 'eth0', direction: 'received', delay: 0.0003 },
] as const;

/**
 * The VM's NS for the router and its ARP request for the router, sent at `at` seconds, as
 * seen at every point. `rewriting`: the Wi-Fi bridge's MAC NAT on the host's uplink
 * (false: the wired variant, nothing rewritten).
 */
export function vmFramesEverywhere(at: number, rewriting: boolean): NeighborObservation[] {
  const out: NeighborObservation[] = [];
  for (const point of PATH) {
    const rewritten = rewriting && (point.iface === 'eth0' && point.node !== 'vm');
    const ethSrc = rewritten ? FIELD.hostMac : FIELD.vmMac;
    const where = { node: point.node, iface: point.iface, direction: point.direction, at: at + point.delay };
    out.push(
      observation(
        encodeNdp({
          ethSrc,
          ethDst: FIELD.routerMac,
          src: FIELD.vmLinkLocal,
          dst: FIELD.routerLinkLocal,
          message: { type: 'NS', target: FIELD.routerLinkLocal },
          options: [{ type: 'source-lladdr', mac: FIELD.vmMac }],
        }),
        where,
      ),
    );
    out.push(
      observation(
        arpRequest({ ethSrc, senderMac: ethSrc, senderIp: FIELD.vmIpv4, targetIp: FIELD.routerIpv4 }),
        { ...where, at: where.at + 0.5 },
      ),
    );
  }
  return out;
}

/** The router's ARP reply to the VM, seen everywhere: nothing rewrites it. */
export function routerReplyEverywhere(at: number): NeighborObservation[] {
  const frame = arpReply({ senderMac: FIELD.routerMac, senderIp: FIELD.routerIpv4, targetMac: FIELD.vmMac, targetIp: FIELD.vmIpv4 });
  return [
    observation(frame, { node: 'router', iface: 'eth0', direction: 'sent', at }),
    observation(frame, { node: 'host', iface: 'eth0', direction: 'received', at: at + 0.0003 }),
    observation(frame, { node: 'host', iface: 'vnet0', direction: 'received', at: at + 0.00032 }),
    observation(frame, { node: 'vm', iface: 'eth0', direction: 'received', at: at + 0.00034 }),
  ];
}

/** The router's neighbor cache: IPv4 at whatever the ARP taught it, IPv6 at the SLLAO. */
export function routerCache(at: number, rewriting: boolean): NeighborCacheEntry[] {
  const timeUs = T0_US + Math.round(at * 1_000_000);
  return [
    { observer: 'router', iface: 'eth0', ip: FIELD.vmIpv4, mac: rewriting ? FIELD.hostMac : FIELD.vmMac, state: 'reachable', timeUs },
    { observer: 'router', iface: 'eth0', ip: FIELD.vmLinkLocal, mac: FIELD.vmMac, state: 'stale', timeUs },
    { observer: 'router', iface: 'eth0', ip: FIELD.hostIpv4, mac: FIELD.hostMac, state: 'reachable', timeUs },
  ];
}
