/**
 * Collector answers → rows the renderer prints. Rows are what `--format json` emits, so
 * their keys are the CLI's public JSON field names (docs/cli.md).
 */
import type { Binding__Output, Mismatch__Output, MismatchEvent__Output, Node__Output, VantagePoint__Output } from '@neighwatch/proto';
import { instant, stateColor, type Column, type Listing } from '../render/listing';
import { bindingSourceFromProto, eventTypeFromProto, kindFromProto, stateFromProto, stripEnumPrefix } from './filters';
import { formatAgo, formatLocal, formatOffset } from './time';

const vantage = (v: VantagePoint__Output) => (v.interface ? `${v.node}/${v.interface}` : v.node);

export function nodeRow(node: Node__Output) {
  return {
    name: node.name,
    agentVersion: node.agentVersion,
    os: node.os,
    connected: node.connected,
    lastSeen: instant(node.lastSeenUs),
    clockOffsetUs: node.clockOffsetUs,
    spoolDropped: node.spoolDropped,
    observations: node.observations,
    committedSequence: node.committedSequence,
    interfaces: node.interfaces.map((i) => ({
      name: i.name,
      mac: i.mac,
      kind: stripEnumPrefix(String(i.kind), 'INTERFACE_KIND_').toLowerCase(),
      bridgeMaster: i.bridgeMaster || null,
      up: i.up,
      addresses: i.addresses,
    })),
  };
}

export function nodesListing(nodes: Node__Output[], format: 'table' | 'json' | 'csv' = 'table', nowMs: number = Date.now()): Listing {
  const columns: Column[] = [
    { key: 'name', header: 'NODE' },
    { key: 'agentVersion', header: 'AGENT' },
    {
      key: 'connected',
      header: 'STATUS',
      text: (connected, row) => {
        if (connected) return 'connected';
        const us = (row.lastSeen as { us: number }).us;
        return us ? [`last seen ${formatAgo(us, nowMs)}`, formatLocal(us)] : 'never connected';
      },
      csv: (connected) => (connected ? 'connected' : 'disconnected'),
      color: (connected) => (connected ? 'green' : 'yellow'),
    },
    { key: 'lastSeen', header: 'LAST SEEN' },
    { key: 'clockOffsetUs', header: 'CLOCK OFFSET', align: 'right', text: (v) => formatOffset(Number(v)) },
    { key: 'spoolDropped', header: 'SPOOL DROPS', align: 'right', color: (v) => (Number(v) > 0 ? 'red' : undefined) },
    {
      key: 'interfaces',
      header: 'INTERFACES',
      shrink: true,
      text: (v) => (v as ReturnType<typeof nodeRow>['interfaces']).map(interfaceText),
      csv: (v) => (v as ReturnType<typeof nodeRow>['interfaces']).map(interfaceText).join('; '),
    },
  ];
  const rows = [...nodes].sort((a, b) => a.name.localeCompare(b.name)).map(nodeRow);
  // The table's STATUS says when a node was last seen; CSV keeps the time in its own column.
  return {
    columns: format === 'table' ? columns.filter((c) => c.key !== 'lastSeen') : columns,
    rows,
    empty: 'no nodes: no agent has connected to this collector yet',
  };
}

function interfaceText(i: ReturnType<typeof nodeRow>['interfaces'][number]): string {
  const parts = [i.name, i.mac || '-'];
  if (i.bridgeMaster) parts.push(`(port of ${i.bridgeMaster})`);
  if (!i.up) parts.push('(down)');
  parts.push(...i.addresses);
  return parts.join(' ');
}

export function bindingRow(b: Binding__Output) {
  return {
    ip: b.ip,
    mac: b.mac,
    observer: b.observer,
    interface: b.interface,
    source: bindingSourceFromProto(b.source),
    firstSeen: instant(b.firstSeenUs),
    lastSeen: instant(b.lastSeenUs),
    count: b.count,
  };
}

export function bindingsListing(bindings: Binding__Output[]): Listing {
  return {
    columns: [
      { key: 'ip', header: 'IP' },
      { key: 'mac', header: 'MAC' },
      { key: 'observer', header: 'SEEN BY' },
      { key: 'interface', header: 'INTERFACE' },
      { key: 'source', header: 'SOURCE' },
      { key: 'firstSeen', header: 'FIRST SEEN', drop: 1 },
      { key: 'lastSeen', header: 'LAST SEEN' },
      { key: 'count', header: 'COUNT', align: 'right' },
    ],
    rows: bindings.map(bindingRow),
    empty: 'no bindings match',
  };
}

export function mismatchRow(m: Mismatch__Output) {
  return {
    id: m.id,
    kind: kindFromProto(m.kind),
    state: stateFromProto(m.state),
    subject: m.subject,
    ip: m.ip || null,
    macs: m.macs,
    node: m.node || null,
    vantagePoints: m.vantagePoints.map(vantage),
    firstSeen: instant(m.firstSeenUs),
    lastSeen: instant(m.lastSeenUs),
    count: m.count,
    summary: m.summary,
    rewrittenFields: m.rewrittenFields,
    staleFields: m.staleFields,
    suppressed: m.suppressed,
  };
}
export type MismatchRow = ReturnType<typeof mismatchRow>;

export const MISMATCH_COLUMNS: Column[] = [
  { key: 'id', header: 'ID', align: 'right' },
  { key: 'kind', header: 'KIND', color: () => 'cyan' },
  { key: 'state', header: 'STATE', color: stateColor },
  { key: 'ip', header: 'IP' },
  { key: 'macs', header: 'MACS', drop: 1 },
  { key: 'vantagePoints', header: 'SEEN AT', drop: 3 },
  { key: 'lastSeen', header: 'LAST SEEN', drop: 2 },
  { key: 'count', header: 'COUNT', align: 'right' },
  { key: 'summary', header: 'SUMMARY', shrink: true },
];

/** CSV and JSON get every field; the table the ones that fit a screen. */
export const MISMATCH_CSV_COLUMNS: Column[] = [
  { key: 'id', header: 'ID' },
  { key: 'kind', header: 'KIND' },
  { key: 'state', header: 'STATE' },
  { key: 'subject', header: 'SUBJECT' },
  { key: 'ip', header: 'IP' },
  { key: 'macs', header: 'MACS' },
  { key: 'node', header: 'NODE' },
  { key: 'vantagePoints', header: 'SEEN AT' },
  { key: 'firstSeen', header: 'FIRST SEEN' },
  { key: 'lastSeen', header: 'LAST SEEN' },
  { key: 'count', header: 'COUNT' },
  { key: 'summary', header: 'SUMMARY' },
  { key: 'suppressed', header: 'SUPPRESSED' },
];

export function mismatchesListing(mismatches: Mismatch__Output[], format: 'table' | 'json' | 'csv' = 'table'): Listing {
  return {
    columns: format === 'table' ? MISMATCH_COLUMNS : MISMATCH_CSV_COLUMNS,
    rows: mismatches.map(mismatchRow),
    empty: 'no mismatches match',
  };
}

export function eventRow(e: MismatchEvent__Output) {
  return { event: eventTypeFromProto(e.type), at: instant(e.atUs), ...mismatchRow(e.mismatch ?? emptyMismatch()) };
}

export const EVENT_COLUMNS: Column[] = [
  { key: 'at', header: 'TIME' },
  { key: 'event', header: 'EVENT', color: (v) => (v === 'reopened' ? 'yellow' : 'red') },
  ...MISMATCH_COLUMNS.filter((c) => c.key !== 'lastSeen' && c.key !== 'state'),
];

function emptyMismatch(): Mismatch__Output {
  return {
    id: 0,
    kind: 'MISMATCH_KIND_UNSPECIFIED',
    state: 'MISMATCH_STATE_UNSPECIFIED',
    subject: '',
    ip: '',
    macs: [],
    vantagePoints: [],
    firstSeenUs: 0,
    lastSeenUs: 0,
    count: 0,
    summary: '',
    rewrittenFields: [],
    staleFields: [],
    suppressed: false,
    suppressedCount: 0,
    node: '',
  };
}
