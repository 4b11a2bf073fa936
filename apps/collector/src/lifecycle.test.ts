/**
 * The periodic job: quiet mismatches are resolved and reopened when seen again (Watch
 * says so); raw observations past retention are pruned while mismatches keep their evidence.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListMismatchesResponse__Output, MismatchDetail__Output, MismatchEvent__Output } from '@neighwatch/proto';
import { ROOT, TOKENS, TestAgent, ask, bearer, queryClient, startCollector, tempDir, type CollectorProcess } from './testing/harness';
import { observations } from './testing/field-case';

let tmp: ReturnType<typeof tempDir>;
let collector: CollectorProcess;

beforeAll(async () => {
  execFileSync(process.execPath, [join(ROOT, 'tools/build.mjs'), 'collector'], { cwd: ROOT });
  tmp = tempDir();
  collector = await startCollector({ dir: tmp.dir, args: ['--quiet-period', '1s', '--maintenance-interval', '200ms', '--retention', '1m'] });
});

afterAll(async () => {
  await collector?.stop();
  tmp?.remove();
});

describe('mismatch lifecycle', () => {
  it('resolves a quiet mismatch, reopens it when seen again, and prunes old observations but keeps evidence', async () => {
    const agent = new TestAgent(collector.address, TOKENS.router);
    agent.hello('router');
    await agent.next((m) => m.body === 'helloReply');
    const q = queryClient(collector.address);

    // Seen two minutes ago: quiet for longer than the quiet period, older than retention.
    const first = observations(Date.now() * 1000 - 120_000_000, {}, { vm: 1, host: 1, router: 1 }).router;
    agent.send({ observations: { agentTimeUs: Date.now() * 1000, observations: first } });
    await agent.acked(first.at(-1)!.sequence as number);
    await collector.waitFor((l) => l.msg === 'mismatches resolved after a quiet period', 'resolution');
    await collector.waitFor((l) => l.msg === 'old observations pruned', 'pruning');

    const resolved = await ask<ListMismatchesResponse__Output>(q, 'ListMismatches', {
      kinds: ['MISMATCH_KIND_LLADDR_MISMATCH'],
      state: 'MISMATCH_STATE_RESOLVED',
    });
    expect(resolved.mismatches).toHaveLength(1);
    const id = resolved.mismatches[0].id;
    const detail = await ask<MismatchDetail__Output>(q, 'GetMismatch', { id });
    expect(detail.history.map((h) => h.state)).toEqual(['MISMATCH_STATE_OPEN', 'MISMATCH_STATE_RESOLVED']);
    expect(detail.evidence.length).toBeGreaterThan(0);

    // Seen again now: reopened, and Watch reports it as such.
    const watch = q.Watch({ kinds: ['MISMATCH_KIND_LLADDR_MISMATCH'] }, bearer(TOKENS.read));
    watch.on('error', () => undefined);
    const reopened = new Promise<MismatchEvent__Output>((resolve) =>
      watch.on('data', (e: MismatchEvent__Output) => e.type === 'MISMATCH_EVENT_TYPE_REOPENED' && resolve(e)),
    );
    const next = first.at(-1)!.sequence as number;
    const again = observations(Date.now() * 1000, {}, { vm: 1, host: 1, router: next + 1 }).router;
    agent.send({ observations: { agentTimeUs: Date.now() * 1000, observations: again } });
    const event = await reopened;
    expect(event.mismatch!.id).toBe(id);
    expect(event.mismatch!.state).toBe('MISMATCH_STATE_OPEN');
    watch.cancel();
    q.close();
    agent.close();
  });
});
