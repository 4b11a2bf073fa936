/**
 * One captured frame as the Observation an agent sends: decoded and classified by
 * @neighwatch/packet, the same code the agent runs. For tests, benchmarks and tools that
 * play agents; the agent itself writes its messages straight from the decoder's offsets.
 */
import { classifyFrame, decodeFrame, parseIPv4, parseIPv6, parseMac } from '@neighwatch/packet';
import type { Observation } from './generated/neighwatch/v1/Observation';

export interface CaptureContext {
  sequence: number;
  timeUs: number;
  iface: string;
  direction: 'sent' | 'received';
}

/** The 4 or 16 bytes of an IP address in text; empty for null. */
export function ipBytes(text: string | null): Buffer {
  if (text === null) return Buffer.alloc(0);
  const bytes = text.includes(':') ? parseIPv6(text) : parseIPv4(text);
  if (!bytes) throw new Error(`bad IP ${text}`);
  return Buffer.from(bytes);
}

/** The 6 bytes of a MAC in text; empty for null or ''. */
export function macBytes(text: string | null): Buffer {
  if (!text) return Buffer.alloc(0);
  const bytes = parseMac(text);
  if (!bytes) throw new Error(`bad MAC ${text}`);
  return Buffer.from(bytes);
}

export function observationOf(frame: Uint8Array, at: CaptureContext): Observation {
  const record = classifyFrame(decodeFrame(frame));
  if (!record) throw new Error('not an ARP/NDP frame');
  return {
    sequence: at.sequence,
    captureTimeUs: at.timeUs,
    interface: at.iface,
    direction: at.direction === 'sent' ? 'DIRECTION_SENT' : 'DIRECTION_RECEIVED',
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
