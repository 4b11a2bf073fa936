import type { Finding, MismatchKind, NeighborObservation } from '@neighwatch/model';
import { arpAnnouncement, arpProbe, arpReply, arpRequest, eui64Address, encodeNdp, solicitedNodeMulticast } from '@neighwatch/packet';
import { describe, expect, it } from 'vitest';
import { PHANTOM_WINDOW_US } from './constants';
import { FIELD, hexFrame, observation, SEED_FRAMES, type Where } from './testing/frames';
import { VantageCorrelator, VantageCorrelators } from './vantage';

const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';
const ROUTER = '02:00:00:00:00:01';
const IP_A = '192.0.2.10';
const IP_B = '192.0.2.11';
const LL_A = eui64Address('fe80::', A);
const LL_B = eui64Address('fe80::', B);
const LL_ROUTER = eui64Address('fe80::', ROUTER);
const GLOBAL_A = eui64Address('2001:db8::', A);

/** Runs observations through one correlator, then flushes; returns every finding. */
function run(observations: NeighborObservation[], correlator = new VantageCorrelator()): Finding[] {
  const out: Finding[] = [];
  for (const obs of observations) out.push(...correlator.observe(obs));
  out.push(...correlator.flush());
  return out;
}

function kinds(findings: Finding[]): MismatchKind[] {
  return findings.map((f) => f.kind);
}

const ns = (ethSrc: string, src: string, target: string, sllao: string | null, where: Where, ethDst?: string) =>
  observation(
    encodeNdp({
      ethSrc,
      ethDst,
      src,
      dst: src === '::' ? solicitedNodeMulticast(target) : solicitedNodeMulticast(target),
      message: { type: 'NS', target },
      options: sllao === null ? [] : [{ type: 'source-lladdr', mac: sllao }],
    }),
    where,
  );

const na = (
  ethSrc: string,
  src: string,
  target: string,
  tllao: string | null,
  flags: { override?: boolean; solicited?: boolean; router?: boolean },
  where: Where,
) =>
  observation(
    encodeNdp({
      ethSrc,
      src,
      dst: 'ff02::1',
      message: { type: 'NA', target, ...flags },
      options: tllao === null ? [] : [{ type: 'target-lladdr', mac: tllao }],
    }),
    where,
  );

describe('VantageCorrelator: the field case', () => {
  it('finds exactly LLADDR_MISMATCH and EUI64_MISMATCH in the seed Neighbor Solicitation', () => {
    const obs = observation(hexFrame(SEED_FRAMES.ndpNsVmToRouterRewritten), { at: 0, ref: 3 });
    const findings = run([obs]);
    expect(kinds(findings).sort()).toEqual(['EUI64_MISMATCH', 'LLADDR_MISMATCH']);
    const lladdr = findings.find((f) => f.kind === 'LLADDR_MISMATCH')!;
    expect(lladdr.ip).toBe(FIELD.vmLinkLocal);
    expect(lladdr.macs).toEqual([FIELD.hostMac, FIELD.vmMac]);
    expect(lladdr.evidence.map((e) => e.ref)).toEqual([3]);
    expect(lladdr.summary).toContain('source link-layer address option');
    const eui = findings.find((f) => f.kind === 'EUI64_MISMATCH')!;
    expect(eui.ip).toBe(FIELD.vmLinkLocal);
    expect(eui.macs).toEqual([FIELD.hostMac, FIELD.vmMac]);
  });

  it('reports the claimed VM MAC as a phantom once a minute passes without a frame from it', () => {
    const at = (s: number) => ({ at: s });
    const frames = [0, 30, 61].map((s) => observation(hexFrame(SEED_FRAMES.ndpNsVmToRouterRewritten), at(s)));
    const findings = run(frames);
    const phantom = findings.filter((f) => f.kind === 'PHANTOM_LLADDR');
    expect(phantom).toHaveLength(1);
    expect(phantom[0].subject).toBe(FIELD.vmMac);
    expect(phantom[0].ip).toBe(FIELD.vmLinkLocal);
    expect(phantom[0].macs).toEqual([FIELD.vmMac, FIELD.hostMac]);
    expect(phantom[0].evidence.length).toBeGreaterThanOrEqual(2);
  });
});

describe('LLADDR_MISMATCH per message type', () => {
  it('flags an ARP request whose sender hardware address is not the Ethernet source', () => {
    const obs = observation(arpRequest({ ethSrc: A, senderMac: B, senderIp: IP_B, targetIp: IP_A }), { at: 0 });
    const findings = run([obs]);
    expect(kinds(findings)).toEqual(['LLADDR_MISMATCH']);
    expect(findings[0].ip).toBe(IP_B);
    expect(findings[0].summary).toContain('ARP sender hardware address');
  });

  it('accepts a proxy ARP reply: the proxy claims the address with its own MAC in both fields', () => {
    const obs = observation(arpReply({ senderMac: ROUTER, senderIp: '198.51.100.7', targetMac: A, targetIp: IP_A }), { at: 0 });
    expect(run([obs])).toEqual([]);
  });

  it('flags an NA whose target link-layer option differs from the source when Override is set', () => {
    const obs = na(A, LL_A, LL_A, B, { override: true, solicited: true }, { at: 0 });
    expect(kinds(run([obs]))).toContain('LLADDR_MISMATCH');
  });

  it('flags a Router Advertisement whose source link-layer option is not the router’s frame source', () => {
    const ra = observation(
      encodeNdp({ ethSrc: ROUTER, src: LL_ROUTER, dst: 'ff02::1', message: { type: 'RA' }, options: [{ type: 'source-lladdr', mac: B }] }),
      { at: 0 },
    );
    expect(kinds(run([ra]))).toEqual(['LLADDR_MISMATCH']);
  });

  it('never compares a Redirect’s target link-layer option with the sender (it names the better hop)', () => {
    const redirect = observation(
      encodeNdp({
        ethSrc: ROUTER,
        ethDst: A,
        src: LL_ROUTER,
        dst: LL_A,
        message: { type: 'Redirect', target: LL_B, destination: '2001:db8:1::1' },
        options: [{ type: 'target-lladdr', mac: B }],
      }),
      { at: 0 },
    );
    // B speaks within the window: the claimed MAC is live, so no phantom either.
    const fromB = ns(B, LL_B, LL_ROUTER, B, { at: 1 });
    expect(run([redirect, fromB])).toEqual([]);
  });
});

describe('EUI64_MISMATCH', () => {
  it('flags an NA whose target is EUI-64 of another MAC than the frame’s source', () => {
    const obs = na(B, LL_B, GLOBAL_A, B, { override: true }, { at: 0 });
    const findings = run([obs]);
    expect(kinds(findings)).toEqual(['EUI64_MISMATCH']);
    expect(findings[0].ip).toBe(GLOBAL_A);
    expect(findings[0].macs).toEqual([B, A]);
  });

  it('ignores random (privacy) interface IDs', () => {
    const obs = ns(B, '2001:db8::8a3c:21d4:77e1:9b02', LL_ROUTER, B, { at: 0 });
    expect(run([obs])).toEqual([]);
  });
});

describe('negative cases: nothing to report', () => {
  it('proxy ND: a router answering NA for another address with its own MAC, Override clear', () => {
    const proxied = eui64Address('2001:db8:5::', A);
    const findings = run([
      ns(B, LL_B, proxied, B, { at: 0 }),
      na(ROUTER, LL_ROUTER, proxied, ROUTER, { override: false, solicited: true, router: true }, { at: 0.001 }),
      na(ROUTER, LL_ROUTER, proxied, ROUTER, { override: false, solicited: true, router: true }, { at: 30 }),
      ns(ROUTER, LL_ROUTER, LL_B, ROUTER, { at: 31 }),
    ]);
    expect(findings).toEqual([]);
  });

  it('a VM with its own MAC on a wired bridge, seen at the VM, the host ports and the router', () => {
    const out: Finding[] = [];
    for (const [node, iface] of [
      ['vm', 'eth0'],
      ['host', 'vnet0'],
      ['host', 'eth0'],
      ['router', 'eth0'],
    ]) {
      out.push(
        ...run([
          ns(FIELD.vmMac, FIELD.vmLinkLocal, FIELD.routerLinkLocal, FIELD.vmMac, { node, iface, at: 0 }),
          na(FIELD.routerMac, FIELD.routerLinkLocal, FIELD.routerLinkLocal, FIELD.routerMac, { override: true, solicited: true, router: true }, { node, iface, at: 0.001 }),
          observation(arpRequest({ senderMac: FIELD.vmMac, senderIp: FIELD.vmIpv4, targetIp: FIELD.routerIpv4 }), { node, iface, at: 1 }),
          observation(arpReply({ senderMac: FIELD.routerMac, senderIp: FIELD.routerIpv4, targetMac: FIELD.vmMac, targetIp: FIELD.vmIpv4 }), { node, iface, at: 1.001 }),
          ns(FIELD.vmMac, FIELD.vmLinkLocal, FIELD.routerLinkLocal, FIELD.vmMac, { node, iface, at: 90 }),
        ]),
      );
    }
    expect(out).toEqual([]);
  });

  it('ordinary ARP and NDP between two hosts, over several minutes', () => {
    const frames: NeighborObservation[] = [];
    for (let s = 0; s < 600; s += 30) {
      frames.push(observation(arpRequest({ senderMac: A, senderIp: IP_A, targetIp: IP_B }), { at: s }));
      frames.push(observation(arpReply({ senderMac: B, senderIp: IP_B, targetMac: A, targetIp: IP_A }), { at: s + 0.001 }));
      frames.push(ns(A, LL_A, LL_B, A, { at: s + 1 }));
      frames.push(na(B, LL_B, LL_B, B, { override: true, solicited: true }, { at: s + 1.001 }));
    }
    expect(run(frames)).toEqual([]);
  });

  it('a bridge’s Router Solicitation from its own random MAC', () => {
    const random = '9a:3e:41:07:c2:5d';
    const rs = observation(
      encodeNdp({ ethSrc: random, src: eui64Address('fe80::', random), dst: 'ff02::2', message: { type: 'RS' }, options: [{ type: 'source-lladdr', mac: random }] }),
      { at: 0 },
    );
    expect(run([rs])).toEqual([]);
  });

  it('a host whose MAC is the same on every interface', () => {
    const c = new VantageCorrelator();
    const out: Finding[] = [];
    for (const iface of ['eth0', 'eth1']) {
      out.push(...c.observe(observation(arpAnnouncement({ senderMac: A, ip: IP_A }), { iface, at: 0 })));
      out.push(...c.observe(ns(A, LL_A, LL_B, A, { iface, at: 0.5 })));
    }
    out.push(...c.flush());
    expect(out).toEqual([]);
  });

  it('the same IP on two VLANs from two MACs', () => {
    const findings = run([
      observation(arpAnnouncement({ senderMac: A, ip: IP_A, vlans: [10] }), { at: 0 }),
      observation(arpAnnouncement({ senderMac: B, ip: IP_A, vlans: [20] }), { at: 0.5 }),
    ]);
    expect(findings).toEqual([]);
  });

  it('a short capture does not call a claimed MAC a phantom before its window has passed', () => {
    const findings = run([observation(hexFrame(SEED_FRAMES.ndpNsVmToRouterRewritten), { at: 0 })]);
    expect(kinds(findings)).not.toContain('PHANTOM_LLADDR');
  });
});

describe('PHANTOM_LLADDR', () => {
  it('is cleared by any frame from the claimed MAC within the window', () => {
    const c = new VantageCorrelator();
    const out: Finding[] = [];
    out.push(...c.observe(observation(arpRequest({ ethSrc: A, senderMac: B, senderIp: IP_B, targetIp: IP_A }), { at: 0 })));
    c.noteSource(B, Number(out[0]?.timeUs ?? 0) + 20_000_000);
    out.push(...c.flush(Number(out[0].timeUs) + 2 * PHANTOM_WINDOW_US));
    expect(kinds(out)).toEqual(['LLADDR_MISMATCH']);
  });

  it('is reported for a Redirect naming a MAC nothing sends from', () => {
    const redirect = observation(
      encodeNdp({
        ethSrc: ROUTER,
        ethDst: A,
        src: LL_ROUTER,
        dst: LL_A,
        message: { type: 'Redirect', target: LL_B, destination: '2001:db8:1::1' },
        options: [{ type: 'target-lladdr', mac: B }],
      }),
      { at: 0 },
    );
    const later = ns(A, LL_A, LL_ROUTER, A, { at: 70 });
    const findings = run([redirect, later]);
    expect(kinds(findings)).toEqual(['PHANTOM_LLADDR']);
    expect(findings[0].ip).toBe(LL_B);
  });
});

describe('MAC_CHANGED and FLIP_FLOP', () => {
  const announce = (mac: string, at: number) => observation(arpAnnouncement({ senderMac: mac, ip: IP_A }), { at });

  it('reports an IP moving to a MAC not seen with it before', () => {
    const findings = run([announce(A, 0), announce(B, 60)]);
    expect(kinds(findings)).toEqual(['MAC_CHANGED']);
    expect(findings[0].macs).toEqual([A, B]);
    expect(findings[0].evidence).toHaveLength(2);
  });

  it('reports going back to a MAC it had within 24 h as FLIP_FLOP', () => {
    const findings = run([announce(A, 0), announce(B, 60), announce(A, 3600)]);
    expect(kinds(findings)).toEqual(['MAC_CHANGED', 'FLIP_FLOP']);
    expect(findings[1].macs).toEqual([B, A]);
  });

  it('does not call a return after more than 24 h a flip-flop', () => {
    const frames = [announce(A, 0), announce(B, 60)];
    for (let h = 1; h <= 26; h++) frames.push(announce(B, h * 3600));
    frames.push(announce(A, 26 * 3600 + 60));
    expect(kinds(run(frames))).toEqual(['MAC_CHANGED', 'MAC_CHANGED']);
  });
});

describe('DUPLICATE_ADDRESS', () => {
  it('two ARP replies for the same IP from two MACs', () => {
    const findings = run([
      observation(arpRequest({ senderMac: ROUTER, senderIp: '192.0.2.1', targetIp: IP_A }), { at: 0 }),
      observation(arpReply({ senderMac: A, senderIp: IP_A, targetMac: ROUTER, targetIp: '192.0.2.1' }), { at: 0.001 }),
      observation(arpReply({ senderMac: B, senderIp: IP_A, targetMac: ROUTER, targetIp: '192.0.2.1' }), { at: 0.002 }),
    ]);
    expect(kinds(findings)).toEqual(['DUPLICATE_ADDRESS']);
    expect(findings[0].macs).toEqual([A, B]);
  });

  it('two NAs for the same target from two MACs', () => {
    const findings = run([
      na(A, GLOBAL_A, GLOBAL_A, A, { override: true, solicited: true }, { at: 0 }),
      na(B, LL_B, GLOBAL_A, B, { override: true, solicited: true }, { at: 0.004 }),
    ]);
    // B's NA also carries an EUI-64 target made from A's MAC: both facts are reported.
    expect(kinds(findings).sort()).toEqual(['DUPLICATE_ADDRESS', 'EUI64_MISMATCH']);
    const duplicate = findings.find((f) => f.kind === 'DUPLICATE_ADDRESS')!;
    expect(duplicate.ip).toBe(GLOBAL_A);
    expect(duplicate.macs).toEqual([A, B]);
  });

  it('a DAD probe answered by another MAC (NDP)', () => {
    const findings = run([
      ns(B, '::', GLOBAL_A, null, { at: 0 }),
      na(A, GLOBAL_A, GLOBAL_A, A, { override: true }, { at: 0.2 }),
    ]);
    expect(kinds(findings)).toEqual(['DUPLICATE_ADDRESS']);
    expect(findings[0].ip).toBe(GLOBAL_A);
    expect(findings[0].macs).toEqual([B, A]);
  });

  it('an ARP probe answered by another MAC', () => {
    const findings = run([
      observation(arpProbe({ senderMac: B, targetIp: IP_A }), { at: 0 }),
      observation(arpReply({ senderMac: A, senderIp: IP_A, targetMac: B, targetIp: '0.0.0.0' }), { at: 0.1 }),
    ]);
    expect(kinds(findings)).toEqual(['DUPLICATE_ADDRESS']);
  });

  it('a probe followed by the prober’s own announcement is not a duplicate', () => {
    const findings = run([
      observation(arpProbe({ senderMac: A, targetIp: IP_A }), { at: 0 }),
      observation(arpProbe({ senderMac: A, targetIp: IP_A }), { at: 1 }),
      observation(arpAnnouncement({ senderMac: A, ip: IP_A }), { at: 3 }),
      ns(A, '::', GLOBAL_A, null, { at: 4 }),
      na(A, GLOBAL_A, GLOBAL_A, A, { override: true }, { at: 5 }),
    ]);
    expect(findings).toEqual([]);
  });
});

describe('bounds', () => {
  it('keeps at most maxTrackedIps bindings and forgets sources older than the phantom window', () => {
    const c = new VantageCorrelator({ maxTrackedIps: 100 });
    for (let i = 0; i < 1000; i++) {
      const mac = `02:00:00:00:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;
      c.observe(observation(arpAnnouncement({ senderMac: mac, ip: `198.51.${100 + (i >> 8)}.${i & 0xff}` }), { at: i }));
    }
    const size = c.size();
    expect(size.ips).toBeLessThanOrEqual(100);
    expect(size.sources).toBeLessThanOrEqual(PHANTOM_WINDOW_US / 1_000_000 + 10);
  });

  it('finds nothing for an unchanged binding repeated many times, and allocates no findings array', () => {
    const c = new VantageCorrelator();
    const obs = observation(arpAnnouncement({ senderMac: A, ip: IP_A }), { at: 0 });
    const first = c.observe(obs);
    const second = c.observe({ ...obs, timeUs: obs.timeUs + 1 });
    expect(first).toHaveLength(0);
    expect(second).toBe(first);
  });
});

describe('VantageCorrelators (the collector: one per node and interface)', () => {
  it('keeps vantage points apart: the same IP at two MACs on two links is nothing', () => {
    const all = new VantageCorrelators();
    const out: Finding[] = [];
    out.push(...all.observe(observation(arpAnnouncement({ senderMac: A, ip: IP_A }), { node: 'r1', iface: 'eth0', at: 0 })));
    out.push(...all.observe(observation(arpAnnouncement({ senderMac: B, ip: IP_A }), { node: 'r2', iface: 'eth0', at: 0.1 })));
    out.push(...all.observe(observation(arpAnnouncement({ senderMac: B, ip: IP_A }), { node: 'r1', iface: 'eth1', at: 0.2 })));
    expect(out).toEqual([]);
    out.push(...all.observe(observation(arpAnnouncement({ senderMac: B, ip: IP_A }), { node: 'r1', iface: 'eth0', at: 0.3 })));
    expect(kinds(out)).toEqual(['DUPLICATE_ADDRESS']);
    expect(out[0].vantagePoints).toEqual([{ node: 'r1', iface: 'eth0' }]);
  });

  it('flushes every vantage point’s phantoms', () => {
    const all = new VantageCorrelators();
    const seed = observation(hexFrame(SEED_FRAMES.ndpNsVmToRouterRewritten), { node: 'router', iface: 'eth0', at: 0 });
    all.observe(seed);
    const found = all.flush(seed.timeUs + PHANTOM_WINDOW_US + 1);
    expect(kinds(found)).toEqual(['PHANTOM_LLADDR']);
    expect(found[0].vantagePoints).toEqual([{ node: 'router', iface: 'eth0' }]);
  });
});
