import { describe, expect, it } from 'vitest';
import type { Observation__Output, ObservationBatch__Output } from '@neighwatch/proto';
import { DEFAULT_LIMITS, FieldError, validateBatch, validateHello, validateInventory, validateNeighbors } from './validate';

const NOW = Date.UTC(2026, 10, 26, 12) * 1000;
const mac = (last: number) => Buffer.from([0x00, 0x03, 0xff, 0x13, 0x7d, last]);
const ip6 = (last: number) => Buffer.from([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 2, 3, 0xff, 0xff, 0xfe, 0x13, 0x7d, last]);

function ns(sequence: number, over: Partial<Observation__Output> = {}): Observation__Output {
  return {
    sequence,
    captureTimeUs: NOW - 1000,
    interface: 'eth0',
    direction: 'DIRECTION_SENT',
    ethSrc: mac(0x75),
    ethDst: Buffer.from([0x33, 0x33, 0xff, 0x78, 0xad, 0x40]),
    vlan: 0,
    type: 'MESSAGE_TYPE_NDP_NS',
    senderIp: ip6(0x75),
    targetIp: ip6(0x40),
    lladdr: mac(0x75),
    naFlags: 0,
    checksum: 'CHECKSUM_STATUS_VALID',
    fingerprint: Buffer.alloc(8, 1),
    frame: Buffer.alloc(86),
    frameLength: 86,
    ...over,
  };
}

function arp(sequence: number, over: Partial<Observation__Output> = {}): Observation__Output {
  return ns(sequence, {
    type: 'MESSAGE_TYPE_ARP_REQUEST',
    senderIp: Buffer.from([192, 0, 2, 104]),
    targetIp: Buffer.from([192, 0, 2, 1]),
    checksum: 'CHECKSUM_STATUS_NOT_APPLICABLE',
    frame: Buffer.alloc(42),
    frameLength: 60,
    ...over,
  });
}

const batch = (...observations: Observation__Output[]): ObservationBatch__Output => ({ agentTimeUs: NOW, observations });

function problem(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof FieldError) return e.message;
    throw e;
  }
  throw new Error('expected a FieldError');
}

describe('validateBatch', () => {
  it('accepts well-formed ARP and NDP observations', () => {
    expect(validateBatch(batch(arp(1), ns(2), ns(3, { type: 'MESSAGE_TYPE_NDP_RS', targetIp: Buffer.alloc(0), lladdr: Buffer.alloc(0) })), NOW, DEFAULT_LIMITS)).toHaveLength(3);
  });

  it('names the observation index and field with the wrong MAC length', () => {
    expect(problem(() => validateBatch(batch(ns(1), ns(2), ns(3), ns(4, { ethSrc: Buffer.alloc(5) })), NOW, DEFAULT_LIMITS))).toBe(
      'observations[3].eth_src: 5 bytes, want 6',
    );
  });

  it('rejects an IPv6 sender in an ARP packet and an IPv4 sender in NDP', () => {
    expect(problem(() => validateBatch(batch(arp(1, { senderIp: ip6(1) })), NOW, DEFAULT_LIMITS))).toBe('observations[0].sender_ip: 16 bytes, want 4');
    expect(problem(() => validateBatch(batch(ns(1, { senderIp: Buffer.from([192, 0, 2, 1]) })), NOW, DEFAULT_LIMITS))).toBe(
      'observations[0].sender_ip: 4 bytes, want 16',
    );
  });

  it('rejects a target address on a Router Solicitation and a missing one on an NS', () => {
    expect(problem(() => validateBatch(batch(ns(1, { type: 'MESSAGE_TYPE_NDP_RS' })), NOW, DEFAULT_LIMITS))).toBe(
      'observations[0].target_ip: 16 bytes, want 0',
    );
    expect(problem(() => validateBatch(batch(ns(1, { targetIp: Buffer.alloc(0) })), NOW, DEFAULT_LIMITS))).toBe(
      'observations[0].target_ip: 0 bytes, want 16',
    );
  });

  it('requires sequences to increase strictly within a batch', () => {
    expect(problem(() => validateBatch(batch(ns(5), ns(5)), NOW, DEFAULT_LIMITS))).toMatch(/^observations\[1\]\.sequence: 5 does not follow 5/);
    expect(problem(() => validateBatch(batch(ns(0)), NOW, DEFAULT_LIMITS))).toMatch(/^observations\[0\]\.sequence:/);
  });

  it('rejects unknown enum values, which arrive as numbers', () => {
    expect(problem(() => validateBatch(batch(ns(1, { type: 42 as unknown as 'MESSAGE_TYPE_NDP_NS' })), NOW, DEFAULT_LIMITS))).toBe(
      'observations[0].type: unknown message type 42',
    );
    expect(problem(() => validateBatch(batch(ns(1, { type: 'MESSAGE_TYPE_UNSPECIFIED' })), NOW, DEFAULT_LIMITS))).toMatch(/type: unknown/);
    expect(problem(() => validateBatch(batch(ns(1, { direction: 7 as unknown as 'DIRECTION_SENT' })), NOW, DEFAULT_LIMITS))).toBe(
      'observations[0].direction: unknown value 7',
    );
  });

  it('rejects frames above the snap cap and lengths below what was captured', () => {
    expect(problem(() => validateBatch(batch(ns(1, { frame: Buffer.alloc(3000), frameLength: 3000 })), NOW, DEFAULT_LIMITS))).toBe(
      'observations[0].frame: 3000 bytes, at most 2048',
    );
    expect(problem(() => validateBatch(batch(ns(1, { frameLength: 10 })), NOW, DEFAULT_LIMITS))).toMatch(/frame_length: 10 with 86/);
  });

  it('accepts frames from cooked captures (no destination) and an unknown wire length', () => {
    expect(validateBatch(batch(ns(1, { ethDst: Buffer.alloc(0), frameLength: 0 })), NOW, DEFAULT_LIMITS)).toHaveLength(1);
    expect(problem(() => validateBatch(batch(ns(1, { ethDst: Buffer.alloc(3) })), NOW, DEFAULT_LIMITS))).toBe('observations[0].eth_dst: 3 bytes, want 6 or 0');
  });

  it('rejects capture times absurdly far from now', () => {
    expect(problem(() => validateBatch(batch(ns(1, { captureTimeUs: NOW + 3 * 86_400e6 })), NOW, DEFAULT_LIMITS))).toMatch(
      /capture_time_us: .* too far in the future/,
    );
    expect(problem(() => validateBatch(batch(ns(1, { captureTimeUs: 1_000_000 })), NOW, DEFAULT_LIMITS))).toMatch(/too far in the past/);
  });

  it('caps the number of observations per batch', () => {
    const many = Array.from({ length: 11 }, (_, i) => ns(i + 1));
    expect(problem(() => validateBatch(batch(...many), NOW, { ...DEFAULT_LIMITS, maxBatchObservations: 10 }))).toBe(
      'observations: 11 observations, at most 10 per batch',
    );
  });

  it('rejects NA flags on anything but an NA, and bounded strings', () => {
    expect(problem(() => validateBatch(batch(ns(1, { naFlags: 2 })), NOW, DEFAULT_LIMITS))).toMatch(/na_flags: set on a MESSAGE_TYPE_NDP_NS/);
    expect(problem(() => validateBatch(batch(ns(1, { interface: 'x'.repeat(65) })), NOW, DEFAULT_LIMITS))).toBe(
      'observations[0].interface: 65 characters, at most 64',
    );
    expect(problem(() => validateBatch(batch(ns(1, { interface: 'eth0\n' })), NOW, DEFAULT_LIMITS))).toMatch(/control character/);
  });
});

describe('validateHello', () => {
  const hello = { node: 'vm', agentVersion: '0.1.0', os: 'Linux', bootId: 'b', agentTimeUs: NOW, spoolDropped: 0, nextSequence: 1 };
  it('accepts a good Hello and rejects a bad node name', () => {
    expect(validateHello(hello, NOW, DEFAULT_LIMITS).node).toBe('vm');
    expect(problem(() => validateHello({ ...hello, node: '' }, NOW, DEFAULT_LIMITS))).toBe('hello.node: empty');
    expect(problem(() => validateHello({ ...hello, node: 'a b' }, NOW, DEFAULT_LIMITS))).toMatch(/hello.node: "a b" is not a node name/);
  });
  it('rejects a missing Hello', () => {
    expect(problem(() => validateHello(null, NOW, DEFAULT_LIMITS))).toBe('hello: missing');
  });
});

describe('validateInventory and validateNeighbors', () => {
  it('checks MAC and address lengths and prefix lengths', () => {
    const itf = { name: 'eth0', index: 2, mac: mac(1), kind: 'INTERFACE_KIND_PHYSICAL' as const, bridgeMaster: '', up: true, mtu: 1500, addresses: [{ ip: Buffer.from([192, 0, 2, 1]), prefixLength: 24 }], vlanId: 0, vlanParent: '' };
    expect(validateInventory({ agentTimeUs: NOW, interfaces: [itf], spoolDropped: 0 }, NOW, DEFAULT_LIMITS).interfaces).toHaveLength(1);
    expect(problem(() => validateInventory({ agentTimeUs: NOW, interfaces: [{ ...itf, addresses: [{ ip: Buffer.alloc(4), prefixLength: 33 }] }], spoolDropped: 0 }, NOW, DEFAULT_LIMITS))).toBe(
      'inventory.interfaces[0].addresses[0].prefix_length: 33, at most 32',
    );
    expect(problem(() => validateInventory({ agentTimeUs: NOW, interfaces: [{ ...itf, mac: Buffer.alloc(7) }], spoolDropped: 0 }, NOW, DEFAULT_LIMITS))).toBe(
      'inventory.interfaces[0].mac: 7 bytes, want 0 or 6',
    );
  });
  it('checks neighbor entries', () => {
    const entry = { interface: 'br0', ip: Buffer.from([192, 0, 2, 104]), mac: mac(1), state: 'NEIGHBOR_STATE_REACHABLE' as const, router: false, removed: false };
    expect(validateNeighbors({ agentTimeUs: NOW, full: true, entries: [entry] }, NOW, DEFAULT_LIMITS).entries).toHaveLength(1);
    expect(problem(() => validateNeighbors({ agentTimeUs: NOW, full: true, entries: [{ ...entry, ip: Buffer.alloc(5) }] }, NOW, DEFAULT_LIMITS))).toBe(
      'neighbors.entries[0].ip: 5 bytes, want 4 or 16',
    );
  });
});
