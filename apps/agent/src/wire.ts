/**
 * The agent's side of the Ingest contract on the wire.
 *
 * Observations are encoded once, at capture time, into the protobuf bytes of an
 * `Observation` (that is what the spool stores), and a batch is sent by framing those
 * bytes as `AgentMessage.observations.observations[]` without decoding them again. Every
 * other message goes through the contract's own serializer from @neighwatch/proto.
 */
import { join } from 'node:path';
import protobuf from 'protobufjs';
import type { MessageType } from '@neighwatch/model';
import { ingestService, protoDir, type AgentMessage, type CollectorMessage__Output, type Direction } from '@neighwatch/proto';

let observationType: protobuf.Type | undefined;
let enums: { type: Record<string, number>; direction: Record<string, number> } | undefined;

function load() {
  if (!observationType) {
    const root = protobuf.loadSync(join(protoDir(), 'neighwatch/v1/ingest.proto'));
    observationType = root.lookupType('neighwatch.v1.Observation');
    enums = {
      type: root.lookupEnum('neighwatch.v1.MessageType').values,
      direction: root.lookupEnum('neighwatch.v1.Direction').values,
    };
  }
  return { observationType, enums: enums! };
}

export interface ObservationFields {
  sequence: number;
  captureTimeUs: number;
  interface: string;
  direction: Direction;
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

/** The protobuf bytes of one Observation (enums as numbers, as on the wire). */
export function encodeObservation(o: ObservationFields): Uint8Array {
  const { observationType: type, enums: e } = load();
  return type
    .encode({
      sequence: o.sequence,
      captureTimeUs: o.captureTimeUs,
      interface: o.interface,
      direction: e.direction[o.direction],
      ethSrc: o.ethSrc,
      ethDst: o.ethDst,
      vlan: o.vlan,
      type: e.type[`MESSAGE_TYPE_${o.type}`],
      senderIp: o.senderIp,
      targetIp: o.targetIp,
      lladdr: o.lladdr,
      naFlags: o.naFlags,
      checksum: o.checksumOk === null ? 0 : o.checksumOk ? 1 : 2,
      fingerprint: o.fingerprint,
      frame: o.frame,
      frameLength: o.frameLength,
    })
    .finish();
}

/** Decodes spooled Observation bytes (for tests and diagnostics). */
export function decodeObservation(bytes: Uint8Array): Record<string, unknown> {
  const { observationType: type } = load();
  return type.toObject(type.decode(bytes), { longs: Number, enums: String, bytes: Buffer, defaults: true });
}

function varintLength(n: number): number {
  let length = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    length++;
  }
  return length;
}

function writeVarint(buf: Buffer, at: number, n: number): number {
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
