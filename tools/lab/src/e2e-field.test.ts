/**
 * End to end on the field variant: real namespaces, radvd, the built collector (SQLite
 * file), one agent per node, the CLI. The lab comes up once; the tests run in order
 * (vitest runs a file's tests sequentially) and share it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { generateToken } from './configs';
import { FIELD_KINDS } from './expectations';
import { labDown, labTraffic, labUp, namespacesWithPrefix } from './lab';
import { agentFinalCounts, buildBinaries, LabStack, nodeName, observationCount } from './stack';
import { toMismatchView, type MismatchView } from './story';
import { LAB_ADDRESSES, LAB_MACS, LAB_ROLES, labTopology } from './topology';

const prefix = `nwe${process.pid}-`;
const topology = labTopology(prefix);
const dir = mkdtempSync(join(tmpdir(), 'neighwatch-lab-field-'));
let stack: LabStack;

// The binaries under test, from the current sources.
await buildBinaries();

const CONNECT_TIMEOUT_MS = 30_000;
const FINDINGS_TIMEOUT_MS = 30_000;
/** PHANTOM_LLADDR needs its window (the lab collector's `phantomWindow`, 10 s) to pass without a frame from the MAC. */
const PHANTOM_TIMEOUT_MS = 100_000;

describe('neighwatch on the lab, field variant (Wi-Fi bridge on the host)', () => {
  beforeAll(async () => {
    await labUp({ prefix, variant: 'field' });
    stack = await LabStack.create({ topology, dir });
    await stack.startCollector();
    stack.startAgents();
    await stack.waitForAgentsReady(CONNECT_TIMEOUT_MS);
  });

  afterAll(async () => {
    try {
      await stack?.stop();
    } finally {
      await labDown({ prefix });
      expect(await namespacesWithPrefix(prefix)).toEqual([]);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  let rows: MismatchView[] = [];
  const ofKind = (kind: string) => rows.filter((m) => m.kind === kind);

  it('shows the symptom: IPv4 from the VM works, IPv6 does not', async () => {
    const pings = await labTraffic({ prefix });
    expect(Object.fromEntries(pings.map((p) => [p.family, p.lossPercent]))).toEqual({ IPv4: 0, IPv6: 100 });
  });

  it('stores the cross-node and single-vantage findings', async () => {
    const immediate = FIELD_KINDS.filter((k) => k !== 'PHANTOM_LLADDR');
    rows = (await stack.waitForKinds(immediate, FINDINGS_TIMEOUT_MS)).map((r) => toMismatchView(r));
    for (const kind of immediate) expect(rows.some((r) => r.kind === kind), kind).toBe(true);
    // Nothing beyond what the field case explains.
    for (const row of rows) expect(FIELD_KINDS, row.summary).toContain(row.kind);
  });

  it('locates the rewrite inside the host, between its VM port and its uplink', () => {
    const inHost = ofKind('REWRITTEN_IN_TRANSIT').filter(
      (m) => m.vantagePoints.map((p) => `${p.node}/${p.interface}`).join(' ') === 'host/vmport0 host/uplink0',
    );
    expect(inHost.length).toBeGreaterThan(0);
    const rewritten = new Set(inHost.flatMap((m) => m.rewrittenFields));
    const stale = new Set(inHost.flatMap((m) => m.staleFields));
    expect([...rewritten].sort()).toEqual(['arp_sha', 'eth_src']);
    expect(stale.has('ndp_sllao')).toBe(true);
    expect(new Set(inHost.flatMap((m) => m.macs))).toEqual(new Set([LAB_MACS.vm, LAB_MACS.host]));
  });

  it('sees the same rewrite between the VM and the router', () => {
    const endToEnd = ofKind('REWRITTEN_IN_TRANSIT').filter(
      (m) => m.vantagePoints[0]?.node === 'vm' && m.vantagePoints[m.vantagePoints.length - 1]?.node === 'router',
    );
    expect(endToEnd.length).toBeGreaterThan(0);
    expect(new Set(endToEnd.flatMap((m) => m.staleFields)).has('ndp_sllao')).toBe(true);
  });

  it("flags the VM's Neighbor Solicitations at the router (SLLAO and EUI-64 from the VM's MAC, frame from the host's)", () => {
    for (const kind of ['LLADDR_MISMATCH', 'EUI64_MISMATCH']) {
      const atRouter = ofKind(kind).filter((m) => m.vantagePoints.some((p) => p.node === 'router'));
      expect(atRouter.length, kind).toBeGreaterThan(0);
      expect(atRouter.some((m) => m.macs.includes(LAB_MACS.vm) && m.macs.includes(LAB_MACS.host)), kind).toBe(true);
    }
  });

  it("finds the router binding the VM's IPv4 to the host's MAC", () => {
    const conflict = ofKind('BINDING_CONFLICT').find((m) => m.ip === LAB_ADDRESSES.vmIPv4);
    expect(conflict).toBeDefined();
    expect(conflict?.macs).toEqual(expect.arrayContaining([LAB_MACS.vm, LAB_MACS.host]));
  });

  it("finds the router reaching the VM's IPv4 and IPv6 at different MACs", () => {
    const split = ofKind('SPLIT_STACK').find((m) => m.vantagePoints.some((p) => p.node === 'router'));
    expect(split).toBeDefined();
    expect(split?.node).toBe('vm');
    expect(split?.macs).toEqual(expect.arrayContaining([LAB_MACS.vm, LAB_MACS.host]));
  });

  it('refuses an agent with a wrong token, logs it, and stores nothing from it', async () => {
    const collector = stack.collector!;
    const logBefore = collector.log().length;
    const intruder = stack.startAgentWithToken('vm', 'intruder', generateToken());
    try {
      await collector.waitForLog(/"code":"UNAUTHENTICATED"/, 20_000);
      const rejections = collector
        .log()
        .slice(logBefore)
        .split('\n')
        .filter((line) => line.includes('"code":"UNAUTHENTICATED"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(rejections[0]).toMatchObject({ msg: 'ingest stream ended', reason: 'unknown token' });
      await intruder.waitForLog(/unknown token/, 10_000);
      const nodes = await stack.nodes();
      expect(nodes.map(nodeName).sort()).toEqual([...LAB_ROLES].sort());
    } finally {
      await intruder.stop();
    }
  });

  it('loses nothing when the collector restarts: agents reconnect and every acknowledged observation is stored', async () => {
    const before = Object.fromEntries((await stack.nodes()).map((n) => [nodeName(n), observationCount(n)]));
    await stack.stopCollector();
    // Captured while the collector is down: the agents keep these in their spools.
    const pings = await labTraffic({ prefix });
    expect(pings.find((p) => p.family === 'IPv4')?.lossPercent).toBe(0);
    await stack.startCollector();
    await stack.waitForNodes(LAB_ROLES, CONNECT_TIMEOUT_MS);
    await stack.waitForSettled(LAB_ROLES, 1_500, 30_000);
    await stack.stopAgents();
    const stored = Object.fromEntries((await stack.nodes()).map((n) => [nodeName(n), observationCount(n)]));
    for (const role of LAB_ROLES) {
      const agent = stack.agents.get(role)!;
      const final = agentFinalCounts(agent);
      expect(final, `${role} logged its final counts`).not.toBeNull();
      expect(final!.unacknowledged, role).toBe(0);
      expect(stored[role], `${role}: stored = acknowledged`).toBe(final!.acked);
      expect(stored[role], `${role}: grew while the collector was down`).toBeGreaterThan(before[role]);
      expect(agent.log().match(/"connected to collector"/g)?.length, `${role} reconnected`).toBeGreaterThanOrEqual(2);
    }
  });

  it('reports the claimed MAC no frame comes from (PHANTOM_LLADDR) at the router', async () => {
    rows = (await stack.waitForKinds(['PHANTOM_LLADDR'], PHANTOM_TIMEOUT_MS)).map((r) => toMismatchView(r));
    const phantom = ofKind('PHANTOM_LLADDR').find((m) => m.vantagePoints.some((p) => p.node === 'router'));
    expect(phantom?.macs[0]).toBe(LAB_MACS.vm);
  });

  it('writes the HTML report the demo points to, naming every finding', async () => {
    const report = join(dir, 'report.html');
    const result = await stack.cli(['report', '--format', 'html', '-o', report]);
    expect(result.code, result.stderr).toBe(0);
    const html = readFileSync(report, 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    for (const kind of FIELD_KINDS) expect(html, kind).toContain(kind);
  });
});
