/**
 * What the node believes about others: the Linux neighbor table (`ip -j neigh show`),
 * sent as a full snapshot after each connect and as changes (with removals) afterwards.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { NeighborEntry, NeighborState } from '@neighwatch/proto';
import { ipBytes, macBytes } from './interfaces';

const run = promisify(execFile);

export interface Neighbor {
  interface: string;
  ip: string;
  mac: string;
  state: NeighborState;
  router: boolean;
}

const STATES: Record<string, NeighborState> = {
  INCOMPLETE: 'NEIGHBOR_STATE_INCOMPLETE',
  REACHABLE: 'NEIGHBOR_STATE_REACHABLE',
  STALE: 'NEIGHBOR_STATE_STALE',
  DELAY: 'NEIGHBOR_STATE_DELAY',
  PROBE: 'NEIGHBOR_STATE_PROBE',
  FAILED: 'NEIGHBOR_STATE_FAILED',
  NOARP: 'NEIGHBOR_STATE_NOARP',
  PERMANENT: 'NEIGHBOR_STATE_PERMANENT',
};

interface IpNeigh {
  dst?: string;
  dev?: string;
  lladdr?: string;
  state?: string[];
  /** `ip -j` prints `"router": null` for entries with the router flag. */
  router?: unknown;
}

export function parseIpNeigh(json: unknown): Neighbor[] {
  if (!Array.isArray(json)) return [];
  const out: Neighbor[] = [];
  for (const n of json as IpNeigh[]) {
    if (!n.dst || !n.dev || !ipBytes(n.dst)) continue;
    const state = (n.state ?? []).map((s) => STATES[s]).find((s) => s !== undefined) ?? 'NEIGHBOR_STATE_UNSPECIFIED';
    out.push({ interface: n.dev, ip: n.dst, mac: (n.lladdr ?? '').toLowerCase(), state, router: 'router' in n });
  }
  return out;
}

export async function readNeighbors(): Promise<Neighbor[]> {
  const { stdout } = await run('ip', ['-j', 'neigh', 'show'], { maxBuffer: 64 * 2 ** 20, timeout: 10_000 });
  return parseIpNeigh(JSON.parse(stdout || '[]'));
}

const key = (n: Neighbor) => `${n.interface}|${n.ip}`;
const same = (a: Neighbor, b: Neighbor) => a.mac === b.mac && a.state === b.state && a.router === b.router;

export function toProtoEntry(n: Neighbor, removed = false): NeighborEntry {
  return { interface: n.interface, ip: ipBytes(n.ip), mac: macBytes(n.mac), state: n.state, router: n.router, removed };
}

/** Remembers what the collector was last told, and computes what changed since. */
export class NeighborTracker {
  private sent = new Map<string, Neighbor>();

  /** Everything, and it becomes the new baseline. */
  full(current: Neighbor[]): NeighborEntry[] {
    this.sent = new Map(current.map((n) => [key(n), n]));
    return current.map((n) => toProtoEntry(n));
  }

  /** Only new, changed and removed entries since the last call; advances the baseline. */
  delta(current: Neighbor[]): NeighborEntry[] {
    const next = new Map(current.map((n) => [key(n), n]));
    const out: NeighborEntry[] = [];
    for (const [k, n] of next) {
      const before = this.sent.get(k);
      if (!before || !same(before, n)) out.push(toProtoEntry(n));
    }
    for (const [k, n] of this.sent) if (!next.has(k)) out.push(toProtoEntry(n, true));
    this.sent = next;
    return out;
  }
}
