/**
 * Collector answers shaped exactly as the generated client delivers them (defaults filled,
 * enums as names), for unit tests of the renderers and commands. Addresses are the field
 * case's: the VM 00:03:ff:13:7d:75 bridged over the host c4:17:fe:12:7d:75, router 58:6d:8f:78:ad:40.
 */
import type { Binding__Output, Mismatch__Output, MismatchDetail__Output, Node__Output, Report__Output } from '@neighwatch/proto';

export const T0 = Date.UTC(2026, 10, 20, 10, 0, 0) * 1000;
export const HOUR_US = 3_600_000_000;
export const DAY_US = 24 * HOUR_US;

export const VM_MAC = '00:03:ff:13:7d:75';
export const HOST_MAC = 'c4:17:fe:12:7d:75';
export const ROUTER_MAC = '58:6d:8f:78:ad:40';
export const VM_LL = 'fe80::203:ffff:fe13:7d75';

export function mismatch(over: Partial<Mismatch__Output> = {}): Mismatch__Output {
  return {
    id: 1,
    kind: 'MISMATCH_KIND_LLADDR_MISMATCH',
    state: 'MISMATCH_STATE_OPEN',
    subject: VM_LL,
    ip: VM_LL,
    macs: [HOST_MAC, VM_MAC],
    vantagePoints: [{ node: 'router', interface: 'br0' }],
    firstSeenUs: T0,
    lastSeenUs: T0 + HOUR_US,
    count: 12,
    summary: `NS from ${HOST_MAC} carries source link-layer address ${VM_MAC}`,
    rewrittenFields: [],
    staleFields: [],
    suppressed: false,
    suppressedCount: 0,
    node: 'vm',
    ...over,
  };
}

export const FIELD_CASE_EXPLANATION = `IPv6 neighbors of vm learn ${VM_MAC}, but frames from vm leave host as ${HOST_MAC}: the NDP source link-layer option was not rewritten`;

export function node(over: Partial<Node__Output> = {}): Node__Output {
  return {
    name: 'router',
    agentVersion: '0.1.0',
    os: 'Linux 6.18.0 x86_64',
    connected: true,
    lastSeenUs: T0,
    clockOffsetUs: -1200,
    spoolDropped: 0,
    observations: 42,
    committedSequence: 42,
    interfaces: [
      { name: 'br0', mac: ROUTER_MAC, kind: 'INTERFACE_KIND_BRIDGE', bridgeMaster: '', up: true, addresses: ['192.0.2.1/24', '2001:db8::1/64'] },
    ],
    ...over,
  };
}

export function binding(over: Partial<Binding__Output> = {}): Binding__Output {
  return {
    ip: '192.0.2.10',
    mac: HOST_MAC,
    observer: 'router',
    interface: 'br0',
    source: 'BINDING_SOURCE_WIRE',
    firstSeenUs: T0,
    lastSeenUs: T0 + HOUR_US,
    count: 7,
    ...over,
  };
}

export function report(over: Partial<Report__Output> = {}): Report__Output {
  const a = mismatch({ id: 1 });
  const b = mismatch({ id: 2, kind: 'MISMATCH_KIND_REWRITTEN_IN_TRANSIT', vantagePoints: [{ node: 'vm', interface: 'eth0' }, { node: 'router', interface: 'br0' }], count: 5 });
  return {
    sinceUs: T0,
    untilUs: T0 + 3 * DAY_US,
    bucket: 'REPORT_BUCKET_DAY',
    occurrences: 17,
    byKind: [
      { key: 'MISMATCH_KIND_LLADDR_MISMATCH', occurrences: 12, mismatches: 1 },
      { key: 'MISMATCH_KIND_REWRITTEN_IN_TRANSIT', occurrences: 5, mismatches: 1 },
    ],
    byNode: [{ key: 'vm', occurrences: 17, mismatches: 2 }],
    byIp: [{ key: VM_LL, occurrences: 17, mismatches: 2 }],
    timeline: [
      { bucketStartUs: T0, kind: 'MISMATCH_KIND_LLADDR_MISMATCH', occurrences: 8 },
      { bucketStartUs: T0, kind: 'MISMATCH_KIND_REWRITTEN_IN_TRANSIT', occurrences: 2 },
      { bucketStartUs: T0 + 2 * DAY_US, kind: 'MISMATCH_KIND_LLADDR_MISMATCH', occurrences: 4 },
      { bucketStartUs: T0 + 2 * DAY_US, kind: 'MISMATCH_KIND_REWRITTEN_IN_TRANSIT', occurrences: 3 },
    ],
    top: [a, b],
    opened: [a, b],
    resolved: [],
    stillOpen: [a, b],
    generatedUs: T0 + 3 * DAY_US,
    ...over,
  };
}

export function detail(frames: Uint8Array[] = []): MismatchDetail__Output {
  return {
    mismatch: mismatch(),
    explanation: FIELD_CASE_EXPLANATION,
    evidence: frames.map((frame, i) => ({
      vantagePoint: { node: i % 2 ? 'host' : 'router', interface: i % 2 ? 'wlan0' : 'br0' },
      direction: 'DIRECTION_RECEIVED',
      timeUs: T0 + i * 20,
      type: 'MESSAGE_TYPE_NDP_NS',
      frame: Buffer.from(frame),
      frameLength: frame.length,
    })),
    history: [{ state: 'MISMATCH_STATE_OPEN', atUs: T0, by: '', note: '' }],
  };
}
