/**
 * The agent's side of the Ingest contract on the wire.
 *
 * Observations are encoded once, at capture time, into the protobuf bytes of an
 * `Observation` (that is what the spool stores), and a batch is sent by framing those
 * bytes as `AgentMessage.observations.observations[]` without decoding them again. Every
 * other message goes through the contract's own serializer from @neighwatch/proto; the
 * tests decode what this file writes with the contract (protobufjs), field by field.
 */
import { join } from 'node:path';
import protobuf from 'protobufjs';
import type { MessageType } from '@neighwatch/model';
import { ingestService, protoDir, type AgentMessage, type CollectorMessage__Output } from '@neighwatch/proto';

let contract: { observation: protobuf.Type; messageTypes: Record<string, number>; directions: Record<string, number> } | undefined;

/** The contract through protobufjs, for decoding in tests and diagnostics. */
export function loadObservationContract() {
  if (!contract) {
    const root = protobuf.loadSync(join(protoDir(), 'neighwatch/v1/ingest.proto'));
    contract = {
      observation: root.lookupType('neighwatch.v1.Observation'),
      messageTypes: root.lookupEnum('neighwatch.v1.MessageType').values,
      directions: root.lookupEnum('neighwatch.v1.Direction').values,
    };
  }
  return contract;
}

export interface ObservationFields {
  sequence: number;
  captureTimeUs: number;
  interface: string;
  direction: DirectionName;
  ethSrc: Uint8Array;
  ethDst: Uint8Array;
  vlan: number;
  type: MessageType;
  senderIp: Uint8Array;
  targetIp: Uint8Array;
  lladdr: Uint8Array;
  naFlags: number;
  /** null: not applicable (ARP). */
  checksumOk: boolean | null;
  fingerprint: Uint8Array;
  frame: Uint8Array;
  frameLength: number;
}

/** MessageType values of ingest.proto (checked against the loaded contract by wire.spec.ts). */
export const MESSAGE_TYPE_NUMBERS: Record<MessageType, number> = {
  ARP_REQUEST: 1,
  ARP_REPLY: 2,
  ARP_PROBE: 3,
  ARP_ANNOUNCEMENT: 4,
  NDP_RS: 5,
  NDP_RA: 6,
  NDP_NS: 7,
  NDP_NA: 8,
  NDP_REDIRECT: 9,
};
/** Direction's names (the generated type also admits the numbers). */
export type DirectionName = 'DIRECTION_UNSPECIFIED' | 'DIRECTION_SENT' | 'DIRECTION_RECEIVED';
export const DIRECTION_NUMBERS: Record<DirectionName, number> = { DIRECTION_UNSPECIFIED: 0, DIRECTION_SENT: 1, DIRECTION_RECEIVED: 2 };

const interfaceNames = new Map<string, Buffer>();
function utf8(name: string): Buffer {
  let bytes = interfaceNames.get(name);
  if (!bytes) {
    bytes = Buffer.from(name, 'utf8');
    if (interfaceNames.size < 4096) interfaceNames.set(name, bytes);
  }
  return bytes;
}

function lengthDelimited(tagBytes: number, bytes: Uint8Array): number {
  return bytes.length === 0 ? 0 : tagBytes + varintLength(bytes.length) + bytes.length;
}

function varintField(value: number): number {
  return value === 0 ? 0 : 1 + varintLength(value);
}

/**
 * The protobuf bytes of one Observation, written directly into one exactly-sized buffer
 * (the capture hot path: one allocation per observation). Zero and empty fields are left
 * out, as proto3 encoders do. Field numbers follow ingest.proto's `Observation`.
 */
export function encodeObservation(o: ObservationFields): Buffer {
  const name = utf8(o.interface);
  const direction = DIRECTION_NUMBERS[o.direction];
  const type = MESSAGE_TYPE_NUMBERS[o.type];
  const checksum = o.checksumOk === null ? 0 : o.checksumOk ? 1 : 2;
  const size =
    varintField(o.sequence) +
    varintField(o.captureTimeUs) +
    lengthDelimited(1, name) +
    varintField(direction) +
    lengthDelimited(1, o.ethSrc) +
    lengthDelimited(1, o.ethDst) +
    varintField(o.vlan) +
    varintField(type) +
    lengthDelimited(1, o.senderIp) +
    lengthDelimited(1, o.targetIp) +
    lengthDelimited(1, o.lladdr) +
    varintField(o.naFlags) +
    varintField(checksum) +
    lengthDelimited(1, o.fingerprint) +
    lengthDelimited(1, o.frame) +
    (o.frameLength === 0 ? 0 : 2 + varintLength(o.frameLength));
  const buf = Buffer.allocUnsafe(size);
  let at = 0;
  const varint = (tag: number, value: number) => {
    if (value === 0) return;
    buf[at++] = tag;
    at = writeVarint(buf, at, value);
  };
  const bytes = (tag: number, value: Uint8Array) => {
    if (value.length === 0) return;
    buf[at++] = tag;
    at = writeVarint(buf, at, value.length);
    buf.set(value, at);
    at += value.length;
  };
  varint(0x08, o.sequence); // 1 sequence
  varint(0x10, o.captureTimeUs); // 2 capture_time_us
  bytes(0x1a, name); // 3 interface
  varint(0x20, direction); // 4 direction
  bytes(0x2a, o.ethSrc); // 5 eth_src
  bytes(0x32, o.ethDst); // 6 eth_dst
  varint(0x38, o.vlan); // 7 vlan
  varint(0x40, type); // 8 type
  bytes(0x4a, o.senderIp); // 9 sender_ip
  bytes(0x52, o.targetIp); // 10 target_ip
  bytes(0x5a, o.lladdr); // 11 lladdr
  varint(0x60, o.naFlags); // 12 na_flags
  varint(0x68, checksum); // 13 checksum
  bytes(0x72, o.fingerprint); // 14 fingerprint
  bytes(0x7a, o.frame); // 15 frame
  if (o.frameLength !== 0) {
    buf[at++] = 0x80; // 16 frame_length: tag 128 as a two-byte varint
    buf[at++] = 0x01;
    at = writeVarint(buf, at, o.frameLength);
  }
  return buf;
}

/** Decodes spooled Observation bytes (for tests and diagnostics). */
export function decodeObservation(bytes: Uint8Array): Record<string, unknown> {
  const { observation } = loadObservationContract();
  return observation.toObject(observation.decode(bytes), { longs: Number, enums: String, bytes: Buffer, defaults: true });
}

/** Bytes of `n` as a protobuf varint (n ≥ 0, up to 2^53). */
export function varintLength(n: number): number {
  let length = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    length++;
  }
  return length;
}

/** Writes `n` as a protobuf varint at `at`; returns the offset after it. */
export function writeVarint(buf: Buffer, at: number, n: number): number {
  while (n >= 128) {
    buf[at++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[at++] = n;
  return at;
}

/**
 * `AgentMessage { observations: ObservationBatch { agent_time_us, observations[] } }`
 * from already-encoded Observations: field 4 (0x22) around field 1 (0x08, varint) and
 * repeated field 2 (0x12, length-delimited).
 */
export function encodeBatchMessage(agentTimeUs: number, observations: Uint8Array[]): Buffer {
  let inner = 1 + varintLength(agentTimeUs);
  for (const o of observations) inner += 1 + varintLength(o.length) + o.length;
  const buf = Buffer.allocUnsafe(1 + varintLength(inner) + inner);
  let at = 0;
  buf[at++] = 0x22;
  at = writeVarint(buf, at, inner);
  buf[at++] = 0x08;
  at = writeVarint(buf, at, agentTimeUs);
  for (const o of observations) {
    buf[at++] = 0x12;
    at = writeVarint(buf, at, o.length);
    buf.set(o, at);
    at += o.length;
  }
  return buf;
}

function streamMethod() {
  return ingestService().service.Stream;
}

export const STREAM_PATH = '/neighwatch.v1.Ingest/Stream';

/** Serializes any other AgentMessage with the contract's serializer. */
export function encodeAgentMessage(message: AgentMessage): Buffer {
  return streamMethod().requestSerialize(message);
}

export function decodeCollectorMessage(bytes: Buffer): CollectorMessage__Output {
  return streamMethod().responseDeserialize(bytes) as CollectorMessage__Output;
}

/** For tests: what a collector would make of an AgentMessage's bytes. */
export function decodeAgentMessage(bytes: Buffer): AgentMessage {
  return streamMethod().requestDeserialize(bytes) as AgentMessage;
}
