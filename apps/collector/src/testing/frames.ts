/**
 * Observations as an agent would send them, made from real frames: encoded with
 * @neighwatch/packet, decoded and classified by the same code the agent runs.
 */
import { classifyFrame, decodeFrame, parseIPv4, parseIPv6, parseMac } from '@neighwatch/packet';
import type { Observation } from '@neighwatch/proto';

const DIRECTION = { sent: 'DIRECTION_SENT', received: 'DIRECTION_RECEIVED' } as const;

function ipBytes(text: string | null): Buffer {
  if (text === null) return Buffer.alloc(0);
  const bytes = text.includes(':') ? parseIPv6(text) : parseIPv4(text);
  if (!bytes) throw new Error(`bad IP ${text}`);
  return Buffer.from(bytes);
}

function macBytes(text: string | null): Buffer {
  if (text === null || text === '') return Buffer.alloc(0);
  const bytes = parseMac(text);
  if (!bytes) throw new Error(`bad MAC ${text}`);
  return Buffer.from(bytes);
}

export function observationOf(frame: Uint8Array, o: { sequence: number; timeUs: number; iface: string; direction: 'sent' | 'received' }): Observation {
  const record = classifyFrame(decodeFrame(frame));
  if (!record) throw new Error('not an ARP/NDP frame');
  return {
    sequence: o.sequence,
    captureTimeUs: o.timeUs,
    interface: o.iface,
    direction: DIRECTION[o.direction],
    ethSrc: macBytes(record.ethSrc),
    ethDst: macBytes(record.ethDst),
    vlan: record.vlan ?? 0,
    type: `MESSAGE_TYPE_${record.type}`,
    senderIp: ipBytes(record.srcIp),
    targetIp: ipBytes(record.targetIp),
    lladdr: macBytes(record.lladdr),
    naFlags: record.naFlags,
    checksum: record.checksumOk === null ? 'CHECKSUM_STATUS_NOT_APPLICABLE' : record.checksumOk ? 'CHECKSUM_STATUS_VALID' : 'CHECKSUM_STATUS_INVALID',
    fingerprint: Buffer.from(record.fingerprint, 'hex'),
    frame: Buffer.from(frame),
    frameLength: frame.length,
  };
}
