import { describe, expect, it } from 'vitest';
import type { IngestUnit, ObservationRecord } from '@neighwatch/store';
import { packIngestUnit, recyclePacked, unpackIngestUnit } from './ingest-pack.js';

function record(sequence: number, over: Partial<ObservationRecord['observation']> = {}, frame = Buffer.from([1, 2, 3, 4])): ObservationRecord {
  return {
    sequence,
    observation: {
      node: 'host-a',
      iface: 'wlan0',
      direction: 'received',
      timeUs: 1_764_000_000_000_000,
      type: 'NDP_NS',
      ethSrc: '02:00:00:00:00:01',
      ethDst: '33:33:ff:00:00:01',
      vlan: null,
      srcIp: 'fe80::1',
      targetIp: '2001:db8::1',
      lladdr: '02:00:00:00:00:02',
      naFlags: 0,
      checksumOk: true,
      fingerprint: '0123456789abcdef',
      ref: sequence,
      ...over,
    },
    frame,
    frameLength: frame.length + 10,
  };
}

const roundTrip = (unit: IngestUnit) => unpackIngestUnit(packIngestUnit(unit));

describe('ingest unit packing', () => {
  it('gives back every observation field shape', () => {
    const unit: IngestUnit = {
      observations: [
        record(1),
        record(Number.MAX_SAFE_INTEGER, { vlan: 4094, targetIp: null, lladdr: null, checksumOk: false, naFlags: 7, ref: Number.MAX_SAFE_INTEGER }),
        record(0, { ethDst: '', node: '', iface: '', checksumOk: null, vlan: 0, direction: 'sent', type: 'ARP_REQUEST', srcIp: '192.0.2.1' }, Buffer.alloc(0)),
        record(3, { node: 'nœud-ü-🐴' }, Buffer.alloc(1500, 0xab)),
      ],
    };
    const back = roundTrip(unit);
    expect(back).toStrictEqual(unit);
    expect(Buffer.isBuffer(back.observations[3]!.frame)).toBe(true);
    expect(back.observations[1]!.sequence).toBe(2 ** 53 - 1);
  });

  it('keeps optional lists absent, empty or full', () => {
    expect(roundTrip({ observations: [] })).toStrictEqual({ observations: [] });
    const empty: IngestUnit = { observations: [], findings: [], bindings: [], rejected: [] };
    expect(roundTrip(empty)).toStrictEqual(empty);
  });

  it('gives back findings, bindings and rejected ranges', () => {
    const unit: IngestUnit = {
      observations: [record(5)],
      findings: [
        {
          finding: {
            kind: 'REWRITTEN_IN_TRANSIT',
            subject: 'fe80::203:ffff:fe13:7d75',
            ip: 'fe80::203:ffff:fe13:7d75',
            macs: ['02:00:00:00:00:01', '02:00:00:00:00:02'],
            node: 'vm',
            vantagePoints: [
              { node: 'vm', iface: 'eth0' },
              { node: 'router', iface: 'br0' },
            ],
            timeUs: 12,
            evidence: [
              { node: 'vm', iface: 'eth0', ref: 5, timeUs: 11 },
              { node: 'router', iface: 'br0', ref: Number.MAX_SAFE_INTEGER, timeUs: 12 },
            ],
            rewrittenFields: ['ethSrc'],
            staleFields: [],
            summary: 'the bridge rewrote the source "but" not the SLLAO',
          },
          suppressed: true,
        },
        {
          finding: { kind: 'BINDING_CONFLICT', subject: '', ip: null, macs: [], node: null, vantagePoints: [], timeUs: 0, evidence: [], summary: '' },
          suppressed: false,
        },
        {
          finding: { kind: 'SPLIT_STACK', subject: 's', ip: '192.0.2.9', macs: ['02:00:00:00:00:09'], node: null, vantagePoints: [], timeUs: 1, evidence: [], staleFields: ['lladdr'], summary: 'x' },
        },
      ],
      bindings: [
        { ip: '192.0.2.1', mac: '02:00:00:00:00:01', observer: 'host-a', iface: 'wlan0', source: 'neighbor_cache', firstSeenUs: 1, lastSeenUs: Number.MAX_SAFE_INTEGER, count: 3 },
        { ip: '', mac: '', observer: '', iface: '', source: 'inventory', firstSeenUs: 0, lastSeenUs: 0, count: 0 },
      ],
      rejected: [
        { node: 'host-a', firstSequence: 1, lastSequence: Number.MAX_SAFE_INTEGER },
        { node: '', firstSequence: 0, lastSequence: 0 },
      ],
    };
    expect(roundTrip(unit)).toStrictEqual(unit);
  });

  it('is one transferable buffer that holds the frames once', () => {
    const frames = Array.from({ length: 100 }, (_, i) => Buffer.alloc(90, i));
    const unit = { observations: frames.map((f, i) => record(i + 1, {}, f)) };
    const packed = packIngestUnit(unit);
    const copy = packed.slice(0);
    // 100 frames of 90 bytes, 17 numbers and ~110 bytes of text per observation, rounded
    // up to whole 64 KiB with a quarter's headroom.
    expect(packed.byteLength).toBeGreaterThan(100 * 90);
    expect(packed.byteLength).toBeLessThanOrEqual(65536);
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(packed, [packed]);
    expect(packed.byteLength).toBe(0);
    port1.close();
    port2.close();
    expect(unpackIngestUnit(copy)).toStrictEqual(unit);
  });

  it('packs the next unit into a buffer handed back, without leaking what it held', () => {
    const big = { observations: Array.from({ length: 50 }, (_, i) => record(i + 1, { node: 'a-long-node-name-'.repeat(4) }, Buffer.alloc(200, 7))) };
    const first = packIngestUnit(big);
    expect(unpackIngestUnit(first)).toStrictEqual(big);
    recyclePacked(first);
    const small = { observations: [record(9, { targetIp: null }, Buffer.from([9, 9]))] };
    const second = packIngestUnit(small);
    expect(second).toBe(first);
    expect(unpackIngestUnit(second)).toStrictEqual(small);
    // A buffer too small for the next unit is passed over, not overrun.
    recyclePacked(second);
    const huge = { observations: Array.from({ length: 500 }, (_, i) => record(i + 1, { node: `node-${i}-`.repeat(30) }, Buffer.alloc(300, i & 255))) };
    const third = packIngestUnit(huge);
    expect(third).not.toBe(second);
    expect(third.byteLength).toBeGreaterThan(500 * 300);
    expect(unpackIngestUnit(third)).toStrictEqual(huge);
    // Buffers that were transferred away (detached) are not kept.
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(third, [third]);
    port1.close();
    port2.close();
    recyclePacked(third);
    expect(unpackIngestUnit(packIngestUnit(small))).toStrictEqual(small);
  });
});
