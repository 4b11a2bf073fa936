/**
 * What an observation says about who has which address: the facts every rule shares.
 * RFC 826 (ARP), RFC 5227 (ARP probes), RFC 4861 (NDP), RFC 4862 §5.4 (DAD).
 */
import type { MessageType, NeighborObservation } from '@neighwatch/model';

export const UNSPECIFIED_IPV4 = '0.0.0.0';
export const UNSPECIFIED_IPV6 = '::';

/** NA flag bits as NeighborObservation carries them. */
export const NA_FLAG_ROUTER = 0x4;
export const NA_FLAG_SOLICITED = 0x2;
export const NA_FLAG_OVERRIDE = 0x1;

/** Name of the field that carries the claimed link-layer address, per message type. */
export type LladdrField = 'arp_sha' | 'ndp_sllao' | 'ndp_tllao';

export const LLADDR_FIELD: Record<MessageType, LladdrField> = {
  ARP_REQUEST: 'arp_sha',
  ARP_REPLY: 'arp_sha',
  ARP_PROBE: 'arp_sha',
  ARP_ANNOUNCEMENT: 'arp_sha',
  NDP_RS: 'ndp_sllao',
  NDP_RA: 'ndp_sllao',
  NDP_NS: 'ndp_sllao',
  NDP_NA: 'ndp_tllao',
  NDP_REDIRECT: 'ndp_tllao',
};

export const LLADDR_FIELD_LABELS: Record<LladdrField | 'eth_src', string> = {
  eth_src: 'Ethernet source',
  arp_sha: 'ARP sender hardware address',
  ndp_sllao: 'NDP source link-layer address option',
  ndp_tllao: 'NDP target link-layer address option',
};

export function isArp(type: MessageType): boolean {
  return type.charCodeAt(0) === 65; // 'A'
}

/** An address probe: ARP probe (sender IP 0.0.0.0) or DAD (NS from ::). It binds nothing. */
export function isProbe(obs: NeighborObservation): boolean {
  return obs.type === 'ARP_PROBE' || (obs.type === 'NDP_NS' && obs.srcIp === UNSPECIFIED_IPV6);
}

/**
 * An NA with the Override flag clear: proxy (RFC 4861 §7.2.8) and anycast (§7.2.7)
 * advertisements set O=0; the sender answers for an address it does not own.
 */
export function isProxyAdvertisement(obs: NeighborObservation): boolean {
  return obs.type === 'NDP_NA' && (obs.naFlags & NA_FLAG_OVERRIDE) === 0;
}

/** The IP the packet's link-layer address is claimed for (the subject of its findings). */
export function claimedIp(obs: Pick<NeighborObservation, 'type' | 'srcIp' | 'targetIp'>): string | null {
  switch (obs.type) {
    case 'NDP_NA':
    case 'NDP_REDIRECT':
    case 'ARP_PROBE':
      return obs.targetIp;
    case 'NDP_NS':
      return obs.srcIp === UNSPECIFIED_IPV6 ? obs.targetIp : obs.srcIp;
    default:
      return obs.srcIp;
  }
}

/**
 * The IP an observation binds to a MAC, or null when it binds nothing:
 * - probes claim nothing yet;
 * - an NA with O clear (proxy, anycast) answers for someone else;
 * - a Redirect's target link-layer address is second-hand (the router speaks of another node);
 * - unspecified sources.
 */
export function boundIp(obs: NeighborObservation): string | null {
  switch (obs.type) {
    case 'ARP_PROBE':
    case 'NDP_REDIRECT':
      return null;
    case 'NDP_NA':
      return isProxyAdvertisement(obs) ? null : obs.targetIp;
    case 'ARP_REQUEST':
    case 'ARP_REPLY':
    case 'ARP_ANNOUNCEMENT':
      return obs.srcIp === UNSPECIFIED_IPV4 ? null : obs.srcIp;
    default:
      return obs.srcIp === UNSPECIFIED_IPV6 ? null : obs.srcIp;
  }
}

/** The MAC a binding uses: the claimed link-layer address when present, else the Ethernet source. */
export function boundMac(obs: NeighborObservation): string {
  return obs.lladdr ?? obs.ethSrc;
}
