/**
 * Flag values checked before anything is sent (exit 2 with the accepted values), and the
 * names that cross the wire: proto enum names ↔ the stable names of DESIGN.md.
 */
import { MISMATCH_KINDS, type MismatchKind } from '@neighwatch/model';
import { normalizeIp, normalizeMac } from '@neighwatch/packet';
import type { BindingSource__Output, MismatchEventType__Output, MismatchKind__Output, MismatchState__Output } from '@neighwatch/proto';
import { usageError } from './errors';

export type StateFilter = 'open' | 'acknowledged' | 'resolved' | 'all';
export const STATE_FILTERS: readonly StateFilter[] = ['open', 'acknowledged', 'resolved', 'all'];
export type StateName = 'open' | 'acknowledged' | 'resolved' | 'unknown';

/** `--kind lladdr-mismatch,SPLIT_STACK` (repeatable, comma-separated, any case, - or _). */
export function parseKinds(values: readonly string[]): MismatchKind[] {
  const kinds: MismatchKind[] = [];
  for (const value of values.flatMap((v) => v.split(','))) {
    const name = value.trim().toUpperCase().replace(/-/g, '_');
    if (!name) continue;
    if (!(MISMATCH_KINDS as readonly string[]).includes(name)) {
      throw usageError(`--kind "${value.trim()}" is not a mismatch kind; use one of ${MISMATCH_KINDS.join(', ')}`);
    }
    if (!kinds.includes(name as MismatchKind)) kinds.push(name as MismatchKind);
  }
  return kinds;
}

export function parseStateFilter(value: string): StateFilter {
  const state = value.trim().toLowerCase();
  if (state === 'ack' || state === 'acked') return 'acknowledged';
  if (!(STATE_FILTERS as readonly string[]).includes(state)) {
    throw usageError(`--state "${value}" is not a state; use one of ${STATE_FILTERS.join(', ')}`);
  }
  return state as StateFilter;
}

/** An IPv4 or IPv6 address in the form the collector stores (IPv6 per RFC 5952). */
export function parseIpFilter(value: string, option = '--ip'): string {
  const ip = normalizeIp(value.trim());
  if (!ip) throw usageError(`${option} "${value}" is not an IPv4 or IPv6 address (e.g. 192.0.2.10, 2001:db8::1, fe80::203:ffff:fe13:7d75)`);
  return ip;
}

/** A MAC in any usual spelling (00-03-FF-13-7D-75, 0003.ff13.7d75) → lower case with colons. */
export function parseMacFilter(value: string, option = '--mac'): string {
  const mac = normalizeMac(value.trim());
  if (!mac) throw usageError(`${option} "${value}" is not a MAC address (e.g. 00:03:ff:13:7d:75)`);
  return mac;
}

/** A node name as agents report it: non-empty, no whitespace. */
export function parseNodeFilter(value: string): string {
  const node = value.trim();
  if (!node || /\s/.test(node)) throw usageError(`--node "${value}" is not a node name (see \`neighwatch nodes\`)`);
  return node;
}

export function parseMismatchId(value: string): number {
  const text = value.trim().replace(/^#/, '');
  const id = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(id) || id < 1) throw usageError(`"${value}" is not a mismatch id (a positive number, as listed by \`neighwatch mismatches\`)`);
  return id;
}

export function parseLimit(value: string, option = '--limit'): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n)) throw usageError(`${option} "${value}" is not a whole number (0 means no limit)`);
  return n;
}

export function parsePositive(value: string, option: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw usageError(`${option} "${value}" is not a positive whole number`);
  return n;
}

export function parseChoice<T extends string>(value: string, option: string, choices: readonly T[]): T {
  const v = value.trim().toLowerCase();
  if (!(choices as readonly string[]).includes(v)) throw usageError(`${option} "${value}" is not one of ${choices.join(', ')}`);
  return v as T;
}

// ---- wire names ----

const KIND_PREFIX = 'MISMATCH_KIND_';

export function kindToProto(kind: MismatchKind): MismatchKind__Output {
  return `${KIND_PREFIX}${kind}` as MismatchKind__Output;
}

/** 'MISMATCH_KIND_LLADDR_MISMATCH' → 'LLADDR_MISMATCH'; unknown values pass through, unprefixed. */
export function kindFromProto(kind: MismatchKind__Output | string): string {
  return String(kind).startsWith(KIND_PREFIX) ? String(kind).slice(KIND_PREFIX.length) : String(kind);
}

export function stateFilterToProto(state: StateFilter | undefined): MismatchState__Output {
  switch (state) {
    case 'open':
      return 'MISMATCH_STATE_OPEN';
    case 'acknowledged':
      return 'MISMATCH_STATE_ACKNOWLEDGED';
    case 'resolved':
      return 'MISMATCH_STATE_RESOLVED';
    case 'all':
      return 'MISMATCH_STATE_ALL';
    default:
      return 'MISMATCH_STATE_UNSPECIFIED';
  }
}

export function stateFromProto(state: MismatchState__Output | string): StateName {
  switch (state) {
    case 'MISMATCH_STATE_OPEN':
      return 'open';
    case 'MISMATCH_STATE_ACKNOWLEDGED':
      return 'acknowledged';
    case 'MISMATCH_STATE_RESOLVED':
      return 'resolved';
    default:
      return 'unknown';
  }
}

export type BindingSourceName = 'wire' | 'neighbor-cache' | 'inventory' | 'unknown';
export function bindingSourceFromProto(source: BindingSource__Output | string): BindingSourceName {
  switch (source) {
    case 'BINDING_SOURCE_WIRE':
      return 'wire';
    case 'BINDING_SOURCE_NEIGHBOR_CACHE':
      return 'neighbor-cache';
    case 'BINDING_SOURCE_INVENTORY':
      return 'inventory';
    default:
      return 'unknown';
  }
}

export function eventTypeFromProto(type: MismatchEventType__Output | string): 'opened' | 'reopened' | 'heartbeat' | 'unknown' {
  switch (type) {
    case 'MISMATCH_EVENT_TYPE_OPENED':
      return 'opened';
    case 'MISMATCH_EVENT_TYPE_REOPENED':
      return 'reopened';
    case 'MISMATCH_EVENT_TYPE_HEARTBEAT':
      return 'heartbeat';
    default:
      return 'unknown';
  }
}

/** 'MESSAGE_TYPE_NDP_NS' → 'NDP_NS'; 'INTERFACE_KIND_WIRELESS' → 'wireless'; 'DIRECTION_SENT' → 'sent'. */
export function stripEnumPrefix(value: string, prefix: string): string {
  return value.startsWith(prefix) ? value.slice(prefix.length) : value;
}
