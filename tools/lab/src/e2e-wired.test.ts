/**
 * End to end on the wired variant: the same namespaces, MACs and addresses over a plain
 * bridge (no MAC rewriting). Everything works and neighwatch reports nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { WIRED_KINDS } from './expectations';
import { labDown, labTraffic, labUp, namespacesWithPrefix } from './lab';
import { agentFinalCounts, buildBinaries, LabStack, nodeName, observationCount } from './stack';
import { LAB_ROLES, labTopology } from './topology';

const prefix = `nww${process.pid}-`;
const topology = labTopology(prefix);
const dir = mkdtempSync(join(tmpdir(), 'neighwatch-lab-wired-'));
let stack: LabStack;

// The binaries under test, from the current sources.
await buildBinaries();

describe('neighwatch on the lab, wired variant (plain bridge)', () => {
  beforeAll(async () => {
    await labUp({ prefix, variant: 'wired' });
    stack = await LabStack.create({ topology, dir });
    await stack.startCollector();
    stack.startAgents();
    await stack.waitForAgentsReady(30_000);
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

  it('IPv4 and IPv6 from the VM both work', async () => {
    const pings = await labTraffic({ prefix });
    expect(Object.fromEntries(pings.map((p) => [p.family, p.lossPercent]))).toEqual({ IPv4: 0, IPv6: 0 });
  });

  it('reports nothing, with every captured observation stored', async () => {
    // An agent that stops has had everything it captured acknowledged, and an
    // acknowledgement follows the commit: after this, the database holds it all.
    await stack.stopAgents();
    const stored = Object.fromEntries((await stack.nodes()).map((n) => [nodeName(n), observationCount(n)]));
    for (const role of LAB_ROLES) {
      const final = agentFinalCounts(stack.agents.get(role)!);
      expect(final?.unacknowledged, role).toBe(0);
      expect(stored[role], role).toBe(final?.acked);
      expect(stored[role], role).toBeGreaterThan(0);
    }
    // PHANTOM_LLADDR is a rule over time: only once the lab collector's window (10 s) and a
    // maintenance tick have passed does "nothing reported" include it.
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    expect((await stack.mismatches()).map((m) => m.kind)).toEqual(WIRED_KINDS);
  });

  it('lab down also stops a collector the lab started, as after a crash of the demo', async () => {
    const collector = stack.collector!;
    expect(collector.running).toBe(true);
    await labDown({ prefix });
    const status = await collector.exited;
    expect(status.signal ?? status.code).toBe(status.signal ? 'SIGTERM' : 0);
    expect(await namespacesWithPrefix(prefix)).toEqual([]);
  });
});
