/**
 * The demo's plain-words conclusion, built only from what neighwatch stored (mismatch
 * rows and node inventories as the CLI prints them in JSON) and the ping results. Pure,
 * so it is tested with rows shaped like the CLI's output.
 */
import { LLADDR_FIELD_LABELS } from '@neighwatch/correlate';

import type { PingResult } from './ping';

export interface VantagePointRow {
  node?: string;
  interface?: string;
}

/** The fields of `neighwatch mismatches --format json` rows the story reads. */
export interface MismatchView {
  kind: string;
  ip: string;
  macs: string[];
  vantagePoints: VantagePointRow[];
  rewrittenFields: string[];
  staleFields: string[];
  node: string;
  summary: string;
  count: number;
}

export interface NodeView {
  name: string;
  interfaces: { name: string; mac: string; addresses: string[] }[];
}

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const pick = (row: Record<string, unknown>, ...keys: string[]): unknown => keys.map((k) => row[k]).find((v) => v !== undefined);

/** Kind text as the CLI prints it, with or without the proto enum's prefix. */
export function normalizeKind(kind: unknown): string {
  return str(kind).replace(/^MISMATCH_KIND_/, '');
}

/** A vantage point as the CLI prints it: "node/interface", or { node, interface }. */
function toVantagePoint(v: unknown): VantagePointRow {
  if (typeof v === 'string') {
    const slash = v.indexOf('/');
    return slash < 0 ? { node: v, interface: '' } : { node: v.slice(0, slash), interface: v.slice(slash + 1) };
  }
  const point = (v ?? {}) as Record<string, unknown>;
  return { node: str(point.node), interface: str(pick(point, 'interface', 'iface')) };
}

export function toMismatchView(row: Record<string, unknown>): MismatchView {
  return {
    kind: normalizeKind(row.kind),
    ip: str(row.ip),
    macs: list(row.macs).map(str),
    vantagePoints: list(pick(row, 'vantagePoints', 'vantage_points')).map(toVantagePoint),
    rewrittenFields: list(pick(row, 'rewrittenFields', 'rewritten_fields')).map(str),
    staleFields: list(pick(row, 'staleFields', 'stale_fields')).map(str),
    node: str(row.node),
    summary: str(row.summary),
    count: Number(row.count ?? 0),
  };
}

export function toNodeView(row: Record<string, unknown>): NodeView {
  return {
    name: str(pick(row, 'name', 'node')),
    interfaces: list(row.interfaces).map((i) => {
      const iface = (i ?? {}) as Record<string, unknown>;
      const addresses = list(pick(iface, 'addresses', 'ipv4', 'ips')).concat(list(iface.ipv6)).map((a) => str(a).replace(/\/\d+$/, ''));
      return { name: str(iface.name), mac: str(iface.mac).toLowerCase(), addresses };
    }),
  };
}

/** Which node's inventory holds a MAC, and on which interfaces. */
export function macOwners(nodes: readonly NodeView[]): Map<string, { node: string; ifaces: string[] }> {
  const owners = new Map<string, { node: string; ifaces: string[] }>();
  for (const node of nodes) {
    for (const iface of node.interfaces) {
      if (!iface.mac) continue;
      const owner = owners.get(iface.mac);
      if (!owner) owners.set(iface.mac, { node: node.name, ifaces: [iface.name] });
      else if (owner.node === node.name) owner.ifaces.push(iface.name);
    }
  }
  return owners;
}

const readableField = (field: string): string => (LLADDR_FIELD_LABELS as Record<string, string>)[field] ?? field;
const joinWords = (items: readonly string[]): string =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
const unique = <T>(items: readonly T[]): T[] => [...new Set(items)];

/**
 * The conclusion, in plain words: where the rewrite happens, which fields it changes and
 * which it leaves stale, what the router therefore believes, and why that makes one
 * family work and the other fail. Every node, interface, address and field comes from the
 * arguments; a kind that was not found leaves its sentence out.
 */
export function conclusion(pings: readonly PingResult[], mismatches: readonly MismatchView[], nodes: readonly NodeView[]): string[] {
  const owners = macOwners(nodes);
  const label = (mac: string) => {
    const owner = owners.get(mac.toLowerCase());
    return owner ? `${mac} (${owner.node}: ${owner.ifaces.join(', ')})` : mac;
  };
  const byKind = (kind: string) => mismatches.filter((m) => m.kind === kind);
  const broken = pings.filter((p) => p.lossPercent > 0).map((p) => `${p.family} (${p.lossPercent} % loss)`);
  const working = pings.filter((p) => p.lossPercent === 0).map((p) => p.family);

  if (!mismatches.length) {
    return [
      broken.length
        ? `${joinWords(broken)} failed, but neighwatch found no contradiction in ARP or NDP: the cause is elsewhere (routes, firewall, link).`
        : `${joinWords(working)} work, and neighwatch has nothing to report: every node is reached at the MAC it owns.`,
    ];
  }
  const lines: string[] = [];
  lines.push(`${working.length ? `${joinWords(working)} works; ` : ''}${broken.length ? `${joinWords(broken)} does not. ` : ''}From what neighwatch stored:`);

  const rewrites = byKind('REWRITTEN_IN_TRANSIT');
  const insideOne = rewrites.filter((m) => m.vantagePoints.length === 2 && m.vantagePoints[0].node === m.vantagePoints[1].node);
  const located = insideOne.length ? insideOne : rewrites;
  let rewriteNode = '';
  if (located.length) {
    const [from, to] = located[0].vantagePoints;
    rewriteNode = insideOne.length ? from.node ?? '' : '';
    const place = insideOne.length
      ? `inside ${from.node}, between its ${from.interface} and its ${to.interface}`
      : `between ${from.node} ${from.interface} and ${to?.node} ${to?.interface}`;
    const original = located[0].macs[0];
    const replaced = located[0].macs[1];
    const rewritten = unique(located.flatMap((m) => m.rewrittenFields)).map(readableField);
    const stale = unique(located.flatMap((m) => m.staleFields)).map(readableField);
    lines.push(
      `• The rewrite happens ${place}: the ${joinWords(rewritten)} of ${located[0].node || 'the sender'}'s frames change from ${label(original)} to ${label(replaced)}.` +
        (stale.length ? ` The ${joinWords(stale)} is left alone: it still says ${original}.` : ''),
    );
  }

  const conflict = byKind('BINDING_CONFLICT')[0];
  if (conflict) {
    const observer = conflict.vantagePoints[0]?.node ?? 'a neighbor';
    const bound = conflict.macs.find((mac) => owners.get(mac)?.node !== conflict.node) ?? conflict.macs[1];
    lines.push(
      `• IPv4: ${observer} binds ${conflict.node}'s ${conflict.ip} to ${label(bound)}, because the ARP sender address was rewritten too; ` +
        `frames to that MAC reach ${bound && owners.get(bound)?.node ? owners.get(bound)?.node : 'its owner'}, which passes them on, so IPv4 gets through.`,
    );
  }

  const phantom = byKind('PHANTOM_LLADDR')[0];
  const split = byKind('SPLIT_STACK')[0];
  if (phantom) {
    const observer = phantom.vantagePoints[0]?.node ?? 'a neighbor';
    const claimed = phantom.macs[0];
    lines.push(
      `• IPv6: ${observer} was told inside NDP that ${phantom.ip} is at ${label(claimed)}, but no frame on its link ever comes from that MAC: ` +
        'its replies go to a MAC that is not on its link, so IPv6 fails.',
    );
  } else if (split) {
    lines.push(`• IPv6: ${split.summary}`);
  }
  if (split && phantom) lines.push(`• In one line: ${split.summary}.`);
  if (rewriteNode) {
    lines.push(`• The element to fix is ${rewriteNode}'s bridge: bridge over a wired adapter, or route instead of bridging (compare: npm run demo -- --wired).`);
  }
  return lines;
}
