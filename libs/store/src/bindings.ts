import type { NeighborObservation } from '@neighwatch/model';

export interface WireBinding {
  ip: string;
  mac: string;
}

const UNSPECIFIED = new Set(['0.0.0.0', '::']);

/**
 * The IP → MAC binding a captured frame asserts, or null when it asserts none.
 *
 * NA and Redirect carry the target's link-layer address (TLLAO) for the target address
 * (RFC 4861 §4.4, §4.5); without that option the frame only shows its source IP at its
 * Ethernet source. Every other message binds its sender/source IP to the address it
 * claims (ARP sender hardware address, SLLAO), falling back to the Ethernet source when the
 * packet carries no option. Unspecified sources (ARP probes, DAD) bind nothing.
 */
export function wireBindingOf(o: Pick<NeighborObservation, 'type' | 'srcIp' | 'targetIp' | 'lladdr' | 'ethSrc'>): WireBinding | null {
  const targetOption = o.type === 'NDP_NA' || o.type === 'NDP_REDIRECT';
  if (targetOption && o.lladdr !== null) {
    if (o.targetIp === null || UNSPECIFIED.has(o.targetIp)) return null;
    return { ip: o.targetIp, mac: o.lladdr };
  }
  if (UNSPECIFIED.has(o.srcIp)) return null;
  return { ip: o.srcIp, mac: targetOption ? o.ethSrc : (o.lladdr ?? o.ethSrc) };
}
