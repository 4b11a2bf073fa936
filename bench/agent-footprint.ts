/**
 * Footprint of neighwatch-agent under ARP/NDP load, in network namespaces:
 *
 *   npx tsx bench/agent-footprint.ts [--steady-seconds 30] [--storm-seconds 10] [--storm-rate 50000]
 *     [--agent-args "--capture-buffer-size 8MiB"] [--agent-node-args "--cpu-prof --cpu-prof-dir=/tmp/prof"]
 *     [--agent-node-options "--max-semi-space-size=2"] [--agent-bin /path/to/other/bin/neighwatch-agent.js]
 *
 * A peer namespace writes ARP requests and Neighbor Solicitations with cap's send() on a
 * veth to the agent's namespace; a fake collector (a real gRPC server in this process, on a
 * unix socket) acknowledges everything. Phase 0: start-up and 10 s idle; phase 1:
 * 1,000 frames/s; CPU from /proc/<pid>/stat (utime+stime) over the window, RSS and PSS
 * sampled every second, for the agent process (it captures in-process: one process). The
 * peak RSS of each phase is also the kernel's own high-water mark (`VmHWM`, reset between
 * phases through /proc/<pid>/clear_refs), so the start-up peak, which lasts less than a
 * second, is not missed between samples. Phase 2: an ARP storm at
 * --storm-rate frames/s: the agent must survive and stay bounded in memory; frames lost in
 * the full kernel ring are shown as sent − captured and as libpcap counts them
 * (`pcap_dropped_total`).
 * Prints a Markdown table; bench/agent.md keeps the results.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { arpRequest, encodeNdp } from '@neighwatch/packet';
import { FakeCollector } from '../apps/agent/test/fake-collector';
import { buildAgent, Lab, metricSum, SEND_FRAMES } from '../apps/agent/test/harness';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const STEADY_SECONDS = option('steady-seconds', 30);
const STORM_SECONDS = option('storm-seconds', 10);
const STORM_RATE = option('storm-rate', 50_000);
const nodeOptionsAt = args.indexOf('--agent-node-options');
const AGENT_NODE_OPTIONS = nodeOptionsAt >= 0 ? args[nodeOptionsAt + 1] : '';
const nodeArgsAt = args.indexOf('--agent-node-args');
const AGENT_NODE_ARGS = nodeArgsAt >= 0 ? args[nodeArgsAt + 1].split(' ') : [];
/** Extra agent flags, e.g. --agent-args "--capture-buffer-size 8MiB". */
const agentArgsAt = args.indexOf('--agent-args');
const AGENT_ARGS = agentArgsAt >= 0 ? args[agentArgsAt + 1].split(' ').filter(Boolean) : [];
/** Another build of the agent to measure (e.g. a copy of an earlier tree), for before/after runs. */
const agentBinAt = args.indexOf('--agent-bin');
const AGENT_BIN = agentBinAt >= 0 ? args[agentBinAt + 1] : undefined;
const CLOCK_TICKS = 100; // sysconf(_SC_CLK_TCK) on Linux

interface Sample {
  cpuTicks: number;
  systemTicks: number;
  rssKiB: number;
  pssKiB: number;
  /** Peak RSS since start or since the last resetPeak(). */
  hwmKiB: number;
}

function sample(pid: number): Sample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuTicks = Number(fields[11]) + Number(fields[12]); // utime + stime
  const systemTicks = Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  const hwmKiB = Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const pssKiB = Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
  return { cpuTicks, systemTicks, rssKiB, pssKiB, hwmKiB };
}

/** Resets the process's VmHWM to its current RSS (proc(5): clear_refs, value 5). */
function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sendAsync(lab: Lab, ns: string, dev: string, frames: Uint8Array[], count: number, rate: number): Promise<{ sent: number; failed: number; seconds: number }> {
  const file = join(lab.dir, `bench-${count}-${rate}.hex`);
  writeFileSync(file, frames.map((f) => Buffer.from(f).toString('hex')).join('\n') + '\n');
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, SEND_FRAMES, dev, file, String(count), String(rate)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`sender exited ${code}`)))));
}

async function measure(pids: number[], seconds: number) {
  const first = pids.map(sample);
  const peaks = pids.map(() => ({ rss: 0, pss: 0, rssSum: 0 }));
  const t0 = performance.now();
  for (let s = 0; s < seconds; s++) {
    await sleep(1000);
    pids.forEach((pid, i) => {
      const x = sample(pid);
      peaks[i].rss = Math.max(peaks[i].rss, x.rssKiB);
      peaks[i].pss = Math.max(peaks[i].pss, x.pssKiB);
      peaks[i].rssSum += x.rssKiB;
    });
  }
  const elapsed = (performance.now() - t0) / 1000;
  const last = pids.map(sample);
  return pids.map((_, i) => ({
    cpuPercent: ((last[i].cpuTicks - first[i].cpuTicks) / CLOCK_TICKS / elapsed) * 100,
    systemPercent: ((last[i].systemTicks - first[i].systemTicks) / CLOCK_TICKS / elapsed) * 100,
    rssMiB: Math.max(peaks[i].rss, last[i].hwmKiB) / 1024,
    meanRssMiB: peaks[i].rssSum / seconds / 1024,
    pssMiB: peaks[i].pss / 1024,
  }));
}

const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

async function main(): Promise<void> {
  buildAgent();
  const loadBefore = load();
  const lab = new Lab();
  const collector = new FakeCollector(`unix://${join(lab.dir, 'collector.sock')}`);
  try {
    const a = lab.netns('a');
    const p = lab.netns('p');
    lab.link(a, 'eth0', p, 'eth0', ['192.0.2.1/24', '2001:db8::1/64'], ['192.0.2.2/24', '2001:db8::2/64']);
    const peerMac = lab.mac(p, 'eth0');
    await collector.start();
    const agent = lab.agent(a, ['--collector', collector.address, '--spool-dir', join(lab.dir, 'spool'), '--metrics-listen', '127.0.0.1:9464', '--log-format', 'json', '--node', 'bench', ...AGENT_ARGS], {
      env: AGENT_NODE_OPTIONS ? { NODE_OPTIONS: AGENT_NODE_OPTIONS } : {},
      nodeArgs: AGENT_NODE_ARGS,
      bin: AGENT_BIN,
    });
    await agent.waitForLog((l) => l.msg === 'capture started' && l.interface === 'eth0');
    // `ip netns exec` execs node: the child's pid is the agent's.
    const agentPid = agent.child.pid!;

    // A mix like a busy LAN: ARP requests from many hosts and Neighbor Solicitations.
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 200; i++) {
      frames.push(arpRequest({ senderMac: peerMac, senderIp: `192.0.2.${2 + (i % 250)}`, targetIp: `192.0.2.${10 + ((i * 7) % 240)}` }));
      frames.push(
        encodeNdp({
          ethSrc: peerMac,
          src: `2001:db8::${(i + 2).toString(16)}`,
          dst: 'ff02::1:ff00:1',
          message: { type: 'NS', target: `2001:db8::${(i + 300).toString(16)}` },
          options: [{ type: 'source-lladdr', mac: peerMac }],
        }),
      );
    }

    // Phase 0: idle (no frames), the floor: timers, interface scans, neighbor reads.
    // Its peak is VmHWM since the process started: start-up included.
    const [agentIdle] = await measure([agentPid], 10);
    resetPeak(agentPid);

    // Phase 1: steady 1,000 frames/s; measure after a 5 s warm-up.
    const steadyCount = (STEADY_SECONDS + 10) * 1000;
    const steady = sendAsync(lab, p, 'eth0', frames, steadyCount, 1000);
    await sleep(5000);
    const [agentSteady] = await measure([agentPid], STEADY_SECONDS);
    const steadySent = await steady;
    resetPeak(agentPid);
    await sleep(2000);
    const m1 = lab.metrics(a, 9464);
    const captured1 = metricSum(m1, 'neighwatch_agent_frames_captured_total');

    // Phase 2: ARP storm.
    const stormFrames = frames.filter((_, i) => i % 2 === 0);
    const stormCount = STORM_SECONDS * STORM_RATE;
    const storm = sendAsync(lab, p, 'eth0', stormFrames, stormCount, STORM_RATE);
    const [agentStorm] = await measure([agentPid], STORM_SECONDS);
    const stormSent = await storm;
    await sleep(5000);
    const m2 = lab.metrics(a, 9464);
    const captured2 = metricSum(m2, 'neighwatch_agent_frames_captured_total') - captured1;
    const pcapReceived2 = metricSum(m2, 'neighwatch_agent_pcap_received_total') - metricSum(m1, 'neighwatch_agent_pcap_received_total');
    const pcapDropped2 = metricSum(m2, 'neighwatch_agent_pcap_dropped_total') - metricSum(m1, 'neighwatch_agent_pcap_dropped_total');
    const alive = agent.child.exitCode === null;
    const after = sample(agentPid);

    const row = (what: string, x: { cpuPercent: number; systemPercent?: number; rssMiB: number; meanRssMiB: number; pssMiB: number }) =>
      `| ${what} | ${x.cpuPercent.toFixed(2)} %${x.systemPercent === undefined ? '' : ` (kernel ${x.systemPercent.toFixed(2)} %)`} | ${x.rssMiB.toFixed(1)} MiB | ${x.meanRssMiB.toFixed(1)} MiB | ${x.pssMiB.toFixed(1)} MiB |`;
    const header = (what: string) => [`| ${what} | CPU (of one core) | peak RSS | mean RSS | peak PSS |`, '|---|---|---|---|---|'];
    const lines = [
      `${new Date().toISOString()}, load average (1/5/15 min) ${loadBefore} before, ${load()} after`,
      `steady: ${steadySent.sent} frames sent in ${steadySent.seconds.toFixed(1)} s (${steadySent.failed} send failures); captured ${captured1} (background NDP included); libpcap dropped ${metricSum(m1, 'neighwatch_agent_pcap_dropped_total')}`,
      '',
      ...header('start-up + 10 s idle'),
      row('agent', agentIdle),
      '',
      ...header('1,000 frames/s (peak: its first seconds included)'),
      row('agent', agentSteady),
      '',
      `storm: ${stormSent.sent} frames offered in ${stormSent.seconds.toFixed(1)} s = ${(stormSent.sent / stormSent.seconds).toFixed(0)} frames/s (${stormSent.failed} send failures)`,
      `captured ${captured2} (${((captured2 / stormSent.sent) * 100).toFixed(1)} %); not captured: ${stormSent.sent - stormSent.failed - captured2}; libpcap says: received ${pcapReceived2}, dropped ${pcapDropped2} (ring full), ifdropped ${metricSum(m2, 'neighwatch_agent_pcap_ifdropped_total') - metricSum(m1, 'neighwatch_agent_pcap_ifdropped_total')}`,
      `spool_dropped_total ${metricSum(m2, 'neighwatch_agent_spool_dropped_total')}, observations spooled ${metricSum(m2, 'neighwatch_agent_observations_spooled_total')}, acked ${metricSum(m2, 'neighwatch_agent_observations_acked_total')}, collector received ${collector.received.observations.length}`,
      `agent alive after the storm: ${alive}; RSS after: ${(after.rssKiB / 1024).toFixed(1)} MiB`,
      '',
      ...header(`${STORM_RATE.toLocaleString('en')} frames/s offered`),
      row('agent', agentStorm),
    ];
    process.stdout.write(lines.join('\n') + '\n');
    agent.child.kill('SIGTERM');
    const exit = await agent.exited;
    process.stdout.write(`SIGTERM after the storm: exit ${exit.code}\n`);
  } finally {
    await collector.stop();
    await lab.cleanup();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`agent-footprint: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
