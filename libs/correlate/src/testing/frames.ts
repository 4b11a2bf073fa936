/**
 * Test support: observations made the way the agent and `analyze` make them, from frames
 * built by libs/packet's encoders and classified by libs/packet (never hand-written records).
 */
import type { Direction, NeighborObservation } from '@neighwatch/model';
import { classifyFrame, decodeFrame } from '@neighwatch/packet';

export interface Where {
  node?: string;
  iface?: string;
  direction?: Direction;
  /** Seconds (fractional) since an arbitrary epoch; stored as microseconds. */
  at: number;
  ref?: number;
}

/** Base time of the tests (2026-01-01T00:00:00Z), so times look like capture times. */
export const T0_US = Date.UTC(2026, 0, 1) * 1000;

let nextRef = 1;

/** Classifies `frame` and places it at a vantage point. Throws if it is not ARP/NDP. */
export function observation(frame: Uint8Array, where: Where): NeighborObservation {
  const record = classifyFrame(decodeFrame(frame));
  if (record === null) throw new Error('frame is not ARP/NDP');
  return {
    node: where.node ?? 'capture',
    iface: where.iface ?? 'eth0',
    direction: where.direction ?? 'unknown',
    timeUs: T0_US + Math.round(where.at * 1_000_000),
    type: record.type,
    ethSrc: record.ethSrc,
    ethDst: record.ethDst,
    vlan: record.vlan,
    srcIp: record.srcIp,
    targetIp: record.targetIp,
    lladdr: record.lladdr,
    naFlags: record.naFlags,
    checksumOk: record.checksumOk,
    fingerprint: record.fingerprint,
    ref: where.ref ?? nextRef++,
  };
}

/** The field case's real frames (shared/fixtures/seed-capture.json), as bytes. */
export const SEED_FRAMES = {
  ipv4EchoRequestFromVm:
    '586d8f78ad40c417fe127d7508004500003c4cf400008001f3eec0a80a684a7de4500800fe5a02004d016162636465666768696a6b6c6d6e6f7071727374757677616263646566676869',
  ipv4EchoReplyToVm:
    'c417fe127d75586d8f78ad4008004520003cf2ec0000340199d64a7de450c0a80a680000065b02004d016162636465666768696a6b6c6d6e6f7071727374757677616263646566676869',
  ndpNsVmToRouterRewritten:
    '586d8f78ad40c417fe127d7586dd6000000000203afffe800000000000000203fffffe137d75fe800000000000005a6d8ffffe78ad40870055bb00000000fe800000000000005a6d8ffffe78ad4001010003ff137d75',
  ipv6EchoRequestFromVm:
    '586d8f78ad40c417fe127d7586dd6000000000283a8020010db8019201680203fffffe137d752607f8b0400c0c03000000000000006880009157000001f26162636465666768696a6b6c6d6e6f7071727374757677616263646566676869',
} as const;

export function hexFrame(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** The field case's addresses. */
export const FIELD = {
  hostMac: 'c4:17:fe:12:7d:75',
  vmMac: '00:03:ff:13:7d:75',
  routerMac: '58:6d:8f:78:ad:40',
  vmLinkLocal: 'fe80::203:ffff:fe13:7d75',
  vmGlobal: '2001:db8:192:168:203:ffff:fe13:7d75',
  routerLinkLocal: 'fe80::5a6d:8fff:fe78:ad40',
  hostLinkLocal: 'fe80::c617:feff:fe12:7d75',
  // IPv4 on documentation ranges (the report's 192.168.10.x is not published in full).
  vmIpv4: '192.0.2.104',
  hostIpv4: '192.0.2.10',
  routerIpv4: '192.0.2.1',
} as const;
