/**
 * The built agent in a network namespace, a peer namespace making real ARP/NDP traffic,
 * and a fake collector (a real gRPC server in this process) on a unix socket.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { arpRequest, encodeArp, encodeNdp, formatIPv4, formatIPv6, formatMac } from '@neighwatch/packet';
import type { Observation__Output } from '@neighwatch/proto';
import { FakeCollector } from '../test/fake-collector';
import { parse as parseYaml } from 'yaml';
import { AGENT_BIN, buildAgent, extractAgentBundle, Lab, metricSum, ROOT, sh } from '../test/harness';

const AGENT_IP = ['192.0.2.1/24', '2001:db8::1/64'] as [string, string];
const PEER_IP = ['192.0.2.2/24', '2001:db8::2/64'] as [string, string];

let lab: Lab;
let collector: FakeCollector | undefined;

beforeAll(() => buildAgent(), 60_000);
afterEach(async () => {
  await collector?.stop();
  collector = undefined;
  await lab?.cleanup();
});

/** Agent namespace `a` (eth0) ↔ peer namespace `p` (eth0). */
function topology() {
  lab = new Lab();
  const a = lab.netns('a');
  const p = lab.netns('p');
  lab.link(a, 'eth0', p, 'eth0', AGENT_IP, PEER_IP);
  return { a, p, agentMac: lab.mac(a, 'eth0'), peerMac: lab.mac(p, 'eth0') };
}

function agentArgs(extra: string[] = []): string[] {
  return [
    '--collector', `unix://${join(lab.dir, 'collector.sock')}`,
    '--node', 'test-node',
    '--spool-dir', join(lab.dir, 'spool'),
    '--batch-max-delay', '50ms',
    '--interface-scan-interval', '300ms',
    '--reconnect-max-delay', '500ms',
    '--metrics-listen', '127.0.0.1:9464',
    '--log-format', 'json',
    '--log-level', 'debug',
    // These tests are about delivery, not ring capacity: give bursts room on a busy machine.
    '--capture-buffer-size', '32MiB',
    ...extra,
  ];
}

async function startCollector(): Promise<FakeCollector> {
  collector ??= new FakeCollector(`unix://${join(lab.dir, 'collector.sock')}`);
  await collector.start();
  return collector;
}

const CAPTURE_FAILED = 'capture failed: the interface went down or away; re-reading interfaces';
const ofType = (obs: Observation__Output[], type: string) => obs.filter((o) => o.type === type);

/** Frames that carry a marker (ARP target 192.0.2.<n>) so a test can count exactly its own. */
function markedArp(mac: string, n: number): Uint8Array {
  return arpRequest({ senderMac: mac, senderIp: '192.0.2.2', targetIp: `192.0.2.${n}` });
}

describe('neighwatch-agent in a network namespace', () => {
  it('captures real ARP and NDP and sends them with the right fields', async () => {
    const { a, p, agentMac, peerMac } = topology();
    const c = await startCollector();
    const agent = lab.agent(a, agentArgs());
    await c.waitFor((r) => r.inventories.length > 0, 15_000, 'inventory');
    await agent.waitForLog((l) => l.msg === 'capture started' && l.interface === 'eth0');

    lab.exec(p, ['arping', '-c', '2', '-w', '3', '-I', 'eth0', '192.0.2.1']);
    lab.exec(p, ['ndisc6', '-1', '-r', '2', '2001:db8::1', 'eth0']);

    const answered = (obs: Observation__Output[]) =>
      ofType(obs, 'MESSAGE_TYPE_ARP_REPLY').length > 0 &&
      ofType(obs, 'MESSAGE_TYPE_NDP_NA').some((o) => formatMac(o.ethSrc) === agentMac && formatIPv6(o.senderIp) === '2001:db8::1');
    await c.waitFor((r) => answered(r.observations), 10_000, 'ARP reply and the NA for 2001:db8::1');
    const { hellos, inventories, neighbors, observations, metadata } = c.received;

    expect(hellos[0]).toMatchObject({ node: 'test-node', agentVersion: expect.stringMatching(/^\d+\.\d+\.\d+/), os: expect.stringMatching(/^Linux /), nextSequence: 1 });
    expect(hellos[0].bootId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Math.abs(hellos[0].agentTimeUs - Date.now() * 1000)).toBeLessThan(60e6);
    expect(metadata[0].get('authorization')).toEqual([]);

    const eth0 = inventories[0].interfaces.find((i) => i.name === 'eth0')!;
    expect(eth0).toMatchObject({ kind: 'INTERFACE_KIND_VETH', up: true, bridgeMaster: '' });
    expect(formatMac(eth0.mac)).toBe(agentMac);
    const addrs = eth0.addresses.map((x) => `${x.ip.length === 4 ? formatIPv4(x.ip) : formatIPv6(x.ip)}/${x.prefixLength}`);
    expect(addrs).toEqual(expect.arrayContaining(['192.0.2.1/24', '2001:db8::1/64']));
    expect(inventories[0].interfaces.find((i) => i.name === 'lo')?.kind).toBe('INTERFACE_KIND_LOOPBACK');
    expect(neighbors[0].full).toBe(true);

    const request = ofType(observations, 'MESSAGE_TYPE_ARP_REQUEST').find((o) => formatMac(o.ethSrc) === peerMac)!;
    expect(request).toMatchObject({ interface: 'eth0', direction: 'DIRECTION_RECEIVED', vlan: 0, checksum: 'CHECKSUM_STATUS_NOT_APPLICABLE' });
    expect(formatIPv4(request.senderIp)).toBe('192.0.2.2');
    expect(formatIPv4(request.targetIp)).toBe('192.0.2.1');
    expect(formatMac(request.lladdr)).toBe(peerMac);
    expect(formatMac(request.ethDst)).toBe('ff:ff:ff:ff:ff:ff');
    expect(request.frame.length).toBe(request.frameLength);
    expect(request.frame.subarray(12, 14).toString('hex')).toBe('0806');
    expect(request.fingerprint.length).toBe(8);

    const reply = ofType(observations, 'MESSAGE_TYPE_ARP_REPLY')[0];
    expect(reply).toMatchObject({ interface: 'eth0', direction: 'DIRECTION_SENT' });
    expect(formatMac(reply.ethSrc)).toBe(agentMac);
    expect(formatMac(reply.ethDst)).toBe(peerMac);

    // The kernels also exchange NS/NA for their link-local addresses (neighbor
    // unreachability detection), in any order: pick the solicitation ndisc6 made.
    const ns = ofType(observations, 'MESSAGE_TYPE_NDP_NS').find((o) => formatMac(o.ethSrc) === peerMac && formatIPv6(o.targetIp) === '2001:db8::1')!;
    expect(ns).toMatchObject({ direction: 'DIRECTION_RECEIVED', checksum: 'CHECKSUM_STATUS_VALID' });
    expect(formatMac(ns.lladdr)).toBe(peerMac);
    const na = ofType(observations, 'MESSAGE_TYPE_NDP_NA').find((o) => formatMac(o.ethSrc) === agentMac && formatIPv6(o.senderIp) === '2001:db8::1')!;
    expect(na).toMatchObject({ direction: 'DIRECTION_SENT', checksum: 'CHECKSUM_STATUS_VALID' });
    expect(na.naFlags & 0x2).toBe(0x2); // solicited
    expect(formatIPv6(na.senderIp)).toBe('2001:db8::1');

    // Sequences: strictly increasing from 1, capture times in order of sequence within an interface.
    const seqs = observations.map((o) => o.sequence);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(seqs[0]).toBe(1);
    for (const o of observations) expect(Math.abs(o.captureTimeUs - Date.now() * 1000)).toBeLessThan(60e6);
  });
});

/** Observations of marked ARP requests (from the peer, target ≠ the agent's address). */
function marked(obs: Observation__Output[], peerMac: string): Observation__Output[] {
  return obs.filter((o) => o.type === 'MESSAGE_TYPE_ARP_REQUEST' && formatMac(o.ethSrc) === peerMac && formatIPv4(o.targetIp) !== '192.0.2.1');
}

function markedFrames(peerMac: string, count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => markedArp(peerMac, 10 + (i % 200)));
}

async function waitForMetric(ns: string, name: string, atLeast: number, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = metricSum(lab.metrics(ns, 9464), name);
    if (value >= atLeast) return value;
    if (Date.now() > deadline) throw new Error(`metric ${name} = ${value}, expected ≥ ${atLeast}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Sequences received, once each, in order of first arrival: must be 1, 2, 3, … with no gap. */
function expectExactlyOnceInOrder(obs: Observation__Output[]): void {
  const seqs = obs.map((o) => o.sequence);
  expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
}

describe('delivery', () => {
  it('delivers every observation exactly once, in sequence order, across a collector outage', async () => {
    const { a, p, peerMac } = topology();
    const c = await startCollector();
    const agent = lab.agent(a, agentArgs());
    await agent.waitForLog((l) => l.msg === 'capture started' && l.interface === 'eth0');
    await c.waitFor((r) => r.hellos.length === 1, 10_000, 'hello');

    lab.send(p, 'eth0', markedFrames(peerMac, 200), 200, 2000);
    await c.waitFor((r) => marked(r.observations, peerMac).length === 200, 10_000, '200 marked');

    await c.stop();
    await agent.waitForLog((l) => l.msg === 'collector stream failed' || l.msg === 'collector closed the stream', 10_000, 'disconnect');
    lab.send(p, 'eth0', markedFrames(peerMac, 300), 300, 2000);
    await waitForMetric(a, 'neighwatch_agent_spool_unacknowledged', 300);

    await c.start();
    await c.waitFor((r) => marked(r.observations, peerMac).length === 500, 20_000, '500 marked');
    expect(c.received.hellos.length).toBeGreaterThanOrEqual(2);
    expectExactlyOnceInOrder(c.received.observations);
    expect(agent.child.exitCode).toBeNull();
  });

  it('loses nothing spooled when killed with SIGKILL, and resent observations keep their sequence', async () => {
    const { a, p, peerMac } = topology();
    const c = await startCollector();
    c.acking = false; // receives, never commits: everything stays in the agent's spool
    const first = lab.agent(a, agentArgs());
    await first.waitForLog((l) => l.msg === 'capture started' && l.interface === 'eth0');
    lab.send(p, 'eth0', markedFrames(peerMac, 100), 100, 2000);
    await c.waitFor((r) => marked(r.observations, peerMac).length === 100, 10_000, '100 marked, unacknowledged');
    await c.stop();
    lab.send(p, 'eth0', markedFrames(peerMac, 150), 150, 2000);
    await waitForMetric(a, 'neighwatch_agent_spool_unacknowledged', 250);
    first.child.kill('SIGKILL');
    await first.exited;
    const beforeRestart = new Map(c.received.observations.map((o) => [o.sequence, o]));

    c.acking = true;
    await c.start();
    const second = lab.agent(a, agentArgs());
    await c.waitFor((r) => marked(r.observations, peerMac).length === 250, 20_000, 'all 250 marked after restart');
    // The first 100 arrived twice: the second copy has the same sequence and the same content.
    const resent = c.received.arrivals.filter((s) => beforeRestart.has(s));
    expect(resent.length).toBeGreaterThanOrEqual(2 * 100);
    expectExactlyOnceInOrder(c.received.observations);

    // New observations continue the sequence: nothing is reused after a restart.
    const highest = Math.max(...c.received.observations.map((o) => o.sequence));
    lab.send(p, 'eth0', [markedArp(peerMac, 251)]);
    await c.waitFor((r) => r.observations.some((o) => o.type === 'MESSAGE_TYPE_ARP_REQUEST' && formatIPv4(o.targetIp) === '192.0.2.251'), 10_000, 'post-restart frame');
    const late = c.received.observations.find((o) => o.type === 'MESSAGE_TYPE_ARP_REQUEST' && formatIPv4(o.targetIp) === '192.0.2.251')!;
    expect(late.sequence).toBeGreaterThan(highest);
    expect(second.child.exitCode).toBeNull();
  });

  it('bounds the spool: the oldest observations are dropped, counted and reported in Hello and Inventory', async () => {
    const { a, p, peerMac } = topology();
    const agent = lab.agent(a, agentArgs(['--spool-max-bytes', '1MiB']));
    await agent.waitForLog((l) => l.msg === 'capture started' && l.interface === 'eth0');
    lab.send(p, 'eth0', markedFrames(peerMac, 12_000), 12_000, 4000);
    await agent.waitForLog((l) => l.msg === 'spool full: dropped the oldest observations', 10_000, 'spool full');
    await new Promise((resolve) => setTimeout(resolve, 500)); // the last flush
    const metrics = lab.metrics(a, 9464);
    const dropped = metricSum(metrics, 'neighwatch_agent_spool_dropped_total');
    const spooled = metricSum(metrics, 'neighwatch_agent_observations_spooled_total');
    expect(dropped).toBeGreaterThan(0);
    expect(metricSum(metrics, 'neighwatch_agent_spool_bytes')).toBeLessThanOrEqual(2 ** 20);

    const c = await startCollector();
    // Sequences were assigned 1..spooled; the oldest `dropped` are gone, the rest arrives.
    await c.waitFor((r) => r.observations.some((o) => o.sequence === spooled), 20_000, `sequence ${spooled} (dropped ${dropped})`);
    expect(c.received.hellos[0].spoolDropped).toBe(dropped);
    expect(c.received.inventories[0].spoolDropped).toBe(dropped);
    // What is left is the newest part, whole and in order (later background frames follow it).
    const seqs = c.received.observations.map((o) => o.sequence).filter((s) => s <= spooled);
    expect(seqs).toEqual(Array.from({ length: spooled - dropped }, (_, i) => dropped + 1 + i));
  });

  it('exits 0 on SIGTERM within a few seconds with the spool persisted', async () => {
    const { a, p, peerMac } = topology();
    const agent = lab.agent(a, agentArgs());
    await agent.waitForLog((l) => l.msg === 'capture started' && l.interface === 'eth0');
    lab.send(p, 'eth0', markedFrames(peerMac, 50), 50, 2000);
    await waitForMetric(a, 'neighwatch_agent_spool_unacknowledged', 50);
    const t0 = Date.now();
    agent.child.kill('SIGTERM');
    const { code } = await agent.exited;
    expect(code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    const spoolDir = join(lab.dir, 'spool');
    expect(existsSync(join(spoolDir, 'state.json'))).toBe(true);
    expect(readdirSync(spoolDir).some((n) => n.endsWith('.seg'))).toBe(true);

    const c = await startCollector();
    lab.agent(a, agentArgs());
    await c.waitFor((r) => marked(r.observations, peerMac).length === 50, 20_000, 'the 50 spooled before SIGTERM');
    expectExactlyOnceInOrder(c.received.observations);
  });
});

describe('robustness', () => {
  it('counts a flood of malformed frames without crashing, and keeps the valid ones', async () => {
    const { a, p, peerMac } = topology();
    const c = await startCollector();
    const agent = lab.agent(a, agentArgs());
    await agent.waitForLog((l) => l.msg === 'capture started' && l.interface === 'eth0');

    const arp = markedArp(peerMac, 20);
    const truncatedArp = arp.subarray(0, 14 + 12);
    const badHardware = encodeArp({ operation: 'request', senderMac: peerMac, senderIp: '192.0.2.2', targetIp: '192.0.2.21', hardwareType: 6 });
    const ns = { ethSrc: peerMac, src: '2001:db8::2', dst: 'ff02::1:ff00:1', message: { type: 'NS' as const, target: '2001:db8::1' } };
    const zeroLengthOption = encodeNdp({ ...ns, options: [{ type: 'raw', optionType: 1, data: new Uint8Array(6), lengthField: 0 }] });
    const cutNs = encodeNdp(ns).subarray(0, 14 + 40 + 12);
    const badChecksum = encodeNdp({ ...ns, message: { type: 'NS', target: '2001:db8::99' }, checksum: 0x1234 });
    const malformed = [truncatedArp, badHardware, zeroLengthOption, cutNs];
    const rounds = 500;
    lab.send(p, 'eth0', malformed, malformed.length * rounds, 1000);
    lab.send(p, 'eth0', [badChecksum, markedArp(peerMac, 22)]);

    await c.waitFor((r) => r.observations.some((o) => o.type === 'MESSAGE_TYPE_ARP_REQUEST' && formatIPv4(o.targetIp) === '192.0.2.22'), 15_000, 'the valid frame after the flood');
    expect(agent.child.exitCode).toBeNull();
    const metrics = lab.metrics(a, 9464);
    expect(metricSum(metrics, 'neighwatch_agent_decode_errors_total')).toBe(malformed.length * rounds);
    expect(metricSum(metrics, 'neighwatch_agent_decode_errors_total', 'kind="truncated"')).toBe(2 * rounds);
    expect(metricSum(metrics, 'neighwatch_agent_decode_errors_total', 'layer="ndp-option"')).toBe(rounds);
    // The NS whose option is malformed still classifies: evidence is kept.
    expect(c.received.observations.filter((o) => o.type === 'MESSAGE_TYPE_NDP_NS' && formatIPv6(o.targetIp) === '2001:db8::1' && formatMac(o.ethSrc) === peerMac).length).toBe(rounds);
    const bad = c.received.observations.find((o) => formatIPv6(o.targetIp) === '2001:db8::99')!;
    expect(bad.checksum).toBe('CHECKSUM_STATUS_INVALID');
    expect(agent.logs.some((l) => l.msg === 'malformed frame' && typeof l.frame === 'string')).toBe(true);
    // Rate-limited: far fewer log lines than frames.
    expect(agent.logs.filter((l) => l.msg === 'malformed frame').length).toBeLessThan(20);
  });

  it('keeps VLAN-tagged ARP, and leaves NDP behind a hop-by-hop header and ICMPv6 echo in the kernel', async () => {
    const { a, p, peerMac } = topology();
    const c = await startCollector();
    const agent = lab.agent(a, agentArgs());
    await agent.waitForLog((l) => l.msg === 'capture started' && l.interface === 'eth0');
    const before = metricSum(lab.metrics(a, 9464), 'neighwatch_agent_frames_captured_total');

    const tagged = arpRequest({ senderMac: peerMac, senderIp: '192.0.2.2', targetIp: '192.0.2.30', vlans: [42] });
    const hopByHopNs = encodeNdp({
      ethSrc: peerMac,
      src: '2001:db8::2',
      dst: 'ff02::1:ff00:77',
      extensionHeaders: [{ type: 'hop-by-hop' }],
      message: { type: 'NS', target: '2001:db8::77' },
    });
    const echo = encodeNdp({ ethSrc: peerMac, src: '2001:db8::2', dst: 'ff02::1', message: { type: 'RS' } });
    echo[14 + 40] = 128; // ICMPv6 echo request, not NDP
    lab.send(p, 'eth0', [hopByHopNs, echo], 100);
    lab.send(p, 'eth0', [tagged]);

    await c.waitFor((r) => r.observations.some((o) => o.vlan === 42), 10_000, 'the VLAN-tagged ARP');
    const vlan = c.received.observations.find((o) => o.vlan === 42)!;
    expect(vlan.type).toBe('MESSAGE_TYPE_ARP_REQUEST');
    expect(formatIPv4(vlan.targetIp)).toBe('192.0.2.30');
    expect(vlan.frame.subarray(12, 14).toString('hex')).toBe('8100');
    expect(c.received.observations.some((o) => o.targetIp.length === 16 && formatIPv6(o.targetIp) === '2001:db8::77')).toBe(false);
    const metrics = lab.metrics(a, 9464);
    expect(metricSum(metrics, 'neighwatch_agent_frames_ignored_total')).toBe(0);
    // Only the tagged ARP (and the namespaces' own background NDP) reached user space, not the 100 filtered frames.
    expect(metricSum(metrics, 'neighwatch_agent_frames_captured_total') - before).toBeLessThan(20);
  });

  it('picks up an interface created after start and lets go of a deleted one', async () => {
    const { a, p, peerMac } = topology();
    const c = await startCollector();
    const agent = lab.agent(a, agentArgs());
    await agent.waitForLog((l) => l.msg === 'capture started' && l.interface === 'eth0');

    lab.link(a, 'eth1', p, 'eth1', ['198.51.100.1/24', '2001:db8:1::1/64'], ['198.51.100.2/24', '2001:db8:1::2/64']);
    sh(['ip', '-n', a, 'link', 'add', 'br0', 'type', 'bridge']);
    sh(['ip', '-n', a, 'tuntap', 'add', 'dev', 'tap0', 'mode', 'tap']);
    sh(['ip', '-n', a, 'link', 'set', 'tap0', 'master', 'br0']);
    sh(['ip', '-n', a, 'link', 'set', 'br0', 'up']);
    sh(['ip', '-n', a, 'link', 'set', 'tap0', 'up']);
    await agent.waitForLog((l) => l.msg === 'capture started' && l.interface === 'eth1', 10_000, 'capture on eth1');
    const peer1 = lab.mac(p, 'eth1');
    lab.send(p, 'eth1', [arpRequest({ senderMac: peer1, senderIp: '198.51.100.2', targetIp: '198.51.100.40' })]);
    await c.waitFor((r) => r.observations.some((o) => o.interface === 'eth1'), 10_000, 'an observation on eth1');
    await c.waitFor((r) => r.inventories.some((i) => i.interfaces.some((x) => x.name === 'tap0')), 10_000, 'inventory with tap0');
    const inventory = c.received.inventories.findLast((i) => i.interfaces.some((x) => x.name === 'tap0'))!;
    expect(inventory.interfaces.find((x) => x.name === 'tap0')).toMatchObject({ kind: 'INTERFACE_KIND_TAP', bridgeMaster: 'br0' });
    expect(inventory.interfaces.find((x) => x.name === 'br0')?.kind).toBe('INTERFACE_KIND_BRIDGE');

    sh(['ip', '-n', a, 'link', 'del', 'eth1']);
    sh(['ip', '-n', a, 'link', 'del', 'tap0']);
    await c.waitFor((r) => r.inventories.at(-1)!.interfaces.every((x) => x.name !== 'eth1' && x.name !== 'tap0'), 10_000, 'inventory without eth1 and tap0');
    await agent.waitForLog((l) => l.msg === CAPTURE_FAILED && l.interface === 'eth1', 10_000, 'the eth1 capture failing');
    // Still alive, and eth0's capture was never interrupted: one frame is enough.
    lab.send(p, 'eth0', [markedArp(peerMac, 41)]);
    await c.waitFor((r) => r.observations.some((o) => o.interface === 'eth0' && formatIPv4(o.targetIp) === '192.0.2.41'), 10_000, 'a frame on eth0 after eth1 and tap0 went away');
    expect(agent.child.exitCode).toBeNull();
  });

  it('survives captured interfaces going down and being deleted, keeps the others, and captures them again when they return', async () => {
    const { a, p, peerMac } = topology();
    lab.link(a, 'eth1', p, 'eth1', ['198.51.100.1/24', '2001:db8:1::1/64'], ['198.51.100.2/24', '2001:db8:1::2/64']);
    lab.link(a, 'eth2', p, 'eth2');
    const c = await startCollector();
    const agent = lab.agent(a, agentArgs());
    const started = (iface: string, after = -1) => agent.waitForLog((l) => l.msg === 'capture started' && l.interface === iface && agent.logs.indexOf(l) > after, 10_000, `capture on ${iface}`);
    await Promise.all(['eth0', 'eth1', 'eth2'].map((i) => started(i)));
    const arrived = (iface: string, n: number) =>
      c.waitFor((r) => r.observations.some((o) => o.interface === iface && formatIPv4(o.targetIp) === `192.0.2.${n}`), 10_000, `marked frame ${n} on ${iface}`);

    sh(['ip', '-n', a, 'link', 'set', 'eth1', 'down']);
    sh(['ip', '-n', a, 'link', 'del', 'eth2']);
    const down = await agent.waitForLog((l) => l.msg === CAPTURE_FAILED && l.interface === 'eth1', 10_000, 'the eth1 capture failing');
    expect(down.error).toBe('Network is down');
    await agent.waitForLog((l) => l.msg === CAPTURE_FAILED && l.interface === 'eth2', 10_000, 'the eth2 capture failing');
    await agent.waitForLog((l) => l.msg === 'interface disappeared' && l.interface === 'eth2', 10_000, 'eth2 gone');
    lab.send(p, 'eth0', [markedArp(peerMac, 60)]);
    await arrived('eth0', 60);

    const mark = agent.logs.length - 1;
    sh(['ip', '-n', a, 'link', 'set', 'eth1', 'up']);
    lab.link(a, 'eth2', p, 'eth2');
    await Promise.all([started('eth1', mark), started('eth2', mark)]);
    lab.send(p, 'eth1', [markedArp(lab.mac(p, 'eth1'), 61)]);
    lab.send(p, 'eth2', [markedArp(lab.mac(p, 'eth2'), 62)]);
    lab.send(p, 'eth0', [markedArp(peerMac, 63)]);
    await Promise.all([arrived('eth1', 61), arrived('eth2', 62), arrived('eth0', 63)]);

    const metrics = lab.metrics(a, 9464);
    expect(metricSum(metrics, 'neighwatch_agent_capture_errors_total', 'interface="eth1"')).toBe(1);
    expect(metricSum(metrics, 'neighwatch_agent_capture_errors_total', 'interface="eth2"')).toBe(1);
    // libpcap's own counters, per interface, summed over reopenings: at least what the agent
    // counted, nothing dropped. (A deleted interface's last counts are lost with its socket.)
    for (const iface of ['eth0', 'eth1', 'eth2']) {
      const filter = `interface="${iface}"`;
      if (iface !== 'eth2') expect(metricSum(metrics, 'neighwatch_agent_pcap_received_total', filter)).toBeGreaterThanOrEqual(metricSum(metrics, 'neighwatch_agent_frames_captured_total', filter));
      expect(metrics.get(`neighwatch_agent_pcap_dropped_total{${filter}}`)).toBe(0);
    }
    expect(agent.child.exitCode).toBeNull();
    agent.child.kill('SIGTERM');
    expect((await agent.exited).code).toBe(0);
  });

  it('captures as a non-root user holding only CAP_NET_RAW and CAP_NET_ADMIN', async () => {
    const { a, p, peerMac } = topology();
    const spool = join(lab.dir, 'spool');
    sh(['install', '-d', '-o', 'nobody', '-g', 'nogroup', '-m', '0750', spool]);
    const c = await startCollector();
    // node's options as deploy/neighwatch-agent.service starts it.
    const unit = readFileSync(join(ROOT, 'deploy/neighwatch-agent.service'), 'utf8');
    const nodeArgs = /^ExecStart=\S*node((?: --\S+)*) \S*bin\/neighwatch-agent\.js/m.exec(unit)![1].trim().split(' ').filter(Boolean);
    expect(nodeArgs).toContain('--single-threaded');
    // From the extracted bundle, as deployed under /opt: the checkout itself may sit in a
    // directory the unprivileged user cannot enter (e.g. made by mktemp -d).
    const bin = join(extractAgentBundle(lab.dir), 'bin/neighwatch-agent.js');
    const agent = lab.agent(a, agentArgs(), {
      bin,
      cwd: '/',
      wrapper: ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--inh-caps=+net_raw,+net_admin', '--ambient-caps=+net_raw,+net_admin'],
      nodeArgs,
    });
    await agent.waitForLog((l) => l.msg === 'capture started' && l.interface === 'eth0');
    lab.send(p, 'eth0', [markedArp(peerMac, 50)]);
    await c.waitFor((r) => marked(r.observations, peerMac).length === 1, 10_000, 'an observation from the unprivileged agent');
    const [pid] = sh(['pgrep', '-f', '--', `--spool-dir ${spool}`]).trim().split('\n');
    const status = sh(['cat', `/proc/${pid}/status`]);
    expect(status).toMatch(/^Uid:\s+65534\s/m);
    // The spool (state file, segments) belongs to the unprivileged user.
    expect(statSync(join(spool, 'state.json')).uid).toBe(65534);
  });
});

describe('configuration', () => {
  function run(args: string[], env: Record<string, string> = {}) {
    const result = spawnSync(process.execPath, [AGENT_BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 20_000 });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  it('exits 2 naming the key for unknown keys, bad values and incomplete TLS settings', () => {
    lab = new Lab();
    const file = join(lab.dir, 'agent.yaml');
    writeFileSync(file, 'collector: 192.0.2.5:50051\nspoolMaxByte: 1MiB\n');
    const unknown = run(['--config', file]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown key "spoolMaxByte" (did you mean "spoolMaxBytes"?)');

    const env = run([], { NEIGHWATCH_BATCH_MAX_DELAY: 'soon' });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/config key "batchMaxDelay" \(env NEIGHWATCH_BATCH_MAX_DELAY = "soon"\)/);

    const flag = run(['--snaplen', '64']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/"snaplen".*out of range 256\.\.65535/);

    const tls = run(['--tls-cert', '/etc/neighwatch/agent.pem']);
    expect(tls.code).toBe(2);
    expect(tls.stderr).toMatch(/"tls\.key" is required/);

    const token = run(['--token-file', join(lab.dir, 'missing-token')]);
    expect(token.code).toBe(2);
    expect(token.stderr).toMatch(/"tokenFile": cannot read/);

    expect(run(['--bogus']).code).toBe(2);
  });

  it('prints the effective configuration with the secret redacted', () => {
    lab = new Lab();
    const file = join(lab.dir, 'agent.json');
    writeFileSync(file, JSON.stringify({ node: 'router', token: 'hunter2', interfaces: ['br0'] }));
    const out = run(['--config', file, '--print-config', '--batch-max-count', '500'], { NEIGHWATCH_SPOOL_MAX_BYTES: '128MiB' });
    expect(out.code).toBe(0);
    expect(out.stdout).not.toContain('hunter2');
    expect(parseYaml(out.stdout)).toMatchObject({ node: 'router', token: '<redacted>', interfaces: ['br0'], batchMaxCount: 500, spoolMaxBytes: '128MiB' });
  });

  it('reloads its configuration on SIGHUP and says what changed', async () => {
    const { a } = topology();
    const file = join(lab.dir, 'agent.yaml');
    writeFileSync(file, 'interfaces: [eth0]\nlogLevel: info\n');
    const agent = lab.agent(a, ['--config', file, ...agentArgs().filter((x) => x !== 'debug' && x !== '--log-level')]);
    await agent.waitForLog((l) => l.msg === 'capture started' && l.interface === 'eth0');
    writeFileSync(file, 'interfaces: [eth0, eth9]\nlogLevel: info\nneighborInterval: 10s\n');
    agent.child.kill('SIGHUP');
    const line = await agent.waitForLog((l) => l.msg === 'configuration reloaded');
    expect(line.changes).toEqual([
      { key: 'interfaces', from: ['eth0'], to: ['eth0', 'eth9'] },
      { key: 'neighborInterval', from: '30s', to: '10s' },
    ]);
    await agent.waitForLog((l) => l.msg === 'configured interface is missing or down; waiting for it' && l.interface === 'eth9');
    writeFileSync(file, 'interfaces: [eth0]\nbogus: 1\n');
    agent.child.kill('SIGHUP');
    await agent.waitForLog((l) => l.msg === 'configuration reload failed; keeping the running configuration');
    expect(agent.child.exitCode).toBeNull();
  });
});
