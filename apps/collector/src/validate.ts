/**
 * Checks every field an agent sends before anything else reads it. Each check names
 * the offending field with its proto path (`observations[3].eth_src: 5 bytes, want 6`),
 * so an agent's log says exactly what to fix. Validation is in place over the decoded
 * message: no copies on the hot path, just a narrowed type once it passes.
 */
import type {
  Hello__Output,
  Inventory__Output,
  NeighborSnapshot__Output,
  Observation__Output,
  ObservationBatch__Output,
} from '@neighwatch/proto';

export interface ValidationLimits {
  /** Most observations one batch may carry. */
  maxBatchObservations: number;
  /** Most bytes of one captured frame (the agents' snap length cap). */
  maxFrameBytes: number;
  /** Most interfaces in one inventory, and addresses per interface. */
  maxInterfaces: number;
  maxAddressesPerInterface: number;
  /** Most entries in one neighbor snapshot. */
  maxNeighborEntries: number;
  /** How far an agent timestamp may lie in the past / the future of the collector's clock. */
  maxPastUs: number;
  maxFutureUs: number;
}

export const DEFAULT_LIMITS: ValidationLimits = {
  maxBatchObservations: 1000,
  maxFrameBytes: 2048,
  maxInterfaces: 1024,
  maxAddressesPerInterface: 256,
  maxNeighborEntries: 65_536,
  // An agent replays its disk spool after an outage: a month-old capture is plausible.
  maxPastUs: 30 * 24 * 3600 * 1e6,
  // Skew beyond a day is a broken clock, not drift; correcting it would invent times.
  maxFutureUs: 24 * 3600 * 1e6,
};

/** Longest node, interface and free-text strings accepted. */
export const MAX_NODE_NAME = 253; // a DNS name
export const MAX_INTERFACE_NAME = 64; // IFNAMSIZ is 16; leave room for other OSes
export const MAX_TEXT = 256;
const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const ARP_TYPES = new Set(['MESSAGE_TYPE_ARP_REQUEST', 'MESSAGE_TYPE_ARP_REPLY', 'MESSAGE_TYPE_ARP_PROBE', 'MESSAGE_TYPE_ARP_ANNOUNCEMENT']);
/** NDP messages with a target address field (RFC 4861 §4.3–4.5). */
const NDP_TARGETED = new Set(['MESSAGE_TYPE_NDP_NS', 'MESSAGE_TYPE_NDP_NA', 'MESSAGE_TYPE_NDP_REDIRECT']);
const NDP_UNTARGETED = new Set(['MESSAGE_TYPE_NDP_RS', 'MESSAGE_TYPE_NDP_RA']);
const DIRECTIONS = new Set(['DIRECTION_UNSPECIFIED', 'DIRECTION_SENT', 'DIRECTION_RECEIVED']);
const CHECKSUMS = new Set(['CHECKSUM_STATUS_NOT_APPLICABLE', 'CHECKSUM_STATUS_VALID', 'CHECKSUM_STATUS_INVALID']);
const INTERFACE_KINDS = new Set([
  'INTERFACE_KIND_UNSPECIFIED',
  'INTERFACE_KIND_PHYSICAL',
  'INTERFACE_KIND_WIRELESS',
  'INTERFACE_KIND_BRIDGE',
  'INTERFACE_KIND_VETH',
  'INTERFACE_KIND_TAP',
  'INTERFACE_KIND_VLAN',
  'INTERFACE_KIND_LOOPBACK',
  'INTERFACE_KIND_OTHER',
]);
const NEIGHBOR_STATES = new Set([
  'NEIGHBOR_STATE_UNSPECIFIED',
  'NEIGHBOR_STATE_INCOMPLETE',
  'NEIGHBOR_STATE_REACHABLE',
  'NEIGHBOR_STATE_STALE',
  'NEIGHBOR_STATE_DELAY',
  'NEIGHBOR_STATE_PROBE',
  'NEIGHBOR_STATE_FAILED',
  'NEIGHBOR_STATE_NOARP',
  'NEIGHBOR_STATE_PERMANENT',
]);
/** NA flags R|S|O (RFC 4861 §4.4). */
const NA_FLAG_MASK = 0x7;
const FINGERPRINT_BYTES = 8;
const ETHERNET_HEADER = 14;
/** Largest Ethernet frame length field an agent can report (jumbo frames included). */
const MAX_WIRE_LENGTH = 65_535;

/** A failed check: the proto path of the field and what is wrong with it. */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

function fail(field: string, problem: string): never {
  throw new FieldError(field, problem);
}

// Each check returns what is wrong (null when nothing is), so the hot path names a field
// only when it fails: a batch of 100 observations runs ~1,500 checks, and building each
// field's path up front was the largest allocation per observation on ingest.

function bytesProblem(value: Buffer, a: number, b = a): string | null {
  const n = value.length;
  return n === a || n === b ? null : `${n} bytes, want ${a === b ? a : `${a} or ${b}`}`;
}

function textProblem(value: string, max: number, required: boolean): string | null {
  if (typeof value !== 'string') return 'not a string';
  if (required && value.length === 0) return 'empty';
  if (value.length > max) return `${value.length} characters, at most ${max}`;
  // Control characters would corrupt logs and terminal output downstream.
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return `control character at ${i}`;
  }
  return null;
}

function timeProblem(valueUs: number, nowUs: number, limits: ValidationLimits): string | null {
  if (!Number.isSafeInteger(valueUs) || valueUs <= 0) return `${valueUs} is not a time in microseconds since the epoch`;
  if (valueUs < nowUs - limits.maxPastUs) return `${new Date(valueUs / 1000).toISOString()} is too far in the past`;
  if (valueUs > nowUs + limits.maxFutureUs) return `${new Date(valueUs / 1000).toISOString()} is too far in the future`;
  return null;
}

function enumProblem(value: unknown, known: Set<string>): string | null {
  return typeof value === 'string' && known.has(value) ? null : `unknown value ${String(value)}`;
}

function bytes(field: string, value: Buffer, a: number, b = a): void {
  const problem = bytesProblem(value, a, b);
  if (problem) fail(field, problem);
}

function text(field: string, value: string, max: number, required: boolean): void {
  const problem = textProblem(value, max, required);
  if (problem) fail(field, problem);
}

function time(field: string, valueUs: number, nowUs: number, limits: ValidationLimits): void {
  const problem = timeProblem(valueUs, nowUs, limits);
  if (problem) fail(field, problem);
}

function enumValue(field: string, value: unknown, known: Set<string>): void {
  const problem = enumProblem(value, known);
  if (problem) fail(field, problem);
}

export function validateNodeName(field: string, node: string): void {
  text(field, node, MAX_NODE_NAME, true);
  if (!NODE_NAME.test(node)) fail(field, `"${node}" is not a node name (letters, digits, '.', '_', '-')`);
}

export function validateHello(hello: Hello__Output | null | undefined, nowUs: number, limits: ValidationLimits): Hello__Output {
  if (!hello) fail('hello', 'missing');
  validateNodeName('hello.node', hello.node);
  text('hello.agent_version', hello.agentVersion, MAX_TEXT, false);
  text('hello.os', hello.os, MAX_TEXT, false);
  text('hello.boot_id', hello.bootId, MAX_TEXT, false);
  time('hello.agent_time_us', hello.agentTimeUs, nowUs, limits);
  if (!Number.isSafeInteger(hello.spoolDropped) || hello.spoolDropped < 0) fail('hello.spool_dropped', `${hello.spoolDropped} out of range`);
  if (!Number.isSafeInteger(hello.nextSequence) || hello.nextSequence < 0) fail('hello.next_sequence', `${hello.nextSequence} out of range`);
  return hello;
}

/** An observation whose every field has passed `validateBatch`. */
export type ValidObservation = Observation__Output;

/**
 * Throws FieldError naming the first bad field. A batch is all or nothing: the agent
 * drops or resends whole batches, so accepting part of one would leave holes it cannot
 * see.
 */
export function validateBatch(batch: ObservationBatch__Output, nowUs: number, limits: ValidationLimits): ValidObservation[] {
  time('agent_time_us', batch.agentTimeUs, nowUs, limits);
  const list = batch.observations;
  if (list.length > limits.maxBatchObservations) {
    fail('observations', `${list.length} observations, at most ${limits.maxBatchObservations} per batch`);
  }
  let previous = 0;
  for (let i = 0; i < list.length; i++) {
    validateObservation(list[i], i, previous, nowUs, limits);
    previous = list[i].sequence;
  }
  return list;
}

/** Throws FieldError for `observations[i].<name>`: the path is built only on failure. */
function check(i: number, name: string, problem: string | null): void {
  if (problem !== null) fail(`observations[${i}].${name}`, problem);
}

function validateObservation(o: Observation__Output, i: number, previous: number, nowUs: number, limits: ValidationLimits): void {
  if (!Number.isSafeInteger(o.sequence) || o.sequence <= 0) check(i, 'sequence', `${o.sequence} is not a positive sequence number`);
  if (o.sequence <= previous) check(i, 'sequence', `${o.sequence} does not follow ${previous}: sequences must strictly increase within a batch`);
  check(i, 'capture_time_us', timeProblem(o.captureTimeUs, nowUs, limits));
  check(i, 'interface', textProblem(o.interface, MAX_INTERFACE_NAME, true));
  check(i, 'direction', enumProblem(o.direction, DIRECTIONS));
  check(i, 'eth_src', bytesProblem(o.ethSrc, 6));
  // Linux cooked captures (SLL) carry no destination address.
  check(i, 'eth_dst', bytesProblem(o.ethDst, 6, 0));
  if (!Number.isInteger(o.vlan) || o.vlan < 0 || o.vlan > 4095) check(i, 'vlan', `${o.vlan} is not a VLAN id (0–4095)`);
  const type = o.type as string;
  if (ARP_TYPES.has(type)) {
    check(i, 'sender_ip', bytesProblem(o.senderIp, 4));
    check(i, 'target_ip', bytesProblem(o.targetIp, 4));
    // The ARP sender hardware address is always present in an Ethernet/IPv4 ARP packet.
    check(i, 'lladdr', bytesProblem(o.lladdr, 6));
    if (o.checksum !== 'CHECKSUM_STATUS_NOT_APPLICABLE') check(i, 'checksum', `${String(o.checksum)} for ARP, which has no checksum`);
  } else if (NDP_TARGETED.has(type) || NDP_UNTARGETED.has(type)) {
    check(i, 'sender_ip', bytesProblem(o.senderIp, 16));
    check(i, 'target_ip', bytesProblem(o.targetIp, NDP_TARGETED.has(type) ? 16 : 0));
    check(i, 'lladdr', bytesProblem(o.lladdr, 0, 6));
    check(i, 'checksum', enumProblem(o.checksum, CHECKSUMS));
  } else {
    check(i, 'type', `unknown message type ${String(o.type)}`);
  }
  if (!Number.isInteger(o.naFlags) || (o.naFlags & ~NA_FLAG_MASK) !== 0) check(i, 'na_flags', `0x${o.naFlags.toString(16)} has bits outside R|S|O`);
  if (o.naFlags !== 0 && type !== 'MESSAGE_TYPE_NDP_NA') check(i, 'na_flags', `set on a ${type}`);
  check(i, 'fingerprint', bytesProblem(o.fingerprint, FINGERPRINT_BYTES));
  if (o.frame.length > limits.maxFrameBytes) check(i, 'frame', `${o.frame.length} bytes, at most ${limits.maxFrameBytes}`);
  if (o.frame.length > 0 && o.frame.length < ETHERNET_HEADER) check(i, 'frame', `${o.frame.length} bytes, shorter than an Ethernet header`);
  // 0: the agent did not know the length on the wire (the field is optional).
  if (!Number.isInteger(o.frameLength) || (o.frameLength !== 0 && o.frameLength < o.frame.length) || o.frameLength > MAX_WIRE_LENGTH) {
    check(i, 'frame_length', `${o.frameLength} with ${o.frame.length} captured bytes`);
  }
}

export function validateInventory(inv: Inventory__Output, nowUs: number, limits: ValidationLimits): Inventory__Output {
  time('inventory.agent_time_us', inv.agentTimeUs, nowUs, limits);
  if (inv.interfaces.length > limits.maxInterfaces) fail('inventory.interfaces', `${inv.interfaces.length} interfaces, at most ${limits.maxInterfaces}`);
  const names = new Set<string>();
  inv.interfaces.forEach((itf, i) => {
    const at = (name: string) => `inventory.interfaces[${i}].${name}`;
    text(at('name'), itf.name, MAX_INTERFACE_NAME, true);
    if (names.has(itf.name)) fail(at('name'), `"${itf.name}" listed twice`);
    names.add(itf.name);
    bytes(at('mac'), itf.mac, 0, 6);
    enumValue(at('kind'), itf.kind, INTERFACE_KINDS);
    text(at('bridge_master'), itf.bridgeMaster, MAX_INTERFACE_NAME, false);
    text(at('vlan_parent'), itf.vlanParent, MAX_INTERFACE_NAME, false);
    if (itf.vlanId > 4094) fail(at('vlan_id'), `${itf.vlanId} is not a VLAN id`);
    if (itf.addresses.length > limits.maxAddressesPerInterface) {
      fail(at('addresses'), `${itf.addresses.length} addresses, at most ${limits.maxAddressesPerInterface}`);
    }
    itf.addresses.forEach((a, j) => {
      bytes(at(`addresses[${j}].ip`), a.ip, 4, 16);
      const max = a.ip.length * 8;
      if (a.prefixLength > max) fail(at(`addresses[${j}].prefix_length`), `${a.prefixLength}, at most ${max}`);
    });
  });
  return inv;
}

export function validateNeighbors(snap: NeighborSnapshot__Output, nowUs: number, limits: ValidationLimits): NeighborSnapshot__Output {
  time('neighbors.agent_time_us', snap.agentTimeUs, nowUs, limits);
  if (snap.entries.length > limits.maxNeighborEntries) {
    fail('neighbors.entries', `${snap.entries.length} entries, at most ${limits.maxNeighborEntries}`);
  }
  snap.entries.forEach((e, i) => {
    const at = (name: string) => `neighbors.entries[${i}].${name}`;
    text(at('interface'), e.interface, MAX_INTERFACE_NAME, true);
    bytes(at('ip'), e.ip, 4, 16);
    bytes(at('mac'), e.mac, 0, 6);
    enumValue(at('state'), e.state, NEIGHBOR_STATES);
  });
  return snap;
}
