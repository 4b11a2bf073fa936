/**
 * The `neighwatch` binary against a real collector process and SQLite file, filled through
 * the real Ingest stream with the field case as seen at vm, host and router.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAgents, HOST, playRound, ROUTER, VM } from './testing/field-case';
import { arpAnnouncement } from '@neighwatch/packet';
import { Agent, ROOT, runCli, startCollector, tempDir, TOKENS, type Collector } from './testing/system';

let collector: Collector;
let temp: ReturnType<typeof tempDir>;
let base: string[];
const cli = (...args: string[]) => runCli([...args, ...base]);

interface MismatchJson {
  id: number;
  kind: string;
  state: string;
  ip: string | null;
  macs: string[];
  vantagePoints: string[];
  firstSeen: string;
  lastSeen: string;
  count: number;
  summary: string;
}

beforeAll(async () => {
  execFileSync(process.execPath, ['tools/build.mjs', 'cli'], { cwd: ROOT });
  execFileSync(process.execPath, ['tools/build.mjs', 'collector'], { cwd: ROOT });
  temp = tempDir();
  collector = await startCollector(temp.dir);
  base = ['--collector', collector.address, '--token', TOKENS.read];
  const agents = await connectAgents(collector.address);
  const now = Date.now() * 1000;
  // Captured 3 and 2 minutes ago: the phantom rule's 60 s window has passed, so every
  // mismatch of the field case exists once the collector's next tick has run.
  await playRound(agents, now - 180_000_000);
  await playRound(agents, now - 120_000_000);
  agents.close();
  await eventually(async () => (await mismatchesJson('--kind', 'PHANTOM_LLADDR')).length > 0, 30_000);
  // Then until a collector tick (5 s) passes without a new occurrence, so outputs fetched
  // one after another describe the same data.
  let previous = '';
  await eventually(async () => {
    const all = JSON.stringify((await mismatchesJson('--state', 'all', '--limit', '0')).map((m) => [m.id, m.count]));
    const stable = all === previous;
    previous = all;
    if (!stable) await new Promise((r) => setTimeout(r, 5_500));
    return stable;
  }, 60_000);
});

/** Polls `check` until it holds (the collector's time-based rules run on their own tick). */
async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

afterAll(async () => {
  await collector?.stop();
  temp?.remove();
});

async function mismatchesJson(...args: string[]): Promise<MismatchJson[]> {
  const r = await cli('mismatches', '--format', 'json', ...args);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('nodes', () => {
  it('lists every agent with interfaces, MACs and addresses, in each format', async () => {
    const table = await cli('nodes');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^NODE\s+AGENT\s+STATUS\s+CLOCK OFFSET\s+SPOOL DROPS\s+INTERFACES/);
    expect(table.stdout).toMatch(/router\s+0\.1\.0\s+last seen \d+s ago/);
    expect(table.stdout).toContain(`eth0 ${VM.mac} ${VM.ipv4}/24`);
    expect(table.stdout).not.toContain('\x1b[');

    const json = JSON.parse((await cli('nodes', '--format', 'json')).stdout);
    expect(json.map((n: { name: string }) => n.name)).toEqual(['host', 'router', 'vm']);
    const host = json[0];
    expect(host.interfaces.map((i: { name: string; mac: string }) => `${i.name} ${i.mac}`)).toEqual(
      expect.arrayContaining([`wlan0 ${HOST.mac}`, `br0 ${HOST.mac}`]),
    );
    expect(host.lastSeen).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(typeof host.clockOffsetUs).toBe('number');
    expect(host.spoolDropped).toBe(0);

    const csv = (await cli('nodes', '--format', 'csv')).stdout.trimEnd().split('\r\n');
    expect(csv[0]).toBe('name,agentVersion,connected,lastSeen,clockOffsetUs,spoolDropped,interfaces');
    expect(csv).toHaveLength(4);
  });
});

describe('bindings', () => {
  it('shows who binds the VM IPv4 to which MAC, from where', async () => {
    const rows = JSON.parse((await cli('bindings', '--ip', VM.ipv4, '--format', 'json')).stdout) as { ip: string; mac: string; observer: string; source: string }[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.ip === VM.ipv4)).toBe(true);
    // The router binds it to the host's MAC, on the wire and in its neighbor cache; the VM says it is its own.
    expect(rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ observer: 'router', mac: HOST.mac, source: 'wire' }),
        expect.objectContaining({ observer: 'router', mac: HOST.mac, source: 'neighbor-cache' }),
        expect.objectContaining({ observer: 'vm', mac: VM.mac, source: 'inventory' }),
      ]),
    );
  });

  it('filters by MAC and node, and prints CSV and a table', async () => {
    const byMac = (await cli('bindings', '--mac', HOST.mac.toUpperCase().replace(/:/g, '-'), '--node', 'router', '--format', 'csv')).stdout.trimEnd().split('\r\n');
    expect(byMac[0]).toBe('ip,mac,observer,interface,source,firstSeen,lastSeen,count');
    expect(byMac.length).toBeGreaterThan(1);
    for (const line of byMac.slice(1)) expect(line).toMatch(new RegExp(`^[^,]+,${HOST.mac},router,br0,`));
    const table = await cli('bindings', '--ip', VM.ll);
    expect(table.stdout).toMatch(new RegExp(`${VM.ll.replace(/\./g, '\\.')}\\s+${VM.mac}\\s+router\\s+br0\\s+neighbor-cache`));
  });
});

describe('mismatches', () => {
  it('lists the field case, newest first, in every format', async () => {
    const rows = await mismatchesJson('--limit', '0');
    const kinds = new Set(rows.map((r) => r.kind));
    for (const k of ['LLADDR_MISMATCH', 'EUI64_MISMATCH', 'PHANTOM_LLADDR', 'REWRITTEN_IN_TRANSIT', 'SPLIT_STACK', 'BINDING_CONFLICT']) expect(kinds).toContain(k);
    const lastSeen = rows.map((r) => Date.parse(r.lastSeen));
    expect([...lastSeen].sort((a, b) => b - a)).toEqual(lastSeen);

    const csv = (await cli('mismatches', '--format', 'csv', '--limit', '0')).stdout.trimEnd().split('\r\n');
    expect(csv[0]).toBe('id,kind,state,subject,ip,macs,node,vantagePoints,firstSeen,lastSeen,count,summary,suppressed');
    expect(csv).toHaveLength(rows.length + 1);

    const table = await cli('mismatches');
    expect(table.stdout).toMatch(/^\s*ID\s+KIND\s+STATE\s+IP\s+MACS\s+SEEN AT\s+LAST SEEN\s+COUNT\s+SUMMARY/);
    expect(table.stdout).toMatch(/LLADDR_MISMATCH\s+open\s+fe80::203:ffff:fe13:7d75/);
  });

  it('colours and fits the table to the width only on a terminal', async () => {
    // `script` gives the CLI a pseudo-terminal of 100 columns.
    const onTerminal = (env: string) =>
      execFileSync('script', ['-qec', `stty cols 100; ${env} ${process.execPath} ${join(ROOT, 'bin/neighwatch.cjs')} mismatches ${base.join(' ')}`, '/dev/null'], {
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '' },
      });
    const coloured = onTerminal('');
    expect(coloured).toContain('\x1b[31mopen\x1b[39m');
    const visible = coloured.replace(/\x1b\[[0-9;]*m/g, '').split(/\r?\n/);
    for (const line of visible) expect([...line].length).toBeLessThanOrEqual(100);
    expect(coloured).toContain('…');
    expect(onTerminal('NO_COLOR=1')).not.toContain('\x1b[');
    // Piped: no colour, nothing cut.
    const piped = (await cli('mismatches')).stdout;
    expect(piped).not.toContain('\x1b[');
    expect(piped).not.toContain('…');
  });

  it('filters by kind, node, ip, mac and state', async () => {
    const lladdr = await mismatchesJson('--kind', 'lladdr-mismatch');
    expect(lladdr.length).toBeGreaterThan(0);
    expect(lladdr.every((m) => m.kind === 'LLADDR_MISMATCH')).toBe(true);
    expect(lladdr[0].macs).toEqual(expect.arrayContaining([VM.mac, HOST.mac]));

    const two = await mismatchesJson('--kind', 'SPLIT_STACK,BINDING_CONFLICT');
    expect(new Set(two.map((m) => m.kind))).toEqual(new Set(['SPLIT_STACK', 'BINDING_CONFLICT']));

    const byIp = await mismatchesJson('--ip', VM.ipv4);
    expect(byIp.length).toBeGreaterThan(0);
    expect(byIp.every((m) => m.ip === VM.ipv4)).toBe(true);

    const atRouter = await mismatchesJson('--node', 'router', '--limit', '0');
    expect(atRouter.length).toBeGreaterThan(0);
    const all = await mismatchesJson('--limit', '0');
    expect(atRouter.length).toBeLessThan(all.length);

    const noMac = await mismatchesJson('--mac', '02:00:00:00:00:99');
    expect(noMac).toEqual([]);

    expect(await mismatchesJson('--state', 'resolved')).toEqual([]);
    expect(await mismatchesJson('--since', '2000-01-01', '--until', '2000-01-02')).toEqual([]);
  });

  it('pages through the collector cursor up to --limit', async () => {
    const all = await mismatchesJson('--limit', '0');
    expect(all.length).toBeGreaterThan(3);
    const r = await cli('mismatches', '--format', 'json', '--limit', '3');
    expect(JSON.parse(r.stdout).map((m: MismatchJson) => m.id)).toEqual(all.slice(0, 3).map((m) => m.id));
    expect(r.stderr).toContain('more mismatches match than the 3 shown');
  });
});

describe('mismatch show / ack', () => {
  it('explains the field case and decodes each evidence frame with a hex dump', async () => {
    const [lladdr] = await mismatchesJson('--kind', 'LLADDR_MISMATCH');
    const r = await cli('mismatch', 'show', String(lladdr.id));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Mismatch #${lladdr.id}  LLADDR_MISMATCH  open`);
    expect(r.stdout).toContain('What it means');
    expect(r.stdout).toMatch(/Evidence \(\d+ frames?\)/);
    // tcpdump -v -e style line for the rewritten NS, and its hex dump
    expect(r.stdout).toContain(`${HOST.mac} > 33:33:ff:78:ad:40`);
    expect(r.stdout).toMatch(/source link-address option .*00:03:ff:13:7d:75/);
    expect(r.stdout).toMatch(/0x0000:\s+3333 ff78 ad40 c417 fe12 7d75 86dd/);

    const json = JSON.parse((await cli('mismatch', 'show', String(lladdr.id), '--format', 'json')).stdout);
    expect(json.mismatch.id).toBe(lladdr.id);
    // The frame's source first, the address the packet claims second, whatever their order as text.
    expect(json.explanation).toMatch(new RegExp(`come from ${HOST.mac}\\b.*is at ${VM.mac}\\b`));
    expect(json.evidence.length).toBeGreaterThan(0);
    expect(json.evidence[0].decoded).toMatch(/neighbor solicitation/i);
  });

  it('says in plain words what the rewritten NS means, naming where it was rewritten', async () => {
    const [rewritten] = (await mismatchesJson('--kind', 'REWRITTEN_IN_TRANSIT', '--ip', VM.ll)).filter((m) => m.vantagePoints.join() === 'vm/eth0,router/br0');
    const r = await cli('mismatch', 'show', String(rewritten.id), '--format', 'json');
    const json = JSON.parse(r.stdout);
    expect(json.explanation).toContain(`IPv6 neighbors of vm learn ${VM.mac}, but frames from vm leave host as ${HOST.mac}: the NDP source link-layer option was not rewritten`);
    expect(json.mismatch.rewrittenFields.length).toBeGreaterThan(0);
    expect(json.mismatch.staleFields).toContain('ndp_sllao');
    const text = (await cli('mismatch', 'show', String(rewritten.id))).stdout;
    expect(text).toMatch(/Left stale\s+ndp_sllao/);
    expect(text).toMatch(/\[\d\] vm\/eth0 /);
    expect(text).toMatch(/\[\d\] router\/br0 /);
  });

  it('acknowledges with who and why, and the history shows it', async () => {
    const [split] = await mismatchesJson('--kind', 'SPLIT_STACK');
    const ack = await cli('mismatch', 'ack', String(split.id), '--note', 'INC-4711 Wi-Fi bridge', '--by', 'alice@ws');
    expect(ack.code, ack.stderr).toBe(0);
    expect(ack.stdout).toBe(`mismatch ${split.id} acknowledged by alice@ws: INC-4711 Wi-Fi bridge\n`);
    const acked = await mismatchesJson('--state', 'acknowledged');
    expect(acked.map((m) => m.id)).toEqual([split.id]);
    expect((await mismatchesJson('--state', 'open')).map((m) => m.id)).not.toContain(split.id);
    const show = await cli('mismatch', 'show', String(split.id));
    expect(show.stdout).toMatch(/acknowledged by alice@ws: INC-4711 Wi-Fi bridge/);
  });

  it('reports a past range as it was then: open before the acknowledgement', async () => {
    const [split] = await mismatchesJson('--kind', 'SPLIT_STACK', '--state', 'all');
    expect(split.state).toBe('acknowledged');
    const wholeHour = new Date(Math.floor(Date.now() / 3_600_000 - 2) * 3_600_000).toISOString();
    // The acknowledgement happened after the last occurrence (it follows every other test step).
    const beforeAck = new Date(Date.parse(split.lastSeen) + 1000).toISOString();
    const then = JSON.parse((await cli('report', '--since', wholeHour, '--until', beforeAck, '--format', 'json')).stdout);
    const now = JSON.parse((await cli('report', '--since', wholeHour, '--format', 'json')).stdout);
    expect(then.stillOpen.find((m: MismatchJson) => m.id === split.id)?.state).toBe('open');
    expect(now.stillOpen.find((m: MismatchJson) => m.id === split.id)?.state).toBe('acknowledged');
  });
});

describe('evidence', () => {
  it('writes every frame of every vantage point to a pcap that tcpdump reads', async () => {
    const [rewritten] = (await mismatchesJson('--kind', 'REWRITTEN_IN_TRANSIT', '--ip', VM.ll)).filter((m) => m.vantagePoints.includes('router/br0') && m.vantagePoints.includes('vm/eth0'));
    expect(rewritten).toBeDefined();
    const detail = JSON.parse((await cli('mismatch', 'show', String(rewritten.id), '--format', 'json')).stdout);
    const file = join(temp.dir, `mismatch-${rewritten.id}.pcap`);
    const r = await cli('evidence', String(rewritten.id), '-o', file);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${detail.evidence.length} frames from 2 vantage points`);
    expect(statSync(file).size).toBeGreaterThan(24);
    const text = execFileSync('tcpdump', ['-nn', '-e', '-tttt', '-r', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(detail.evidence.length);
    expect(lines.some((l) => l.includes(`${VM.mac} > 33:33:ff:78:ad:40`))).toBe(true);
    expect(lines.some((l) => l.includes(`${HOST.mac} > 33:33:ff:78:ad:40`))).toBe(true);
    expect(lines.every((l) => l.includes(`${VM.ll} > ff02::1:ff78:ad40`) && l.includes(`who has ${ROUTER.ll}`))).toBe(true);
  });
});

describe('report', () => {
  // Whole hours: the collector counts a bucket only when the range holds its start.
  const since = () => new Date(Math.floor(Date.now() / 3_600_000 - 2) * 3_600_000).toISOString();
  it('gives totals, timeline and lists in JSON, CSV and a table that agree', async () => {
    const r = await cli('report', '--since', since(), '--format', 'json');
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.bucket).toBe('hour');
    const byKindTotal = report.byKind.reduce((a: number, k: { occurrences: number }) => a + k.occurrences, 0);
    expect(byKindTotal).toBe(report.occurrences);
    const timelineTotal = report.timeline.reduce((a: number, p: { occurrences: number }) => a + p.occurrences, 0);
    expect(timelineTotal).toBe(report.occurrences);
    expect(report.byKind.map((k: { kind: string }) => k.kind)).toEqual(expect.arrayContaining(['LLADDR_MISMATCH', 'REWRITTEN_IN_TRANSIT']));
    expect(report.opened.length).toBeGreaterThan(0);

    const csv = (await cli('report', '--since', since(), '--format', 'csv')).stdout.trimEnd().split('\r\n');
    expect(csv.filter((l) => l.startsWith('by_kind,'))).toHaveLength(report.byKind.length);
    const table = (await cli('report', '--since', since())).stdout;
    expect(table).toContain(`${report.occurrences} occurrences`);
    expect(table).toContain('Timeline (per hour)');

    const past = JSON.parse((await cli('report', '--since', '2000-01-01', '--until', '2000-02-01', '--format', 'json')).stdout);
    expect(past.occurrences).toBe(0);
  });

  describe('html in headless Chromium', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await chromium.launch({
        executablePath: '/usr/bin/chromium',
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('renders a non-blank stacked-bar chart and tables matching the JSON report, with no request made', async () => {
      const file = join(temp.dir, 'report.html');
      const r = await cli('report', '--since', since(), '--format', 'html', '-o', file);
      expect(r.code, r.stderr).toBe(0);
      const report = JSON.parse((await cli('report', '--since', since(), '--format', 'json')).stdout);
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const requests: string[] = [];
      page.on('request', (req) => requests.push(req.url()));
      await page.goto(`file://${file}`);
      expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);

      const bars = await page.$$eval('#timeline rect.bar', (rects) =>
        rects.map((rect) => {
          const box = rect.getBoundingClientRect();
          return { w: box.width, h: box.height, kind: rect.getAttribute('data-kind'), n: Number(rect.getAttribute('data-count')) };
        }),
      );
      expect(bars.length).toBeGreaterThan(0);
      for (const b of bars) {
        expect(b.w).toBeGreaterThan(0);
        expect(b.h).toBeGreaterThan(0);
      }
      const perKind = new Map<string, number>();
      for (const b of bars) perKind.set(b.kind!, (perKind.get(b.kind!) ?? 0) + b.n);
      for (const k of report.byKind) expect(perKind.get(k.kind)).toBe(k.occurrences);

      const byKindRows = await page.$$eval('#by-kind tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent!.replace(/,/g, ''))));
      expect(byKindRows).toEqual(report.byKind.map((k: { kind: string; mismatches: number; occurrences: number }) => [k.kind, String(k.mismatches), String(k.occurrences)]));
      const openIds = await page.$$eval('#still-open tbody tr td:first-child', (tds) => tds.map((td) => Number(td.textContent)));
      expect(openIds).toEqual(report.stillOpen.map((m: { id: number }) => m.id));
      expect((await page.textContent('#total-occurrences .v'))!.replace(/,/g, '')).toBe(String(report.occurrences));

      // Pixel check on a screenshot of the chart: each bar's centre has the bar's colour,
      // and the chart is not blank.
      const chart = await page.$('#timeline svg');
      const origin = (await chart!.boundingBox())!;
      const png = await chart!.screenshot();
      const centres = await page.$$eval('#timeline rect.bar', (rects) =>
        rects.map((rect) => {
          const b = rect.getBoundingClientRect();
          return { x: b.x + b.width / 2, y: b.y + b.height / 2, fill: rect.getAttribute('fill')! };
        }),
      );
      // Runs in the page (DOM types are not part of this project's compiler settings).
      const points = centres.map((c) => ({ x: c.x - origin.x, y: c.y - origin.y }));
      const sampled = (await page.evaluate(`(async () => {
        const img = new Image();
        img.src = 'data:image/png;base64,${png.toString('base64')}';
        await img.decode();
        const canvas = document.createElement('canvas');
        canvas.width = img.width;
        canvas.height = img.height;
        const ctx = canvas.getContext('2d');
        ctx.drawImage(img, 0, 0);
        const all = ctx.getImageData(0, 0, img.width, img.height).data;
        let nonWhite = 0;
        for (let i = 0; i < all.length; i += 4) if (all[i] + all[i + 1] + all[i + 2] < 600) nonWhite++;
        const colours = ${JSON.stringify(points)}.map((p) => [...ctx.getImageData(Math.floor(p.x), Math.floor(p.y), 1, 1).data.slice(0, 3)]);
        return { nonWhite, total: all.length / 4, colours };
      })()`)) as { nonWhite: number; total: number; colours: number[][] };
      expect(sampled.nonWhite).toBeGreaterThan(sampled.total * 0.01);
      centres.forEach((c, i) => {
        const want = [1, 3, 5].map((k) => parseInt(c.fill.slice(k, k + 2), 16));
        sampled.colours[i].forEach((v, k) => expect(Math.abs(v - want[k]), `bar ${i} ${c.fill}`).toBeLessThan(24));
      });

      const shot = join(temp.dir, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
      await page.emulateMedia({ media: 'print' });
      const pdf = await page.pdf({ format: 'A4', landscape: true });
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      await page.close();
    });
  });
});

describe('large output through a slow pipe', () => {
  it('writes every byte before exiting', async () => {
    // 500 more bindings at the router (distinct documentation addresses and MACs, so no
    // mismatch): a JSON listing well past one 64 KiB pipe buffer.
    const router = new Agent(collector.address, 'router');
    await router.hello();
    const now = Date.now() * 1000;
    await router.observe(
      Array.from({ length: 500 }, (_, i) => {
        const mac = `02:00:00:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
        const ip = i < 250 ? `198.51.100.${i + 1}` : `203.0.113.${i - 249}`;
        return { frame: arpAnnouncement({ ethSrc: mac, senderMac: mac, ip }), timeUs: now + i, iface: 'br0', direction: 'received' as const };
      }),
    );
    router.close();
    // The reader starts only after 2 s: the CLI must wait for it rather than exit with
    // the pipe's buffer full and the rest of its output lost.
    const out = join(temp.dir, 'bindings.json');
    const command = [process.execPath, join(ROOT, 'bin/neighwatch.cjs'), 'bindings', '--node', 'router', '--limit', '0', '--format', 'json', ...base].join(' ');
    execFileSync('bash', ['-c', `set -o pipefail; ${command} | (sleep 2; cat) > ${out}`]);
    const text = readFileSync(out, 'utf8');
    expect(text.length).toBeGreaterThan(100_000);
    const rows = JSON.parse(text) as { mac: string }[];
    expect(rows.filter((b) => b.mac.startsWith('02:00:00:00:')).length).toBe(500);
  });
});

describe('errors', () => {
  it('exit 3 with one clear line when the collector is not there', async () => {
    const r = await runCli(['nodes', '--collector', '127.0.0.1:1', '--token', TOKENS.read]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('neighwatch: collector at 127.0.0.1:1 refused the connection: is neighwatch-collector running?\n');
  });

  it('exit 5 for a bad or missing token', async () => {
    const bad = await runCli(['mismatches', '--collector', collector.address, '--token', 'not-a-token']);
    expect(bad.code).toBe(5);
    expect(bad.stderr).toMatch(/^neighwatch: collector at .* rejected the token.*--token or NEIGHWATCH_TOKEN\n$/);
    const none = await runCli(['nodes', '--collector', collector.address]);
    expect(none.code).toBe(5);
    // An agent token is not a read token.
    const agent = await runCli(['nodes', '--collector', collector.address, '--token', TOKENS.vm]);
    expect(agent.code).toBe(5);
  });

  it('takes the collector and token from the environment', async () => {
    const r = await runCli(['nodes', '--format', 'json'], { NEIGHWATCH_COLLECTOR: collector.address, NEIGHWATCH_TOKEN: TOKENS.read });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveLength(3);
  });

  it('exit 4 for an unknown mismatch id', async () => {
    for (const args of [['mismatch', 'show', '999999'], ['mismatch', 'ack', '999999'], ['evidence', '999999', '-o', join(temp.dir, 'x.pcap')]]) {
      const r = await cli(...args);
      expect(r.code, r.stderr).toBe(4);
      expect(r.stderr).toMatch(/^neighwatch: no mismatch 999999 at collector at /);
    }
  });

  it('exit 2 for a bad filter value, before anything is sent', async () => {
    for (const args of [
      ['mismatches', '--kind', 'NOT_A_KIND'],
      ['mismatches', '--state', 'closed'],
      ['mismatches', '--since', 'last tuesday'],
      ['bindings', '--ip', '192.0.2.256'],
      ['mismatches', '--mac', 'xx'],
      ['report', '--format', 'pdf'],
      ['mismatches', '--no-such-flag'],
    ]) {
      // A collector address nobody listens on: a usage error must come first.
      const r = await runCli([...args, '--collector', '127.0.0.1:1']);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('help and completion', () => {
  it('has help with examples for every command', async () => {
    for (const args of [[], ['nodes'], ['bindings'], ['mismatches'], ['mismatch', 'show'], ['mismatch', 'ack'], ['watch'], ['report'], ['evidence'], ['completion']]) {
      const r = await runCli([...args, '--help']);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toContain('Examples:');
    }
  });

  it('completes commands, kinds and states in bash', async () => {
    const script = (await runCli(['completion', 'bash'])).stdout;
    const file = join(temp.dir, 'neighwatch.bash');
    writeFileSync(file, script);
    execFileSync('bash', ['-n', file]);
    const complete = (line: string) =>
      execFileSync('bash', ['-c', `source ${file}; COMP_WORDS=(${line}); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); _neighwatch; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8' })
        .trim()
        .split('\n');
    expect(complete('neighwatch mis')).toEqual(['mismatches', 'mismatch']);
    expect(complete('neighwatch mismatches --kind LL')).toEqual(['LLADDR_MISMATCH']);
    expect(complete('neighwatch mismatches --state a')).toEqual(['acknowledged', 'all']);
    expect(complete('neighwatch mismatch s')).toEqual(['show']);
    expect(complete('neighwatch report --format h')).toEqual(['html']);
  });

  it.skipIf(!existsSync('/usr/bin/zsh'))('gives zsh a completion function it loads', async () => {
    const file = join(temp.dir, '_neighwatch');
    writeFileSync(file, (await runCli(['completion', 'zsh'])).stdout);
    execFileSync('zsh', ['-n', file]);
    const registered = execFileSync('zsh', ['-f', '-c', `autoload -U compinit; compinit -u -D; source ${file}; print -r -- $_comps[neighwatch]; whence -w _neighwatch_mismatch_show`], { encoding: 'utf8' });
    expect(registered.trim().split('\n')).toEqual(['_neighwatch', '_neighwatch_mismatch_show: function']);
  });
});
