/**
 * The field case played by three agents over the real Ingest path: the VM's Neighbor
 * Solicitation and ARP request as seen at the VM, at the host (VM-facing port and Wi-Fi
 * uplink, where the bridge rewrote the Ethernet source and the ARP sender hardware
 * address but left the NDP source link-layer option), and at the router, plus each
 * node's inventory and the router's neighbor cache.
 */
import { arpRequest, encodeNdp, ipv6MulticastMac, solicitedNodeMulticast } from '@neighwatch/packet';
import { Agent } from './system';

export const VM = { mac: '00:03:ff:13:7d:75', ipv4: '192.0.2.104', ll: 'fe80::203:ffff:fe13:7d75', global: '2001:db8::203:ffff:fe13:7d75' };
export const HOST = { mac: 'c4:17:fe:12:7d:75', ipv4: '192.0.2.10', ll: 'fe80::c617:feff:fe12:7d75' };
export const ROUTER = { mac: '58:6d:8f:78:ad:40', ipv4: '192.0.2.1', ll: 'fe80::5a6d:8fff:fe78:ad40' };

/** NS from the VM for `target`, with the VM's SLLAO, leaving with Ethernet source `ethSrc`. */
export function neighborSolicitation(ethSrc: string, src: string = VM.ll, target: string = ROUTER.ll, sllao: string = VM.mac): Uint8Array {
  const dst = solicitedNodeMulticast(target);
  return encodeNdp({ ethSrc, ethDst: ipv6MulticastMac(dst), src, dst, message: { type: 'NS', target }, options: [{ type: 'source-lladdr', mac: sllao }] });
}

/** ARP request from the VM; after the bridge both the Ethernet source and the sender HW address are the host's. */
export function vmArpRequest(rewritten: boolean, targetIp: string = ROUTER.ipv4): Uint8Array {
  const mac = rewritten ? HOST.mac : VM.mac;
  return arpRequest({ ethSrc: mac, senderMac: mac, senderIp: VM.ipv4, targetIp });
}

export interface FieldCase {
  vm: Agent;
  host: Agent;
  router: Agent;
  close(): void;
}

/** Connects the three agents and sends inventories and the router's neighbor cache. */
export async function connectAgents(address: string): Promise<FieldCase> {
  const vm = new Agent(address, 'vm');
  const host = new Agent(address, 'host');
  const router = new Agent(address, 'router');
  await Promise.all([vm.hello(), host.hello(), router.hello()]);
  vm.inventory([{ name: 'eth0', mac: VM.mac, kind: 'physical', addresses: [`${VM.ipv4}/24`, `${VM.ll}/64`, `${VM.global}/64`] }]);
  host.inventory([
    { name: 'br0', mac: HOST.mac, kind: 'bridge', addresses: [`${HOST.ipv4}/24`, `${HOST.ll}/64`] },
    { name: 'wlan0', mac: HOST.mac, kind: 'wireless', bridgeMaster: 'br0' },
    { name: 'vnet0', mac: 'fe:54:00:12:34:56', kind: 'tap', bridgeMaster: 'br0' },
  ]);
  router.inventory([{ name: 'br0', mac: ROUTER.mac, kind: 'bridge', addresses: [`${ROUTER.ipv4}/24`, `${ROUTER.ll}/64`, '2001:db8::1/64'] }]);
  router.neighbors([
    { iface: 'br0', ip: VM.ipv4, mac: HOST.mac },
    { iface: 'br0', ip: VM.ll, mac: VM.mac },
  ]);
  return { vm, host, router, close: () => [vm, host, router].forEach((a) => a.close()) };
}

/** One round of the VM's NS and ARP request, seen at all three nodes around `timeUs`. */
export async function playRound(agents: FieldCase, timeUs: number): Promise<void> {
  await agents.vm.observe([
    { frame: neighborSolicitation(VM.mac), timeUs, iface: 'eth0', direction: 'sent' },
    { frame: vmArpRequest(false), timeUs: timeUs + 1000, iface: 'eth0', direction: 'sent' },
  ]);
  await agents.host.observe([
    { frame: neighborSolicitation(VM.mac), timeUs: timeUs + 10, iface: 'vnet0', direction: 'received' },
    { frame: neighborSolicitation(HOST.mac), timeUs: timeUs + 20, iface: 'wlan0', direction: 'sent' },
    { frame: vmArpRequest(false), timeUs: timeUs + 1010, iface: 'vnet0', direction: 'received' },
    { frame: vmArpRequest(true), timeUs: timeUs + 1020, iface: 'wlan0', direction: 'sent' },
  ]);
  await agents.router.observe([
    { frame: neighborSolicitation(HOST.mac), timeUs: timeUs + 40, iface: 'br0', direction: 'received' },
    { frame: vmArpRequest(true), timeUs: timeUs + 1040, iface: 'br0', direction: 'received' },
  ]);
}
