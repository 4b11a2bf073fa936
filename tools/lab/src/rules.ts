/**
 * The host's Wi-Fi bridge behaviour as one nft `bridge` table, loaded in the host
 * namespace only (field variant; the wired variant loads nothing).
 *
 * An 802.11 client may only transmit frames with its own MAC as source (IEEE 802.11
 * three-address frames), so a Wi-Fi adapter in bridge mode does MAC NAT:
 *  - egress on the uplink: the VM's Ethernet source becomes the host's MAC, and the ARP
 *    sender hardware address is patched too, so IPv4 keeps working. The ICMPv6 source /
 *    target link-layer address options inside NDP are left alone: that is the field bug.
 *  - ingress on the uplink: the access point only delivers frames addressed to the host's
 *    MAC (plus broadcast and multicast). Frames for the host's MAC that carry the VM's IPv4
 *    address are mapped back to the VM by IP: Ethernet destination, and in ARP replies the
 *    target hardware address too (else tools reading ARP replies, like arping, see none).
 *
 * Without the ingress drop a Linux bridge would still deliver frames sent to the VM's own
 * MAC, and IPv6 would work: the drop is what makes the lab show the real symptom. It runs
 * at priority dstnat - 10, before any NAT in the prerouting hook.
 */
import { LAB_ADDRESSES, type LabTopology } from './topology';

/** Bridge-family hook priorities (nft(8): dstnat = -300, srcnat = 300). */
const BEFORE_DESTINATION_NAT = 'dstnat - 10';
const SOURCE_NAT = 'srcnat';

export function wifiBridgeRuleset(topology: LabTopology, vmIPv4: string = LAB_ADDRESSES.vmIPv4): string {
  const uplink = topology.interfaces.hostUplink.name;
  const host = topology.interfaces.hostBridge.mac;
  const vm = topology.interfaces.vmEth.mac;
  const table = topology.nftTable;
  return `table bridge ${table} {
  chain ap_ingress {
    type filter hook prerouting priority ${BEFORE_DESTINATION_NAT}; policy accept;
    # The access point delivers unicast only to the associated station's MAC.
    iifname "${uplink}" ether daddr & 01:00:00:00:00:00 == 00:00:00:00:00:00 ether daddr != ${host} counter drop comment "ap-drop-foreign-unicast"
    # MAC NAT, inbound: the VM's IPv4 traffic arrives for the host's MAC.
    iifname "${uplink}" ether daddr ${host} arp operation reply arp daddr ip ${vmIPv4} arp daddr ether set ${vm} ether daddr set ${vm} counter comment "macnat-arp-reply-to-vm"
    iifname "${uplink}" ether daddr ${host} arp daddr ip ${vmIPv4} ether daddr set ${vm} counter comment "macnat-arp-to-vm"
    iifname "${uplink}" ether daddr ${host} ip daddr ${vmIPv4} ether daddr set ${vm} counter comment "macnat-ipv4-to-vm"
  }
  chain wifi_egress {
    type filter hook postrouting priority ${SOURCE_NAT}; policy accept;
    # MAC NAT, outbound: ARP sender hardware address, then the Ethernet source. NDP options untouched.
    oifname "${uplink}" arp saddr ether ${vm} arp saddr ether set ${host} counter comment "macnat-arp-sender"
    oifname "${uplink}" ether saddr ${vm} ether saddr set ${host} counter comment "macnat-ether-source"
  }
}
`;
}
