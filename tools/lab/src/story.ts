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

export function toMismatchView(row: Record<string, unknown>): MismatchView {
  return {
    kind: normalizeKind(row.kind),
    ip: str(row.ip),
    macs: list(row.macs).map(str),
    vantagePoints: list(pick(row, 'vantagePoints', 'vantage_points')).map((v) => {
      const point = (v ?? {}) as Record<string, unknown>;
      return { node: str(point.node), interface: str(point.interface) };
    }),
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

/** "00:03:ff:13:7d:75 (vm's eth0)": a MAC named by the node that says it owns it. */
export function macLabeller(nodes: readonly NodeView[]): (mac: string) => string {
  const owners = new Map<string, string>();
  for (const node of nodes) {
    for (const iface of node.interfaces) {
      if (!iface.mac || owners.has(iface.mac)) continue;
      owners.set(iface.mac, `${node.name}'s ${iface.name}`);
    }
  }
  return (mac) => (owners.has(mac.toLowerCase()) ? `${mac} (${owners.get(mac.toLowerCase())})` : mac);
}

function where(points: readonly VantagePointRow[]): string {
  return points.map((p) => (p.interface ? `${p.node} ${p.interface}` : str(p.node))).join(' → ');
}

const readableField = (field: string): string => (LLADDR_FIELD_LABELS as Record<string, string>)[field] ?? field;

/**
 * The conclusion, in plain words: what works, what does not, where the rewrite happens,
 * which MAC the router was told and why that breaks IPv6. Every name, address and
 * place comes from the arguments.
 */
export function conclusion(pings: readonly PingResult[], mismatches: readonly MismatchView[], nodes: readonly NodeView[]): string[] {
  const label = macLabeller(nodes);
  const lines: string[] = [];
  const byKind = (kind: string) => mismatches.filter((m) => m.kind === kind);

  const broken = pings.filter((p) => p.lossPercent > 0);
  const working = pings.filter((p) => p.lossPercent === 0);
  if (!mismatches.length) {
    lines.push(
      broken.length
        ? `${broken.map((p) => p.family).join(' and ')} failed, but neighwatch found no contradiction in ARP/NDP: look elsewhere (routes, firewall).`
        : `${working.map((p) => p.family).join(' and ')} work, and neighwatch found nothing to report: every node is reached at the MAC it owns.`,
    );
    return lines;
  }
  if (working.length && broken.length) {
    lines.push(`${working.map((p) => p.family).join(', ')} works and ${broken.map((p) => p.family).join(', ')} does not. neighwatch says why:`);
  }

  const rewrites = byKind('REWRITTEN_IN_TRANSIT');
  const inside = rewrites.find((m) => m.vantagePoints.length >= 2 && new Set(m.vantagePoints.map((p) => p.node)).size === 1);
  const located = inside ?? rewrites[0];
  if (located) {
    const rewritten = located.rewrittenFields.map(readableField).join(' and ') || 'addresses';
    const stale = located.staleFields.map(readableField).join(' and ');
    const place = inside ? `inside ${inside.vantagePoints[0].node}, between ${where(inside.vantagePoints)}` : `between ${where(located.vantagePoints)}`;
    lines.push(
      `• The rewrite happens ${place}: frames leave with the ${rewritten} changed${located.macs.length ? ` (${located.macs.map(label).join(' → ')})` : ''}` +
        (stale ? `, but the ${stale} still carries the old MAC.` : '.'),
    );
  }

  const phantom = byKind('PHANTOM_LLADDR')[0];
  const lladdr = byKind('LLADDR_MISMATCH')[0];
  const told = phantom ?? lladdr;
  if (told) {
    const observer = told.vantagePoints[0]?.node || 'the router';
    const claimed = phantom?.macs[0] ?? lladdr?.macs[lladdr.macs.length - 1];
    lines.push(
      `• So ${observer} is told, inside NDP, that ${told.ip || 'the address'} is at ${claimed ? label(claimed) : 'a MAC'}` +
        (phantom ? ', a MAC no frame on its link ever comes from.' : ', not the frame’s source.'),
    );
  }

  const split = byKind('SPLIT_STACK')[0];
  if (split) {
    lines.push(`• ${split.summary || `${split.vantagePoints[0]?.node ?? 'an observer'} reaches ${split.node || 'one node'} at ${split.macs.map(label).join(' and ')}`}`);
  }
  const conflict = byKind('BINDING_CONFLICT')[0];
  if (conflict) {
    lines.push(`• ${conflict.summary || `${conflict.ip} is bound to ${conflict.macs.map(label).join(' and ')}`}`);
  }
  if (phantom || split) {
    const v6 = broken.find((p) => p.family === 'IPv6');
    lines.push(
      `• IPv4 survives because the rewrite also patches ARP and maps replies back by IP address; ` +
        `IPv6 replies${v6 ? ` to ${v6.from}` : ''} go to ${phantom ? label(phantom.macs[0] ?? '') : 'the MAC in the NDP option'}, which the uplink never delivers.`,
    );
  }
  return lines;
}
