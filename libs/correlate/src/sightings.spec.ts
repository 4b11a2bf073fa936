import type { Finding, NeighborObservation } from '@neighwatch/model';
import { arpRequest } from '@neighwatch/packet';
import { describe, expect, it } from 'vitest';
import { CrossNodeCorrelator } from './cross-node';
import { macNumber, macText, MAX_IDENTITIES } from './sightings';
import { observation } from './testing/frames';

const REWRITER = '02:00:5e:00:53:99';

/** An ARP request from host `n` (distinct sender IP: a distinct fingerprint), sent at "vm". */
function sent(n: number, at: number): NeighborObservation {
  const mac = `02:00:00:00:${((n >> 8) & 255).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`;
  const frame = arpRequest({ senderMac: mac, senderIp: `198.18.${(n >> 8) & 255}.${n & 255}`, targetIp: '198.19.0.1' });
  return observation(frame, { node: 'vm', iface: 'eth0', direction: 'sent', at });
}

/** The same packet received at "router" with its Ethernet source rewritten. */
function rewritten(obs: NeighborObservation): NeighborObservation {
  return { ...obs, node: 'router', direction: 'received', timeUs: obs.timeUs + 200, ethSrc: REWRITER };
}

function rewrites(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.kind === 'REWRITTEN_IN_TRANSIT');
}

describe('the sighting window', () => {
  it('MAC numbers round-trip canonical text and reject anything else', () => {
    for (const mac of ['00:00:00:00:00:00', 'ff:ff:ff:ff:ff:ff', '02:00:5e:00:53:99', 'c4:17:fe:12:7d:75']) {
      expect(macText(macNumber(mac))).toBe(mac);
    }
    for (const mac of ['C4:17:FE:12:7D:75', 'c4-17-fe-12-7d-75', 'c4:17:fe:12:7d', '', 'c4:17:fe:12:7d:7g']) {
      expect(macNumber(mac)).toBe(-1);
    }
  });

  it('when full, drops the oldest arrivals first: a packet whose first sighting was dropped is not matched', () => {
    const c = new CrossNodeCorrelator({ maxSightings: 100 });
    const first = sent(0, 0);
    c.observe(first);
    for (let n = 1; n <= 100; n++) c.observe(sent(n, n / 1e4));
    expect(c.size().queued).toBe(100);
    // Host 0's sighting was the oldest: gone. Host 1's is still held.
    expect(rewrites(c.observe(rewritten(first)))).toEqual([]);
    const kept = rewrites(c.observe(rewritten(sent(2, 2 / 1e4))));
    expect(kept).toHaveLength(1);
    expect(kept[0].vantagePoints.map((p) => p.node)).toEqual(['vm', 'router']);
    expect(c.size().queued).toBe(100);
  });

  it('keeps matching across its growth, and counts distinct fingerprints', () => {
    const c = new CrossNodeCorrelator();
    const originals: NeighborObservation[] = [];
    for (let n = 0; n < 10_000; n++) {
      originals.push(sent(n, n / 1e6));
      c.observe(originals[n]);
    }
    expect(c.size()).toMatchObject({ fingerprints: 10_000, queued: 10_000 });
    let found = 0;
    for (const obs of originals) {
      const f = rewrites(c.observe(rewritten(obs)));
      found += f.length;
      if (f.length === 1) expect(f[0].macs.slice(0, 2)).toEqual([obs.ethSrc, REWRITER]);
    }
    expect(found).toBe(10_000);
    expect(c.size()).toMatchObject({ fingerprints: 10_000, queued: 20_000 });
  });

  it('reports MAC texts that are not canonical as they came', () => {
    const c = new CrossNodeCorrelator();
    const obs = { ...sent(1, 0), ethSrc: '02:00:00:00:00:0A', lladdr: '02:00:00:00:00:0A' };
    c.observe(obs);
    const [f] = rewrites(c.observe(rewritten(obs)));
    expect(f.macs.slice(0, 2)).toEqual(['02:00:00:00:00:0A', REWRITER]);
    expect(f.summary).toContain('02:00:00:00:00:0A');
  });

  it('matches fingerprints that are not 16 hex digits by their text', () => {
    const c = new CrossNodeCorrelator();
    const a = { ...sent(1, 0), fingerprint: 'not-hex' };
    const b = { ...sent(2, 0), fingerprint: 'other' };
    c.observe(a);
    c.observe(b);
    expect(rewrites(c.observe(rewritten(a)))).toHaveLength(1);
    expect(c.size().fingerprints).toBe(2);
  });

  it('restarts empty when its table of vantage points is full, and matches again after', () => {
    const c = new CrossNodeCorrelator();
    const base = sent(1, 0);
    for (let v = 0; v < MAX_IDENTITIES; v++) c.observe({ ...base, iface: `v${v}`, timeUs: base.timeUs + v });
    expect(c.size().queued).toBe(MAX_IDENTITIES);
    // One more vantage point: everything held so far is dropped, this one is kept.
    const last = { ...sent(2, 1), iface: 'new' };
    c.observe(last);
    expect(c.size()).toMatchObject({ queued: 1, fingerprints: 1 });
    expect(rewrites(c.observe(rewritten(last)))).toHaveLength(1);
  });
});

describe('observer bindings', () => {
  it('holds at most maxObserverBindings per observer, dropping the longest-held IP', () => {
    const c = new CrossNodeCorrelator({ maxObserverBindings: 50 });
    for (let n = 0; n < 120; n++) c.observe({ ...sent(n, n / 1e3), node: 'router', direction: 'received' });
    expect(c.size()).toMatchObject({ observers: 1, bindings: 50 });
  });
});
