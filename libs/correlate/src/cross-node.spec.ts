import type { Finding, NeighborObservation } from '@neighwatch/model';
import { arpRequest, eui64Address, encodeNdp } from '@neighwatch/packet';
import { describe, expect, it } from 'vitest';
import { FindingAggregator } from './aggregate';
import { CrossNodeCorrelator } from './cross-node';
import { explain } from './explain';
import { INVENTORIES, routerCache, routerReplyEverywhere, vmFramesEverywhere } from './testing/field-case';
import { FIELD, observation } from './testing/frames';

function correlator(): CrossNodeCorrelator {
  const c = new CrossNodeCorrelator();
  for (const inventory of INVENTORIES) c.setInventory(inventory);
  return c;
}

function feed(c: CrossNodeCorrelator, observations: NeighborObservation[]): Finding[] {
  const out: Finding[] = [];
  for (const obs of observations) out.push(...c.observe(obs));
  return out;
}

function rewrites(findings: Finding[], family: 'arp' | 'ndp'): Finding[] {
  return findings.filter((f) => f.kind === 'REWRITTEN_IN_TRANSIT' && f.subject.startsWith(family));
}

function pairs(findings: Finding[]): string[] {
  return findings.map((f) => f.vantagePoints.map((p) => `${p.node}/${p.iface}`).join(' > ')).sort();
}

describe('CrossNodeCorrelator: the field case at three vantage points', () => {
  const c = correlator();
  const findings = [...feed(c, [...vmFramesEverywhere(0, true), ...routerReplyEverywhere(0.6)])];
  for (const entry of routerCache(2, true)) findings.push(...c.observeNeighbor(entry));

  it('reports the NS rewritten in transit: Ethernet source rewritten, SLLAO left stale', () => {
    const ndp = rewrites(findings, 'ndp');
    expect(pairs(ndp)).toEqual([
      'host/vnet0 > host/eth0',
      'host/vnet0 > router/eth0',
      'vm/eth0 > host/eth0',
      'vm/eth0 > router/eth0',
    ]);
    for (const f of ndp) {
      expect(f.rewrittenFields).toEqual(['eth_src']);
      expect(f.staleFields).toEqual(['ndp_sllao']);
      expect(f.macs.slice(0, 2)).toEqual([FIELD.vmMac, FIELD.hostMac]);
      expect(f.ip).toBe(FIELD.vmLinkLocal);
      expect(f.node).toBe('vm');
    }
    const inside = ndp.find((f) => f.vantagePoints[0].node === 'host')!;
    expect(inside.summary).toContain('inside host, between vnet0 and eth0');
  });

  it('reports the ARP request rewritten in transit: Ethernet source and sender hardware address, nothing stale', () => {
    const arp = rewrites(findings, 'arp');
    expect(pairs(arp)).toContain('vm/eth0 > router/eth0');
    expect(pairs(arp)).toContain('host/vnet0 > host/eth0');
    for (const f of arp) {
      expect(f.rewrittenFields).toEqual(['eth_src', 'arp_sha']);
      expect(f.staleFields).toEqual([]);
    }
  });

  it('reports the router binding the VM’s IPv4 to the host’s MAC as BINDING_CONFLICT, on the wire and in its cache', () => {
    const conflicts = findings.filter((f) => f.kind === 'BINDING_CONFLICT');
    expect(conflicts.length).toBe(2);
    for (const f of conflicts) {
      expect(f.ip).toBe(FIELD.vmIpv4);
      expect(f.node).toBe('vm');
      expect(f.macs).toEqual([FIELD.vmMac, FIELD.hostMac]);
      expect(f.vantagePoints).toEqual([{ node: 'router', iface: 'eth0' }]);
    }
    expect(conflicts.map((f) => f.summary).join('\n')).toContain('neighbor cache');
  });

  it('reports SPLIT_STACK: the router reaches the VM’s IPv4 at the host’s MAC and its IPv6 at the VM’s MAC', () => {
    const split = findings.filter((f) => f.kind === 'SPLIT_STACK');
    expect(split.length).toBeGreaterThan(0);
    for (const f of split) {
      expect(f.subject).toBe('vm');
      expect(f.ip).toBe(FIELD.vmIpv4);
      expect(f.macs).toEqual([FIELD.hostMac, FIELD.vmMac]);
      expect(f.vantagePoints[0].node).toBe('router');
    }
  });

  it('reports nothing else (the router’s reply crosses unchanged)', () => {
    const kinds = new Set(findings.map((f) => f.kind));
    expect([...kinds].sort()).toEqual(['BINDING_CONFLICT', 'REWRITTEN_IN_TRANSIT', 'SPLIT_STACK']);
    expect(rewrites(findings, 'arp').every((f) => f.macs.includes(FIELD.vmMac))).toBe(true);
  });

  it('explains the rewrite in plain words with node names', () => {
    const ndp = rewrites(findings, 'ndp').find((f) => f.vantagePoints[1].node === 'router')!;
    expect(explain(ndp, c.nodeNames())).toContain(
      'IPv6 neighbors of vm learn 00:03:ff:13:7d:75, but frames from vm leave host as c4:17:fe:12:7d:75: the NDP source link-layer option was not rewritten',
    );
    const split = findings.find((f) => f.kind === 'SPLIT_STACK')!;
    expect(explain(split, c.nodeNames())).toContain('router reaches vm');
  });

  it('folds into one row per (kind, subject) with both points and bounded evidence', () => {
    const aggregator = new FindingAggregator({ evidencePerVantage: 1 });
    const more = feed(c, vmFramesEverywhere(5, true));
    aggregator.addAll(findings);
    aggregator.addAll(more);
    const rows = aggregator.rows().filter((r) => r.kind === 'REWRITTEN_IN_TRANSIT' && r.subject.startsWith('ndp') && r.subject.endsWith('router/eth0'));
    const fromVm = rows.find((r) => r.vantagePoints[0].node === 'vm')!;
    expect(fromVm.count).toBe(2);
    expect(fromVm.lastSeenUs - fromVm.firstSeenUs).toBeGreaterThan(4_000_000);
    expect(fromVm.evidence).toHaveLength(2); // one per vantage point
    expect(fromVm.staleFields).toEqual(['ndp_sllao']);
  });
});

describe('CrossNodeCorrelator: negative cases', () => {
  it('the wired variant (a VM with its own MAC on a bridge) reports nothing', () => {
    const c = correlator();
    const findings = feed(c, [...vmFramesEverywhere(0, false), ...routerReplyEverywhere(0.6), ...vmFramesEverywhere(1, false)]);
    for (const entry of routerCache(2, false)) findings.push(...c.observeNeighbor(entry));
    expect(findings).toEqual([]);
  });

  it('proxy ND: a node’s cache binding a proxied address to the router’s MAC is excused', () => {
    const c = correlator();
    const client = '02:00:00:00:00:0c';
    const proxyNa = observation(
      encodeNdp({
        ethSrc: FIELD.routerMac,
        ethDst: client,
        src: FIELD.routerLinkLocal,
        dst: eui64Address('fe80::', client),
        message: { type: 'NA', target: FIELD.vmGlobal, solicited: true, router: true, override: false },
        options: [{ type: 'target-lladdr', mac: FIELD.routerMac }],
      }),
      { node: 'client', iface: 'eth0', direction: 'received', at: 0 },
    );
    const findings = [...c.observe(proxyNa)];
    findings.push(
      ...c.observeNeighbor({ observer: 'client', iface: 'eth0', ip: FIELD.vmGlobal, mac: FIELD.routerMac, state: 'reachable', timeUs: proxyNa.timeUs + 1000 }),
    );
    expect(findings).toEqual([]);
  });

  it('a host answering for its address from another of its own interfaces (same or other own MAC)', () => {
    const c = correlator();
    const other = '02:00:00:00:00:0d';
    c.setInventory({
      node: 'multi',
      timeUs: 0,
      interfaces: [
        { name: 'eth0', mac: other, kind: 'physical', bridgeMaster: null, addresses: ['198.51.100.20', '2001:db8:7::20'] },
        { name: 'eth1', mac: '02:00:00:00:00:0e', kind: 'physical', bridgeMaster: null, addresses: ['198.51.100.21'] },
      ],
    });
    const findings = feed(c, [
      observation(arpRequest({ senderMac: '02:00:00:00:00:0e', senderIp: '198.51.100.20', targetIp: '198.51.100.1' }), {
        node: 'router',
        iface: 'eth0',
        direction: 'received',
        at: 0,
      }),
      observation(
        encodeNdp({
          ethSrc: other,
          src: '2001:db8:7::20',
          dst: 'ff02::1:ff00:1',
          message: { type: 'NS', target: '2001:db8:7::1' },
          options: [{ type: 'source-lladdr', mac: other }],
        }),
        { node: 'router', iface: 'eth0', direction: 'received', at: 1 },
      ),
    ]);
    expect(findings).toEqual([]);
  });
});

describe('CrossNodeCorrelator: a VM without an agent (grouped by MAC and EUI-64)', () => {
  function withoutVmAgent(): CrossNodeCorrelator {
    const c = new CrossNodeCorrelator();
    for (const inventory of INVENTORIES) if (inventory.node !== 'vm') c.setInventory(inventory);
    return c;
  }
  const agents = (list: NeighborObservation[]) => list.filter((o) => o.node !== 'vm');

  it('still reports SPLIT_STACK at the router, the VM named by its MAC', () => {
    const c = withoutVmAgent();
    const findings = feed(c, [...agents(vmFramesEverywhere(0, true)), ...agents(vmFramesEverywhere(1, true))]);
    const split = findings.filter((f) => f.kind === 'SPLIT_STACK');
    expect(split.length).toBeGreaterThan(0);
    for (const f of split) {
      expect(f.subject).toBe(FIELD.vmMac);
      expect(f.ip).toBe(FIELD.vmIpv4);
      expect(f.macs).toEqual([FIELD.hostMac, FIELD.vmMac]);
      expect(f.vantagePoints[0].node).toBe('router');
    }
    // The rewrite inside the host is still located, the original side being the VM-facing port.
    const inside = rewrites(findings, 'ndp').filter((f) => f.vantagePoints[0].iface === 'vnet0' && f.vantagePoints[1].iface === 'eth0');
    expect(inside.length).toBeGreaterThan(0);
  });

  it('reports nothing for the wired variant or for ordinary agent-less hosts', () => {
    const c = withoutVmAgent();
    const findings = feed(c, [...agents(vmFramesEverywhere(0, false)), ...agents(routerReplyEverywhere(0.6)), ...agents(vmFramesEverywhere(1, false))]);
    const other = '02:00:00:00:00:77';
    const otherLl = eui64Address('fe80::', other);
    findings.push(
      ...feed(c, [
        observation(arpRequest({ senderMac: other, senderIp: '192.0.2.77', targetIp: FIELD.routerIpv4 }), { node: 'router', iface: 'eth0', direction: 'received', at: 2 }),
        observation(
          encodeNdp({ ethSrc: other, src: otherLl, dst: 'ff02::1:ff00:1', message: { type: 'NS', target: FIELD.routerLinkLocal }, options: [{ type: 'source-lladdr', mac: other }] }),
          { node: 'router', iface: 'eth0', direction: 'received', at: 2.1 },
        ),
      ]),
    );
    expect(findings).toEqual([]);
  });
});

describe('CrossNodeCorrelator: matching', () => {
  it('pairs each retransmission with its nearest sighting, whichever batch arrives first', () => {
    const c = correlator();
    const all = [...vmFramesEverywhere(0, true), ...vmFramesEverywhere(1, true)];
    const router = all.filter((o) => o.node === 'router' && o.type === 'NDP_NS');
    const vm = all.filter((o) => o.node === 'vm' && o.type === 'NDP_NS');
    const findings = feed(c, [...router, ...vm]);
    const ndp = rewrites(findings, 'ndp');
    expect(ndp).toHaveLength(2);
    for (const f of ndp) {
      expect(f.vantagePoints.map((p) => p.node)).toEqual(['vm', 'router']);
      const [a, b] = f.evidence;
      expect(Math.abs(a.timeUs - b.timeUs)).toBeLessThan(1000);
    }
  });

  it('does not pair sightings further apart than the skew window', () => {
    const c = correlator();
    const all = vmFramesEverywhere(0, true).filter((o) => o.type === 'NDP_NS');
    const vm = all.find((o) => o.node === 'vm')!;
    const router = all.find((o) => o.node === 'router')!;
    expect(feed(c, [vm, { ...router, timeUs: vm.timeUs + 600_000 }])).toEqual([]);
  });

  it('re-checks earlier bindings when an inventory arrives late', () => {
    const c = new CrossNodeCorrelator();
    feed(c, vmFramesEverywhere(0, true).filter((o) => o.node === 'router'));
    const findings = [...c.setInventory(INVENTORIES[0])];
    expect(findings.map((f) => f.kind)).toContain('BINDING_CONFLICT');
  });

  it('forgets sightings behind the match horizon', () => {
    const c = new CrossNodeCorrelator({ matchHorizonUs: 1_000_000 });
    for (let s = 0; s < 50; s++) feed(c, vmFramesEverywhere(s, false));
    expect(c.size().fingerprints).toBeLessThanOrEqual(2);
    expect(c.size().queued).toBeLessThanOrEqual(4 * 2 * 3);
  });
});
