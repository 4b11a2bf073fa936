/**
 * Plain-words explanations of findings and aggregated rows: what the mismatch means for
 * the people whose traffic it breaks. `nodeNames` (MAC → node, from inventories) lets the
 * text say "vm" and "host" instead of MACs.
 */
import { MISMATCH_KIND_LABELS, type MismatchKind, type VantagePoint } from '@neighwatch/model';

/** The parts of a Finding or an AggregatedFinding an explanation needs. */
export interface Explainable {
  kind: MismatchKind;
  subject: string;
  ip: string | null;
  macs: readonly string[];
  node: string | null;
  vantagePoints: readonly VantagePoint[];
  rewrittenFields?: readonly string[];
  staleFields?: readonly string[];
  summary: string;
}

const FIELD_WORDS: Record<string, string> = {
  eth_src: 'Ethernet source',
  arp_sha: 'ARP sender hardware address',
  ndp_sllao: 'NDP source link-layer option',
  ndp_tllao: 'NDP target link-layer option',
};

function words(field: string): string {
  return FIELD_WORDS[field] ?? field;
}

function point(p: VantagePoint | undefined): string {
  return p === undefined ? '?' : `${p.node}/${p.iface}`;
}

/** One paragraph in plain words. */
export function explain(finding: Explainable, nodeNames: ReadonlyMap<string, string> = new Map()): string {
  const [a, b] = finding.macs;
  const ip = finding.ip ?? 'the address';
  const name = (mac: string | undefined): string => (mac === undefined ? '?' : (nodeNames.get(mac) ?? mac));
  const named = (mac: string | undefined): string => {
    const node = mac === undefined ? undefined : nodeNames.get(mac);
    return node === undefined ? (mac ?? '?') : `${mac} (${node})`;
  };
  const observer = finding.vantagePoints[0]?.node ?? 'this vantage point';

  switch (finding.kind) {
    case 'LLADDR_MISMATCH':
      return (
        `Frames about ${ip} come from ${named(a)} but tell neighbors that ${ip} is at ${named(b)}. ` +
        `Neighbors that believe the packet send to ${b}; where the link only delivers to ${a} (a Wi-Fi bridge doing MAC NAT), ` +
        `they never reach ${ip}. Usually something between the sender and this capture rewrote the Ethernet source and left the ` +
        `link-layer address inside the packet alone; proxies and load balancers (NLB) do this on purpose.`
      );
    case 'EUI64_MISMATCH':
      return (
        `${ip} has an interface ID made from ${named(b)}, so it was configured on the interface with that MAC, ` +
        `but the frame carrying it came from ${named(a)}: the frame was rewritten on the way (MAC NAT on a bridge), ` +
        `or the address moved to another interface.`
      );
    case 'PHANTOM_LLADDR':
      return (
        `${named(b)} tells neighbors that ${ip} is at ${named(a)}, but no frame on this link comes from ${a}: ` +
        `whatever neighbors send to ${a} goes nowhere.`
      );
    case 'MAC_CHANGED':
      return `${ip} was at ${named(a)} and is now at ${named(b)}: a new network card, an address handed to another host, or someone taking it over.`;
    case 'FLIP_FLOP':
      return `${ip} went back and forth between ${named(a)} and ${named(b)}: two hosts (or a failover pair) use the address, and neighbors follow whichever spoke last.`;
    case 'DUPLICATE_ADDRESS':
      return `${named(a)} and ${named(b)} claim ${ip} at the same time: an address conflict; neighbors reach one or the other depending on who answered last.`;
    case 'BINDING_CONFLICT':
      return (
        `${finding.node ?? 'Its owner'} says ${ip} is its own, at ${named(a)}, but ${observer} reaches ${ip} at ${named(b)}: ` +
        `traffic for ${ip} from ${observer} goes to that MAC instead.`
      );
    case 'SPLIT_STACK':
      return (
        `${observer} reaches ${finding.node ?? `the node at ${finding.subject} (no agent)`}'s IPv4 address at ${named(a)} and its IPv6 address at ${named(b)}: ` +
        `the two families take different paths, and where one of the MACs cannot be reached (a MAC hidden behind a Wi-Fi bridge) ` +
        `that family fails while the other works.`
      );
    case 'REWRITTEN_IN_TRANSIT':
      return explainRewrite(finding, name);
  }
}

function explainRewrite(finding: Explainable, name: (mac: string | undefined) => string): string {
  const [original, rewrittenTo] = finding.macs;
  const [from, to] = finding.vantagePoints;
  const rewritten = finding.rewrittenFields ?? [];
  const stale = finding.staleFields ?? [];
  const sender = finding.node ?? name(original);
  const where =
    from !== undefined && to !== undefined && from.node === to.node
      ? `inside ${from.node}, between ${from.iface} and ${to.iface}`
      : `between ${point(from)} and ${point(to)}`;
  // The node frames "leave as": the owner of the rewritten MAC, or the node that rewrites.
  const rewriter = name(rewrittenTo) !== rewrittenTo ? name(rewrittenTo) : from !== undefined && from.node === to?.node ? from.node : undefined;
  const leaves = rewriter !== undefined ? `leave ${rewriter} as ${rewrittenTo}` : `arrive as ${rewrittenTo}`;

  const staleNdp = stale.find((f) => f === 'ndp_sllao' || f === 'ndp_tllao');
  if (staleNdp !== undefined) {
    return (
      `IPv6 neighbors of ${sender} learn ${original}, but frames from ${sender} ${leaves}: ` +
      `the ${words(staleNdp)} was not rewritten (rewritten ${where}: ${rewritten.map(words).join(', ')}). ` +
      `Neighbors send IPv6 to ${original}, which the rewriting element does not deliver: IPv6 to ${sender} fails.`
    );
  }
  if (rewritten.includes('arp_sha')) {
    return (
      `Frames from ${sender} ${leaves}, and the ARP sender hardware address is rewritten with the Ethernet source ` +
      `(${where}): IPv4 neighbors learn ${sender}'s address at ${rewrittenTo} and reach it through the rewriting element.`
    );
  }
  return (
    `The same packet from ${sender} carries different addresses ${where}: rewritten ${rewritten.map(words).join(', ')}` +
    (stale.length > 0 ? `; left stale ${stale.map(words).join(', ')}` : '') +
    `.`
  );
}

/** The one-line meaning of a kind (same text as MISMATCH_KIND_LABELS). */
export function kindMeaning(kind: MismatchKind): string {
  return MISMATCH_KIND_LABELS[kind];
}
