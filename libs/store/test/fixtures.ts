/** Builders for store tests and benchmarks: realistic observations and findings. */
import type { Finding, MismatchKind, NeighborObservation } from '@neighwatch/model';
import type { ObservationRecord } from '../src/types.ts';

export const T0 = Date.UTC(2026, 0, 1) * 1000;
export const HOUR = 3600 * 1_000_000;
export const DAY = 24 * HOUR;

/** An NS frame's worth of bytes (86 bytes, like the field case's NS with SLLAO). */
export const FRAME = Buffer.alloc(86, 0xab);

export function mac(i: number): string {
  const h = (i >>> 0).toString(16).padStart(8, '0');
  return `02:00:${h.slice(0, 2)}:${h.slice(2, 4)}:${h.slice(4, 6)}:${h.slice(6, 8)}`;
}

export function observation(node: string, sequence: number, timeUs: number, over: Partial<NeighborObservation> = {}): ObservationRecord {
  return {
    sequence,
    frame: FRAME,
    frameLength: FRAME.length,
    observation: {
      node,
      iface: 'eth0',
      direction: 'received',
      timeUs,
      type: 'NDP_NS',
      ethSrc: mac(1),
      ethDst: '33:33:ff:00:00:01',
      vlan: null,
      srcIp: `2001:db8::${(sequence % 256).toString(16)}`,
      targetIp: '2001:db8::1',
      lladdr: mac(2),
      naFlags: 0,
      checksumOk: true,
      fingerprint: '0011223344556677',
      ref: sequence,
      ...over,
    },
  };
}

export function batch(node: string, first: number, count: number, timeUs: number): ObservationRecord[] {
  const out: ObservationRecord[] = [];
  for (let i = 0; i < count; i++) out.push(observation(node, first + i, timeUs + i));
  return out;
}

export function finding(
  subject: string,
  timeUs: number,
  over: Partial<Finding> & { ref?: number; kind?: MismatchKind } = {},
): Finding {
  const node = over.vantagePoints?.[0]?.node ?? 'router';
  const { ref = 1, ...rest } = over;
  return {
    kind: 'LLADDR_MISMATCH',
    subject,
    ip: subject,
    macs: [mac(1), mac(2)],
    node: null,
    vantagePoints: [{ node, iface: 'eth0' }],
    timeUs,
    evidence: [{ node, iface: 'eth0', ref, timeUs }],
    summary: `NS from ${mac(1)} claims ${mac(2)} for ${subject}`,
    ...rest,
  };
}
