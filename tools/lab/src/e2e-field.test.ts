/**
 * End to end on the field variant: real namespaces, radvd, the built collector (SQLite
 * file), one agent per node, the CLI. The lab comes up once; the tests run in order
 * (vitest runs a file's tests sequentially) and share it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { generateToken } from './configs';
import { FIELD_KINDS } from './expectations';
import { labDown, labTraffic, labUp, namespacesWithPrefix } from './lab';
import { buildBinaries, LabStack, nodeName, neighwatchUsable } from './stack';
import { toMismatchView, type MismatchView } from './story';
import { LAB_ADDRESSES, LAB_MACS, LAB_ROLES, labTopology } from './topology';

const prefix = `nwe${process.pid}-`;
const topology = labTopology(prefix);
const dir = mkdtempSync(join(tmpdir(), 'neighwatch-lab-field-'));
let stack: LabStack;

await buildBinaries();
const usable = await neighwatchUsable();

const CONNECT_TIMEOUT_MS = 30_000;
const FINDINGS_TIMEOUT_MS = 30_000;
/** PHANTOM_LLADDR needs its window (the correlator's PHANTOM_WINDOW_US) to pass without a frame from the MAC. */
const PHANTOM_TIMEOUT_MS = 100_000;

describe.skipIf(!usable)('neighwatch on the lab, field variant (Wi-Fi bridge on the host)', () => {
  beforeAll(async () => {
    await labUp({ prefix, variant: 'field' });
    stack = await LabStack.create({ topology, dir });
    await stack.startCollector();
    stack.startAgents();
    await stack.waitForNodes(LAB_ROLES, CONNECT_TIMEOUT_MS);
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
    expect(new Set(rows.map((r) => r.kind))).toEqual(expect.objectContaining(new Set(immediate)));
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
    const logBefore = stack.collector?.log().length ?? 0;
    const intruder = stack.startAgentWithToken('vm', 'intruder', generateToken());
    try {
      const rejection = await stack.collector!.waitForLog(/"level":"(warn|info|error)"[^\n]*(UNAUTHENTICATED|unauthenticated|unknown token|refused)[^\n]*/, 20_000);
      expect(stack.collector!.log().indexOf(rejection[0])).toBeGreaterThanOrEqual(logBefore);
      const nodes = await stack.nodes();
      expect(nodes.map(nodeName).sort()).toEqual([...LAB_ROLES].sort());
    } finally {
      await intruder.stop();
    }
  });

  it('reports the claimed MAC no frame comes from (PHANTOM_LLADDR) at the router', async () => {
    rows = (await stack.waitForKinds(['PHANTOM_LLADDR'], PHANTOM_TIMEOUT_MS)).map((r) => toMismatchView(r));
    const phantom = ofKind('PHANTOM_LLADDR').find((m) => m.vantagePoints.some((p) => p.node === 'router'));
    expect(phantom?.macs[0]).toBe(LAB_MACS.vm);
  });
});
