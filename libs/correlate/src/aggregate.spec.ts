import type { Finding } from '@neighwatch/model';
import { describe, expect, it } from 'vitest';
import { FindingAggregator } from './aggregate';
import { MISMATCH_KINDS } from '@neighwatch/model';
import { explain } from './explain';
import { Eui64Memo } from './eui64';

function occurrence(over: Partial<Finding> & Pick<Finding, 'timeUs'>): Finding {
  return {
    kind: 'DUPLICATE_ADDRESS',
    subject: '192.0.2.10',
    ip: '192.0.2.10',
    macs: ['02:00:00:00:00:0a', '02:00:00:00:00:0b'],
    node: null,
    vantagePoints: [{ node: 'capture', iface: 'eth0' }],
    evidence: [{ node: 'capture', iface: 'eth0', ref: Math.round(over.timeUs), timeUs: over.timeUs }],
    summary: 'first',
    ...over,
  };
}

describe('FindingAggregator', () => {
  it('folds occurrences into one row per (kind, subject) with first/last seen and every MAC and vantage point', () => {
    const aggregator = new FindingAggregator({ evidencePerVantage: 2 });
    aggregator.add(occurrence({ timeUs: 30 }));
    aggregator.add(occurrence({ timeUs: 10, summary: 'second', macs: ['02:00:00:00:00:0b', '02:00:00:00:00:0c'] }));
    aggregator.add(occurrence({ timeUs: 20, vantagePoints: [{ node: 'router', iface: 'eth1' }], evidence: [{ node: 'router', iface: 'eth1', ref: 7, timeUs: 20 }] }));
    aggregator.add(occurrence({ timeUs: 40 }));
    aggregator.add(occurrence({ timeUs: 50, subject: '192.0.2.11', ip: '192.0.2.11' }));
    aggregator.add(occurrence({ timeUs: 60, kind: 'MAC_CHANGED' }));

    const rows = aggregator.rows();
    expect(rows.map((r) => `${r.kind} ${r.subject} ${r.count}`)).toEqual([
      'DUPLICATE_ADDRESS 192.0.2.10 4',
      'DUPLICATE_ADDRESS 192.0.2.11 1',
      'MAC_CHANGED 192.0.2.10 1',
    ]);
    const row = rows[0];
    expect(row.firstSeenUs).toBe(10);
    expect(row.lastSeenUs).toBe(40);
    expect(row.summary).toBe('first');
    expect(row.macs).toEqual(['02:00:00:00:00:0a', '02:00:00:00:00:0b', '02:00:00:00:00:0c']);
    expect(row.vantagePoints).toEqual([
      { node: 'capture', iface: 'eth0' },
      { node: 'router', iface: 'eth1' },
    ]);
    // Two references per vantage point, the first ones.
    expect(row.evidence.map((e) => `${e.node}:${e.ref}`)).toEqual(['capture:30', 'capture:10', 'router:7']);
  });
});

describe('explain', () => {
  it('says something specific for every kind, naming nodes when it can', () => {
    const names = new Map([
      ['02:00:00:00:00:0a', 'alpha'],
      ['02:00:00:00:00:0b', 'beta'],
    ]);
    for (const kind of MISMATCH_KINDS) {
      const text = explain(
        {
          kind,
          subject: 'x',
          ip: '192.0.2.10',
          macs: ['02:00:00:00:00:0a', '02:00:00:00:00:0b'],
          node: 'alpha',
          vantagePoints: [
            { node: 'alpha', iface: 'eth0' },
            { node: 'router', iface: 'eth0' },
          ],
          rewrittenFields: ['eth_src'],
          staleFields: [],
          summary: '',
        },
        names,
      );
      expect(text.length, kind).toBeGreaterThan(60);
      expect(text, kind).toMatch(/alpha|beta/);
    }
  });
});

describe('Eui64Memo', () => {
  it('recovers the MAC of a modified EUI-64 interface ID and rejects other IDs', () => {
    const memo = new Eui64Memo();
    expect(memo.macOf('fe80::203:ffff:fe13:7d75')).toBe('00:03:ff:13:7d:75');
    expect(memo.macOf('2001:db8:192:168:203:ffff:fe13:7d75')).toBe('00:03:ff:13:7d:75');
    expect(memo.macOf('fe80::5a6d:8fff:fe78:ad40')).toBe('58:6d:8f:78:ad:40');
    expect(memo.macOf('2001:db8::8a3c:21d4:77e1:9b02')).toBeNull();
    expect(memo.macOf('::')).toBeNull();
    expect(memo.macOf('fe80::203:ffff:fe13:7d75')).toBe('00:03:ff:13:7d:75');
  });
});
