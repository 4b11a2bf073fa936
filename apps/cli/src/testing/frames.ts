/**
 * The field case's frames, built with libs/packet's encoders: the VM's Neighbor
 * Solicitation for the router, as it leaves the VM (Ethernet source = VM MAC) and as the
 * router receives it after the host's Wi-Fi bridge (Ethernet source rewritten to the host
 * MAC, source link-layer address option left at the VM MAC).
 */
import { encodeNdp, ipv6MulticastMac, solicitedNodeMulticast } from '@neighwatch/packet';
import { HOST_MAC, ROUTER_MAC, VM_LL, VM_MAC } from './fixtures';

export const ROUTER_LL = 'fe80::5a6d:8fff:fe78:ad40';

export function vmNeighborSolicitation(ethSrc: string = VM_MAC): Uint8Array {
  const dst = solicitedNodeMulticast(ROUTER_LL);
  return encodeNdp({
    ethSrc,
    ethDst: ipv6MulticastMac(dst),
    src: VM_LL,
    dst,
    message: { type: 'NS', target: ROUTER_LL },
    options: [{ type: 'source-lladdr', mac: VM_MAC }],
  });
}

export const nsAtVm = () => vmNeighborSolicitation(VM_MAC);
export const nsAtRouter = () => vmNeighborSolicitation(HOST_MAC);
export { ROUTER_MAC };
