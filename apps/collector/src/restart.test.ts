/**
 * Correlator state survives a restart (rebuilt from the store), and the allowlist
 * suppresses known-legitimate cases without hiding that they happened.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListMismatchesResponse__Output, Mismatch__Output } from '@neighwatch/proto';
import { ROOT, TOKENS, TestAgent, ask, queryClient, startCollector, tempDir, type CollectorProcess } from './testing/harness';
import { inventories, observations } from './testing/field-case';

const kindOf = (m: Mismatch__Output) => String(m.kind).replace('MISMATCH_KIND_', '');
const ALLOWLIST = JSON.stringify([{ kind: 'LLADDR_MISMATCH', node: 'router', comment: 'test: accepted at the router' }]);

let tmp: ReturnType<typeof tempDir>;
let collector: CollectorProcess;
const agents: TestAgent[] = [];

async function connect(node: 'vm' | 'host' | 'router') {
  const agent = new TestAgent(collector.address, TOKENS[node]);
  agents.push(agent);
  agent.hello(node);
  await agent.next((m) => m.body === 'helloReply');
  return agent;
}

beforeAll(async () => {
  execFileSync(process.execPath, [join(ROOT, 'tools/build.mjs'), 'collector'], { cwd: ROOT });
  tmp = tempDir();
  const database = join(tmp.dir, 'neighwatch.db');
  const args = ['--allowlist', ALLOWLIST];
  collector = await startCollector({ dir: tmp.dir, database, args });

  const at = Date.now() * 1000 - 2_000_000;
  const inv = inventories(() => Date.now() * 1000);
  const frames = observations(at, {}, { vm: 1, host: 1, router: 1 });
  // Before the restart: only the VM's side of the packets.
  const vm = await connect('vm');
  vm.send({ inventory: inv.vm });
  vm.send({ observations: { agentTimeUs: Date.now() * 1000, observations: frames.vm } });
  await vm.acked(frames.vm.at(-1)!.sequence as number);
  vm.close();
  await collector.stop('SIGTERM');

  // After: the router's side. Matching it needs the VM's sightings from before.
  collector = await startCollector({ dir: tmp.dir, database, args });
  const rebuilt = await collector.waitFor((l) => l.msg === 'correlator state rebuilt');
  expect(rebuilt.observations).toBe(frames.vm.length);
  const router = await connect('router');
  router.send({ inventory: inv.router });
  router.send({ observations: { agentTimeUs: Date.now() * 1000, observations: frames.router } });
  await router.acked(frames.router.at(-1)!.sequence as number);
});

afterAll(async () => {
  for (const a of agents) a.close();
  await collector?.stop();
  tmp?.remove();
});

describe('after a restart', () => {
  it('matches packets seen before the restart with packets seen after it', async () => {
    const q = queryClient(collector.address);
    const { mismatches } = await ask<ListMismatchesResponse__Output>(q, 'ListMismatches', { kinds: ['MISMATCH_KIND_REWRITTEN_IN_TRANSIT'] });
    q.close();
    const points = mismatches.map((m) => m.vantagePoints.map((v) => `${v.node}/${v.interface}`).sort().join(' '));
    expect(points).toContain('router/eth0 vm/eth0');
  });
});

describe('the allowlist', () => {
  it('hides matching mismatches from default listings but counts them, and shows them on request', async () => {
    const q = queryClient(collector.address);
    const hidden = await ask<ListMismatchesResponse__Output>(q, 'ListMismatches', { kinds: ['MISMATCH_KIND_LLADDR_MISMATCH'] });
    expect(hidden.mismatches).toEqual([]);
    expect(hidden.suppressed).toBeGreaterThan(0);
    const shown = await ask<ListMismatchesResponse__Output>(q, 'ListMismatches', { kinds: ['MISMATCH_KIND_LLADDR_MISMATCH'], includeSuppressed: true });
    q.close();
    expect(shown.mismatches.length).toBeGreaterThan(0);
    for (const m of shown.mismatches) {
      expect(kindOf(m)).toBe('LLADDR_MISMATCH');
      expect(m.suppressed).toBe(true);
      expect(m.suppressedCount).toBeGreaterThan(0);
    }
  });
});
