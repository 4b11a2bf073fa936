/**
 * Wire shapes ↔ domain shapes. Ingest: validated proto messages → the model's text
 * form (what the correlator and the store take). Query: store rows → proto messages.
 * Enum names map by prefix, so the proto and model enums cannot drift apart silently:
 * the compiler checks every Record below.
 */
import type { Direction, MessageType, MismatchKind, MismatchState, NeighborObservation } from '@neighwatch/model';
import type {
  Binding,
  Evidence,
  Interface__Output,
  Inventory__Output,
  Mismatch,
  MismatchEvent as ProtoMismatchEvent,
  NeighborSnapshot__Output,
  Node,
} from '@neighwatch/proto';
import type {
  BindingRow,
  EvidenceFrame,
  InterfaceKind,
  InterfaceRecord,
  InventoryRecord,
  MismatchEvent,
  MismatchRow,
  NeighborSnapshotRecord,
  NeighborState,
  NodeInfo,
} from '@neighwatch/store';
import { formatIPv4, formatIPv6, formatMac } from '@neighwatch/packet';
import type { ValidObservation } from './validate';

const DIRECTION: Record<string, Direction> = {
  DIRECTION_SENT: 'sent',
  DIRECTION_RECEIVED: 'received',
  DIRECTION_UNSPECIFIED: 'unknown',
};
const DIRECTION_TO_PROTO: Record<Direction, 'DIRECTION_SENT' | 'DIRECTION_RECEIVED' | 'DIRECTION_UNSPECIFIED'> = {
  sent: 'DIRECTION_SENT',
  received: 'DIRECTION_RECEIVED',
  unknown: 'DIRECTION_UNSPECIFIED',
};

const PREFIX_LENGTH = 'MESSAGE_TYPE_'.length;

/** Address bytes (length already validated: 4 or 16) as text; @neighwatch/packet caches the text of recent addresses. */
const formatIp = (b: Uint8Array) => (b.length === 4 ? formatIPv4(b) : formatIPv6(b));

/** One validated observation as the correlator and the store see it; `timeUs` already clock-corrected. */
export function toNeighborObservation(node: string, o: ValidObservation, timeUs: number): NeighborObservation {
  return {
    node,
    iface: o.interface,
    direction: DIRECTION[o.direction as string],
    timeUs,
    type: (o.type as string).slice(PREFIX_LENGTH) as MessageType,
    ethSrc: formatMac(o.ethSrc),
    ethDst: o.ethDst.length ? formatMac(o.ethDst) : '',
    vlan: o.vlan === 0 ? null : o.vlan,
    srcIp: formatIp(o.senderIp),
    targetIp: o.targetIp.length ? formatIp(o.targetIp) : null,
    lladdr: o.lladdr.length ? formatMac(o.lladdr) : null,
    naFlags: o.naFlags,
    checksumOk: o.checksum === 'CHECKSUM_STATUS_VALID' ? true : o.checksum === 'CHECKSUM_STATUS_INVALID' ? false : null,
    fingerprint: o.fingerprint.toString('hex'),
    ref: o.sequence,
  };
}

const INTERFACE_KIND: Record<string, InterfaceKind> = {
  INTERFACE_KIND_UNSPECIFIED: 'other',
  INTERFACE_KIND_PHYSICAL: 'physical',
  INTERFACE_KIND_WIRELESS: 'wireless',
  INTERFACE_KIND_BRIDGE: 'bridge',
  INTERFACE_KIND_VETH: 'veth',
  INTERFACE_KIND_TAP: 'tap',
  INTERFACE_KIND_VLAN: 'vlan',
  INTERFACE_KIND_LOOPBACK: 'loopback',
  INTERFACE_KIND_OTHER: 'other',
};
const INTERFACE_KIND_TO_PROTO: Record<InterfaceKind, string> = {
  physical: 'INTERFACE_KIND_PHYSICAL',
  wireless: 'INTERFACE_KIND_WIRELESS',
  bridge: 'INTERFACE_KIND_BRIDGE',
  veth: 'INTERFACE_KIND_VETH',
  tap: 'INTERFACE_KIND_TAP',
  vlan: 'INTERFACE_KIND_VLAN',
  loopback: 'INTERFACE_KIND_LOOPBACK',
  other: 'INTERFACE_KIND_OTHER',
};

function interfaceRecord(itf: Interface__Output): InterfaceRecord {
  return {
    name: itf.name,
    mac: itf.mac.length ? formatMac(itf.mac) : '',
    kind: INTERFACE_KIND[itf.kind as string] ?? 'other',
    bridgeMaster: itf.bridgeMaster,
    up: itf.up,
    addresses: itf.addresses.map((a) => `${formatIp(a.ip)}/${a.prefixLength}`),
  };
}

export function inventoryRecord(node: string, inv: Inventory__Output, timeUs: number): InventoryRecord {
  return { node, timeUs, interfaces: inv.interfaces.map(interfaceRecord), spoolDropped: inv.spoolDropped };
}

const NEIGHBOR_STATE: Record<string, NeighborState> = {
  NEIGHBOR_STATE_UNSPECIFIED: 'unknown',
  NEIGHBOR_STATE_INCOMPLETE: 'incomplete',
  NEIGHBOR_STATE_REACHABLE: 'reachable',
  NEIGHBOR_STATE_STALE: 'stale',
  NEIGHBOR_STATE_DELAY: 'delay',
  NEIGHBOR_STATE_PROBE: 'probe',
  NEIGHBOR_STATE_FAILED: 'failed',
  NEIGHBOR_STATE_NOARP: 'noarp',
  NEIGHBOR_STATE_PERMANENT: 'permanent',
};

export function neighborSnapshotRecord(node: string, snap: NeighborSnapshot__Output, timeUs: number): NeighborSnapshotRecord {
  return {
    node,
    timeUs,
    full: snap.full,
    entries: snap.entries.map((e) => ({
      iface: e.interface,
      ip: formatIp(e.ip),
      mac: e.mac.length ? formatMac(e.mac) : null,
      state: NEIGHBOR_STATE[e.state as string] ?? 'unknown',
      router: e.router,
      removed: e.removed,
    })),
  };
}

// ---- Query side -------------------------------------------------------------------

export const KIND_TO_PROTO = (kind: MismatchKind) => `MISMATCH_KIND_${kind}` as const;
export function kindFromProto(value: unknown): MismatchKind | null {
  if (typeof value !== 'string' || !value.startsWith('MISMATCH_KIND_')) return null;
  const kind = value.slice('MISMATCH_KIND_'.length);
  return kind === 'UNSPECIFIED' ? null : (kind as MismatchKind);
}
const STATE_TO_PROTO: Record<MismatchState, 'MISMATCH_STATE_OPEN' | 'MISMATCH_STATE_ACKNOWLEDGED' | 'MISMATCH_STATE_RESOLVED'> = {
  open: 'MISMATCH_STATE_OPEN',
  acknowledged: 'MISMATCH_STATE_ACKNOWLEDGED',
  resolved: 'MISMATCH_STATE_RESOLVED',
};
export const stateToProto = (state: MismatchState) => STATE_TO_PROTO[state];

export function mismatchToProto(row: MismatchRow): Mismatch {
  return {
    id: row.id,
    kind: KIND_TO_PROTO(row.kind),
    state: STATE_TO_PROTO[row.state],
    subject: row.subject,
    ip: row.ip ?? '',
    macs: row.macs,
    vantagePoints: row.vantagePoints.map((v) => ({ node: v.node, interface: v.iface })),
    firstSeenUs: row.firstSeenUs,
    lastSeenUs: row.lastSeenUs,
    count: row.count,
    summary: row.summary,
    rewrittenFields: row.rewrittenFields,
    staleFields: row.staleFields,
    suppressed: row.suppressed,
    suppressedCount: row.suppressedCount,
    node: row.node ?? '',
  };
}

export function evidenceToProto(e: EvidenceFrame): Evidence {
  return {
    vantagePoint: { node: e.node, interface: e.iface },
    direction: DIRECTION_TO_PROTO[e.direction],
    timeUs: e.timeUs,
    type: `MESSAGE_TYPE_${e.type}`,
    frame: Buffer.from(e.frame.buffer, e.frame.byteOffset, e.frame.byteLength),
    frameLength: e.frameLength,
  };
}

export function bindingToProto(b: BindingRow): Binding {
  const source = b.source === 'wire' ? 'BINDING_SOURCE_WIRE' : b.source === 'neighbor_cache' ? 'BINDING_SOURCE_NEIGHBOR_CACHE' : 'BINDING_SOURCE_INVENTORY';
  return {
    ip: b.ip,
    mac: b.mac,
    observer: b.observer,
    interface: b.iface,
    source,
    firstSeenUs: b.firstSeenUs,
    lastSeenUs: b.lastSeenUs,
    count: b.count,
  };
}

export function nodeToProto(n: NodeInfo, connected: boolean, clockOffsetUs: number): Node {
  return {
    name: n.name,
    agentVersion: n.agentVersion,
    os: n.os,
    connected,
    lastSeenUs: n.lastSeenUs,
    clockOffsetUs,
    spoolDropped: n.spoolDropped,
    observations: n.observations,
    committedSequence: n.committedSequence,
    interfaces: n.interfaces.map((i) => ({
      name: i.name,
      mac: i.mac,
      kind: INTERFACE_KIND_TO_PROTO[i.kind] as 'INTERFACE_KIND_OTHER',
      bridgeMaster: i.bridgeMaster,
      up: i.up,
      addresses: i.addresses,
    })),
  };
}

export function eventToProto(e: MismatchEvent): ProtoMismatchEvent {
  return {
    type: e.type === 'reopened' ? 'MISMATCH_EVENT_TYPE_REOPENED' : 'MISMATCH_EVENT_TYPE_OPENED',
    mismatch: mismatchToProto(e.mismatch),
    atUs: e.atUs,
  };
}
