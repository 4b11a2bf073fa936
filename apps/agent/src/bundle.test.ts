/**
 * tools/bundle-agent.sh: the tarball runs from a directory outside the checkout, with
 * nothing but Node.js and the libpcap runtime, and captures for real.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { arpRequest, formatIPv4 } from '@neighwatch/packet';
import { FakeCollector } from '../test/fake-collector';
import { extractAgentBundle, Lab } from '../test/harness';

let lab: Lab | undefined;
let collector: FakeCollector | undefined;
let outside: string | undefined;
afterEach(async () => {
  await collector?.stop();
  await lab?.cleanup();
  if (outside) rmSync(outside, { recursive: true, force: true });
  lab = collector = outside = undefined;
});

describe('agent bundle', () => {
  it('runs --help from an extracted tarball outside the repository, and captures', async () => {
    outside = mkdtempSync(join(tmpdir(), 'nw-bundle-'));
    const dir = extractAgentBundle(outside);
    const bin = join(dir, 'bin/neighwatch-agent.js');
    expect(readdirSync(join(dir, 'node_modules/cap/build/Release'))).toEqual(['cap.node']);

    // No NODE_PATH, cwd far from the checkout: only the bundle's own files can be found.
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
    const help = spawnSync(process.execPath, [bin, '--help'], { cwd: '/', env, encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage: neighwatch-agent');
    expect(help.stdout).toContain('--spool-max-bytes');

    lab = new Lab();
    const a = lab.netns('a');
    const p = lab.netns('p');
    lab.link(a, 'eth0', p, 'eth0', ['192.0.2.1/24', '2001:db8::1/64'], ['192.0.2.2/24', '2001:db8::2/64']);
    collector = new FakeCollector(`unix://${join(lab.dir, 'c.sock')}`);
    await collector.start();
    const agent = lab.agent(a, ['--collector', collector.address, '--spool-dir', join(lab.dir, 'spool'), '--batch-max-delay', '50ms', '--log-format', 'json'], { bin, cwd: '/', env });
    await agent.waitForLog((l) => l.msg === 'capture started' && l.interface === 'eth0');
    const peerMac = lab.mac(p, 'eth0');
    lab.send(p, 'eth0', [arpRequest({ senderMac: peerMac, senderIp: '192.0.2.2', targetIp: '192.0.2.77' })]);
    await collector.waitFor((r) => r.observations.some((o) => o.targetIp.length === 4 && formatIPv4(o.targetIp) === '192.0.2.77'), 15_000, 'an observation from the bundled agent');
  });
});
