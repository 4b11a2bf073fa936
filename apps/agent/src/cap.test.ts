/**
 * The patched npm `cap` (tools/patch-cap.mjs), for real, in network namespaces: an
 * interface deleted under a capture is an 'error' event instead of abort(), the snapshot
 * length follows the buffer, 'packet' carries the wire length, and stats() counts the
 * frames lost in a full kernel ring.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { arpRequest } from '@neighwatch/packet';
import { Lab, sh } from '../test/harness';

const PROBE = fileURLToPath(new URL('../test/cap-probe.mjs', import.meta.url));

let lab: Lab | undefined;
let probe: Probe | undefined;
afterEach(async () => {
  probe?.child.kill('SIGKILL');
  probe = undefined;
  await lab?.cleanup();
  lab = undefined;
});

type Event = Record<string, unknown> & { event: string; id?: string };

class Probe {
  readonly events: Event[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly waiters: (() => void)[] = [];
  private stderr = '';

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      this.events.push(JSON.parse(line) as Event);
      for (const w of this.waiters.splice(0)) w();
    });
    child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  send(command: string): void {
    this.child.stdin.write(command + '\n');
  }

  /** The first event (after `from`) matching `predicate`. */
  wait(predicate: (e: Event) => boolean, what: string, timeoutMs = 10_000, from = 0): Promise<Event> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`cap probe: no ${what} within ${timeoutMs} ms (exit ${this.child.exitCode}, signal ${this.child.signalCode}); stderr: ${this.stderr}`)), timeoutMs);
      const check = () => {
        const found = this.events.slice(from).find(predicate);
        if (found) {
          clearTimeout(timer);
          resolve(found);
        } else this.waiters.push(check);
      };
      check();
    });
  }

  packets(id: string): Event[] {
    return this.events.filter((e) => e.id === id && e.event === 'packet');
  }
}

function startProbe(ns: string): Probe {
  probe = new Probe(spawn('ip', ['netns', 'exec', ns, process.execPath, '--expose-gc', PROBE], { stdio: ['pipe', 'pipe', 'pipe'] }));
  return probe;
}

/** Agent side `a` with eth0 and eth1, peer side `p`. */
function topology() {
  lab = new Lab();
  const a = lab.netns('a');
  const p = lab.netns('p');
  lab.link(a, 'eth0', p, 'eth0', ['192.0.2.1/24', '2001:db8::1/64'], ['192.0.2.2/24', '2001:db8::2/64']);
  lab.link(a, 'eth1', p, 'eth1', ['198.51.100.1/24', '2001:db8:1::1/64'], ['198.51.100.2/24', '2001:db8:1::2/64']);
  return { lab, a, p, peer0: lab.mac(p, 'eth0'), peer1: lab.mac(p, 'eth1') };
}

/** An ARP request whose first four bytes (the destination MAC's start) mark it: ff:ff:ff:ff. */
const arp = (mac: string, target: string, padTo = 0): Uint8Array => {
  const frame = arpRequest({ senderMac: mac, senderIp: '192.0.2.2', targetIp: target });
  if (padTo <= frame.length) return frame;
  const padded = new Uint8Array(padTo);
  padded.set(frame);
  return padded;
};

describe('patched cap', () => {
  it('emits error instead of aborting when a captured interface is deleted, and keeps the other captures', async () => {
    const { lab, a, p, peer0, peer1 } = topology();
    const probe = startProbe(a);
    probe.send('open e0 eth0 arp 1048576 1522');
    probe.send('open e1 eth1 arp 1048576 1522');
    await probe.wait((e) => e.id === 'e1' && e.event === 'opened', 'eth1 opened');
    lab.send(p, 'eth1', [arp(peer1, '198.51.100.9')]);
    await probe.wait((e) => e.id === 'e1' && e.event === 'packet', 'a frame on eth1');

    sh(['ip', '-n', a, 'link', 'del', 'eth1']);
    const error = await probe.wait((e) => e.id === 'e1' && e.event === 'error', 'an error event for eth1');
    expect(error.message).toMatch(/Network is down|No such device/);
    expect(probe.child.exitCode).toBeNull();

    lab.send(p, 'eth0', [arp(peer0, '192.0.2.9')]);
    await probe.wait((e) => e.id === 'e0' && e.event === 'packet', 'a frame on eth0 after eth1 went away');

    // Close the failed Cap, let it be garbage-collected, and capture on a new eth1.
    probe.send('close e1');
    await probe.wait((e) => e.id === 'e1' && e.event === 'closed', 'close');
    const mark = probe.events.length;
    probe.send('gc');
    await probe.wait((e) => e.event === 'gc done', 'gc', 10_000, mark);
    lab.link(a, 'eth1', p, 'eth1');
    probe.send('open e2 eth1 arp 1048576 1522');
    probe.send('open e3 eth0 arp 1048576 1522');
    await probe.wait((e) => e.id === 'e3' && e.event === 'opened', 'eth0 and the new eth1 opened');
    lab.send(p, 'eth1', [arp(lab.mac(p, 'eth1'), '198.51.100.10')]);
    lab.send(p, 'eth0', [arp(peer0, '192.0.2.10')]);
    await probe.wait((e) => e.id === 'e2' && e.event === 'packet', 'a frame on the re-created eth1');
    await probe.wait((e) => e.id === 'e3' && e.event === 'packet', 'a frame on eth0 after the garbage collection');

    // Down (not deleted) is an error too.
    sh(['ip', '-n', a, 'link', 'set', 'eth1', 'down']);
    await probe.wait((e) => e.id === 'e2' && e.event === 'error', 'an error event for the downed eth1');
    expect(probe.child.exitCode).toBeNull();
  });

  it('cuts frames at the buffer length, reports their wire length, and counts ring drops in stats()', async () => {
    const { lab, a, p, peer0 } = topology();
    const probe = startProbe(a);
    // A 300-byte buffer: the snapshot length; a small ring that fills while the loop is blocked.
    probe.send('open s eth0 arp 262144 300');
    await probe.wait((e) => e.id === 's' && e.event === 'opened', 'opened');
    lab.send(p, 'eth0', [arp(peer0, '192.0.2.20', 1000)]);
    const cut = await probe.wait((e) => e.id === 's' && e.event === 'packet', 'the 1000-byte frame');
    expect(cut).toMatchObject({ truncated: false, wireLength: 1000, first: 0xffffffff });
    // At most the buffer; libpcap's ring slot layout in immediate mode can leave a small
    // snapshot length a few bytes short (298 of 300 here, like tcpdump --immediate-mode -s 300).
    expect(cut.nbytes).toBeLessThanOrEqual(300);
    expect(cut.nbytes).toBeGreaterThan(290);

    const mark = probe.events.length;
    probe.send('block 3000');
    await probe.wait((e) => e.event === 'blocking', 'blocking', 10_000, mark);
    const sent = 5000;
    lab.send(p, 'eth0', [arp(peer0, '192.0.2.21')], sent);
    await probe.wait((e) => e.event === 'unblocked', 'unblocked', 20_000, mark);
    // Drained: no packet for a moment.
    let seen = -1;
    while (seen !== probe.packets('s').length) {
      seen = probe.packets('s').length;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    probe.send('stats s');
    const stats = await probe.wait((e) => e.id === 's' && e.event === 'stats', 'stats');
    const delivered = probe.packets('s').length;
    expect(delivered).toBeLessThan(sent);
    expect(stats.dropped).toBeGreaterThan(0);
    expect(stats.ifdropped).toBe(0);
    // libpcap on Linux: received counts every frame that passed the filter, dropped ones included.
    expect(stats.received).toBe(delivered + (stats.dropped as number));
    expect(stats.received).toBeGreaterThanOrEqual(sent);

    probe.send('close s');
    await probe.wait((e) => e.id === 's' && e.event === 'closed', 'closed');
    probe.send('stats s');
    const after = await probe.wait((e) => e.id === 's' && e.event === 'stats failed', 'stats after close');
    expect(after.message).toMatch(/not currently capturing/i);
  });
});
