import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arpAnnouncement, arpReply, arpRequest, encodeIcmpv6Echo, encodeNdp, encodePcap, eui64Address, type PcapFrame } from '@neighwatch/packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fieldCaseCapture, FIELD_CASE_PATH } from '../../samples/make-field-case';
import { analyzeFile, FRAMES_PER_FINDING } from './analyzer';
import { runAnalyze } from './command';
import { MemoryOutput } from './output';

const T0 = Date.UTC(2026, 0, 1) * 1000;
const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';
const ROUTER = '02:00:00:00:00:01';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nw-analyze-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function pcap(name: string, frames: PcapFrame[] | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, frames instanceof Uint8Array ? frames : encodePcap(frames));
  return path;
}

async function run(files: string[], format: 'json' | 'jsonl' | 'summary') {
  const out = new MemoryOutput();
  const errors: string[] = [];
  const code = await runAnalyze(files, { format, progress: false }, out, (line) => errors.push(line));
  return { code, text: out.text(), errors };
}

describe('analyze: the field case', () => {
  it('finds exactly LLADDR_MISMATCH and EUI64_MISMATCH in frame 3 of the four seed frames', async () => {
    const result = await analyzeFile(pcap('field.pcap', fieldCaseCapture()), null);
    expect(result.frames).toBe(4);
    expect(result.observations).toBe(1);
    expect(result.messages.NDP_NS).toBe(1);
    // The IPv6 echo's checksum is bad, but it is not NDP: not an observation, not counted.
    expect(result.badChecksums).toBe(0);
    expect(result.error).toBeNull();
    expect(result.findings.map((f) => f.kind).sort()).toEqual(['EUI64_MISMATCH', 'LLADDR_MISMATCH']);
    for (const f of result.findings) {
      expect(f.ip).toBe('fe80::203:ffff:fe13:7d75');
      expect(f.evidence.map((e) => e.ref)).toEqual([3]);
      expect(f.macs).toEqual(['c4:17:fe:12:7d:75', '00:03:ff:13:7d:75']);
      expect(f.count).toBe(1);
    }
    expect(result.bindings).toEqual([
      expect.objectContaining({ ip: 'fe80::203:ffff:fe13:7d75', mac: '00:03:ff:13:7d:75', count: 1 }),
    ]);
  });

  it('writes one JSON document with the observation and the findings', async () => {
    const { code, text, errors } = await run([pcap('field.pcap', fieldCaseCapture())], 'json');
    expect(code).toBe(0);
    expect(errors).toEqual([]);
    const doc = JSON.parse(text);
    expect(doc.frames).toBe(4);
    expect(doc.observations).toEqual([
      {
        index: 3,
        time: '2012-03-14T20:15:02.480112Z',
        type: 'NDP_NS',
        ethSrc: 'c4:17:fe:12:7d:75',
        ethDst: '58:6d:8f:78:ad:40',
        vlan: null,
        srcIp: 'fe80::203:ffff:fe13:7d75',
        targetIp: 'fe80::5a6d:8fff:fe78:ad40',
        lladdr: '00:03:ff:13:7d:75',
        naFlags: 0,
        checksumOk: true,
        fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
      },
    ]);
    expect(doc.findings.map((f: { kind: string }) => f.kind).sort()).toEqual(['EUI64_MISMATCH', 'LLADDR_MISMATCH']);
    const lladdr = doc.findings.find((f: { kind: string }) => f.kind === 'LLADDR_MISMATCH');
    expect(lladdr).toMatchObject({
      ip: 'fe80::203:ffff:fe13:7d75',
      macs: ['c4:17:fe:12:7d:75', '00:03:ff:13:7d:75'],
      frames: [3],
      firstSeen: '2012-03-14T20:15:02.480112Z',
      lastSeen: '2012-03-14T20:15:02.480112Z',
      count: 1,
    });
    expect(lladdr.explanation).toContain('00:03:ff:13:7d:75');
  });

  it('streams JSONL: observation lines, then finding lines, then one summary line', async () => {
    const { text } = await run([pcap('field.pcap', fieldCaseCapture())], 'jsonl');
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.record)).toEqual(['observation', 'finding', 'finding', 'summary']);
    expect(lines[0].index).toBe(3);
    expect(lines[3]).toMatchObject({ frames: 4, observationCount: 1 });
  });

  it('prints a readable summary with the frame numbers and the meaning', async () => {
    const { text } = await run([pcap('field.pcap', fieldCaseCapture())], 'summary');
    expect(text).toContain('4 frames');
    expect(text).toContain('Neighbor Solicitation    1');
    expect(text).toMatch(/LLADDR_MISMATCH {2}fe80::203:ffff:fe13:7d75 .*frame 3\)/);
    expect(text).toMatch(/EUI64_MISMATCH {2}fe80::203:ffff:fe13:7d75 .*frame 3\)/);
    expect(text).toContain('Meaning: ');
  });

  it('ships apps/cli/samples/field-case.pcap exactly as make-field-case.ts writes it', () => {
    expect(new Uint8Array(readFileSync(FIELD_CASE_PATH))).toEqual(fieldCaseCapture());
  });
});

describe('analyze: mixed captures', () => {
  const llA = eui64Address('fe80::', A);
  const llRouter = eui64Address('fe80::', ROUTER);

  it('numbers frames counting every frame, reads VLAN tags and tells apart duplicates and changes', async () => {
    const echo = encodeIcmpv6Echo({ ethSrc: A, ethDst: ROUTER, src: llA, dst: llRouter });
    const frames: PcapFrame[] = [
      { data: echo, timestampUs: T0 },
      { data: arpRequest({ senderMac: ROUTER, senderIp: '192.0.2.1', targetIp: '192.0.2.10', vlans: [42] }), timestampUs: T0 + 1000 },
      { data: arpReply({ senderMac: A, senderIp: '192.0.2.10', targetMac: ROUTER, targetIp: '192.0.2.1', vlans: [42] }), timestampUs: T0 + 2000 },
      { data: echo, timestampUs: T0 + 3000 },
      { data: arpReply({ senderMac: B, senderIp: '192.0.2.10', targetMac: ROUTER, targetIp: '192.0.2.1', vlans: [42] }), timestampUs: T0 + 4000 },
      { data: arpAnnouncement({ senderMac: B, ip: '192.0.2.20' }), timestampUs: T0 + 60_000_000 },
      { data: arpAnnouncement({ senderMac: A, ip: '192.0.2.20' }), timestampUs: T0 + 120_000_000 },
    ];
    const { text } = await run([pcap('mixed.pcap', frames)], 'json');
    const doc = JSON.parse(text);
    expect(doc.frames).toBe(7);
    expect(doc.observations.map((o: { index: number }) => o.index)).toEqual([2, 3, 5, 6, 7]);
    expect(doc.observations[0]).toMatchObject({ type: 'ARP_REQUEST', vlan: 42, checksumOk: null, lladdr: ROUTER, targetIp: '192.0.2.10' });
    expect(doc.observations[3]).toMatchObject({ type: 'ARP_ANNOUNCEMENT', vlan: null });
    const byKind = Object.fromEntries(doc.findings.map((f: { kind: string }) => [f.kind, f]));
    expect(Object.keys(byKind).sort()).toEqual(['DUPLICATE_ADDRESS', 'MAC_CHANGED']);
    expect(byKind.DUPLICATE_ADDRESS).toMatchObject({ ip: '192.0.2.10', macs: [A, B], frames: [3, 5] });
    expect(byKind.MAC_CHANGED).toMatchObject({ ip: '192.0.2.20', macs: [B, A], frames: [6, 7] });
    expect(doc.messages).toMatchObject({ ARP_REQUEST: 1, ARP_REPLY: 2, ARP_ANNOUNCEMENT: 2 });
  });

  it('counts every occurrence but lists only the first frames of a finding', async () => {
    const frames: PcapFrame[] = [];
    for (let i = 0; i < 250; i++) {
      frames.push({ data: arpRequest({ ethSrc: A, senderMac: B, senderIp: '192.0.2.11', targetIp: '192.0.2.1' }), timestampUs: T0 + i * 1000 });
    }
    const result = await analyzeFile(pcap('many.pcap', frames), null);
    const finding = result.findings.find((f) => f.kind === 'LLADDR_MISMATCH')!;
    expect(finding.count).toBe(250);
    expect(finding.evidence).toHaveLength(FRAMES_PER_FINDING);
    expect(finding.evidence[0].ref).toBe(1);
  });

  it('takes a frame of any protocol from a claimed MAC as proof that it is not a phantom', async () => {
    const claim = (t: number) => ({
      data: encodeNdp({
        ethSrc: A,
        ethDst: ROUTER,
        src: llA,
        dst: llRouter,
        message: { type: 'NS', target: llRouter },
        options: [{ type: 'source-lladdr', mac: B }],
      }),
      timestampUs: T0 + t * 1_000_000,
    });
    const fromB = { data: encodeIcmpv6Echo({ ethSrc: B, ethDst: ROUTER, src: eui64Address('fe80::', B), dst: llRouter }), timestampUs: T0 + 40_000_000 };
    const withProof = await analyzeFile(pcap('proof.pcap', [claim(0), fromB, claim(90)]), null);
    expect(withProof.findings.map((f) => f.kind)).not.toContain('PHANTOM_LLADDR');
    const without = await analyzeFile(pcap('noproof.pcap', [claim(0), claim(90)]), null);
    expect(without.findings.map((f) => f.kind)).toContain('PHANTOM_LLADDR');
  });
});

/** A little-endian pcapng file with Ethernet interfaces and Enhanced Packet Blocks (µs). */
function pcapng(interfaces: number, frames: { iface: number; data: Uint8Array; timestampUs: number }[]): Uint8Array {
  const blocks: Buffer[] = [];
  const block = (type: number, body: Buffer) => {
    const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
    const out = Buffer.alloc(12 + padded.length);
    out.writeUInt32LE(type, 0);
    out.writeUInt32LE(out.length, 4);
    padded.copy(out, 8);
    out.writeUInt32LE(out.length, out.length - 4);
    blocks.push(out);
  };
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(0x1a2b3c4d, 0);
  shb.writeUInt16LE(1, 4);
  shb.writeBigInt64LE(-1n, 8);
  block(0x0a0d0d0a, shb);
  for (let i = 0; i < interfaces; i++) {
    const idb = Buffer.alloc(8);
    idb.writeUInt16LE(1, 0);
    idb.writeUInt32LE(262144, 4);
    block(1, idb);
  }
  for (const f of frames) {
    const head = Buffer.alloc(20);
    head.writeUInt32LE(f.iface, 0);
    head.writeUInt32LE(Math.floor(f.timestampUs / 2 ** 32), 4);
    head.writeUInt32LE(f.timestampUs % 2 ** 32, 8);
    head.writeUInt32LE(f.data.length, 12);
    head.writeUInt32LE(f.data.length, 16);
    block(6, Buffer.concat([head, Buffer.from(f.data)]));
  }
  return new Uint8Array(Buffer.concat(blocks));
}

describe('analyze: Linux cooked captures (tcpdump -i any)', () => {
  it('reads SLL frames: no link-layer destination, the source from the cooked header', async () => {
    const frame = arpRequest({ senderMac: A, senderIp: '192.0.2.10', targetIp: '192.0.2.1', link: 'sll', sllPacketType: 4 });
    const path = join(dir, 'any.pcap');
    writeFileSync(path, encodePcap([{ data: frame, timestampUs: T0 }], { linkType: 113 }));
    const { code, text } = await run([path], 'json');
    expect(code).toBe(0);
    const doc = JSON.parse(text);
    expect(doc.observations).toEqual([
      expect.objectContaining({ index: 1, type: 'ARP_REQUEST', ethSrc: A, ethDst: null, lladdr: A, srcIp: '192.0.2.10', checksumOk: null }),
    ]);
    expect(doc.findings).toEqual([]);
  });
});

describe('analyze: pcapng with several interfaces', () => {
  it('treats each capture interface as its own vantage point', async () => {
    const file = pcap(
      'two-links.pcapng',
      pcapng(2, [
        { iface: 0, data: arpAnnouncement({ senderMac: A, ip: '192.0.2.30' }), timestampUs: T0 },
        { iface: 1, data: arpAnnouncement({ senderMac: B, ip: '192.0.2.30' }), timestampUs: T0 + 1000 },
        { iface: 1, data: arpRequest({ ethSrc: A, senderMac: B, senderIp: '192.0.2.31', targetIp: '192.0.2.1' }), timestampUs: T0 + 2000 },
      ]),
    );
    const result = await analyzeFile(file, null);
    expect(result.error).toBeNull();
    expect(result.format).toBe('pcapng');
    expect(result.findings.map((f) => f.kind)).toEqual(['LLADDR_MISMATCH']);
    expect(result.findings[0].vantagePoints).toEqual([{ node: 'capture', iface: 'two-links.pcapng#1' }]);
    expect(result.findings[0].evidence.map((e) => e.ref)).toEqual([3]);
    expect(result.bindings.filter((b) => b.ip === '192.0.2.30').map((b) => b.mac).sort()).toEqual([A, B]);
  });
});

describe('analyze: bad input', () => {
  it('counts malformed and truncated frames without failing, and still analyzes the good ones', async () => {
    const ns = encodeNdp({
      ethSrc: A,
      ethDst: ROUTER,
      src: eui64Address('fe80::', A),
      dst: eui64Address('fe80::', ROUTER),
      message: { type: 'NS', target: eui64Address('fe80::', ROUTER) },
      options: [{ type: 'source-lladdr', mac: A }],
    });
    const garbage = Uint8Array.from({ length: 60 }, (_, i) => (i * 151) & 0xff);
    const frames: PcapFrame[] = [
      { data: ns.subarray(0, 40), timestampUs: T0 }, // cut inside the IPv6 header
      { data: garbage, timestampUs: T0 + 1 },
      { data: new Uint8Array(0), timestampUs: T0 + 2 },
      { data: ns.subarray(0, ns.length - 5), timestampUs: T0 + 3 }, // cut inside the option
      { data: ns, timestampUs: T0 + 4 },
    ];
    const result = await analyzeFile(pcap('malformed.pcap', frames), null);
    expect(result.error).toBeNull();
    expect(result.frames).toBe(5);
    expect(result.observations).toBeGreaterThanOrEqual(1);
    expect(result.findings).toEqual([]);
  });

  it('reports what was decodable before a truncation, names the file and exits 1', async () => {
    const whole = fieldCaseCapture();
    const path = pcap('cut.pcap', whole.subarray(0, whole.length - 20));
    const { code, text, errors } = await run([path], 'json');
    expect(code).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(path);
    expect(errors[0]).toContain('truncated');
    const doc = JSON.parse(text);
    expect(doc.frames).toBe(3);
    expect(doc.observations.map((o: { index: number }) => o.index)).toEqual([3]);
    expect(doc.findings).toHaveLength(2);
    expect(doc.files[0].error).toContain('truncated');
  });

  it('keeps going after a missing file and names every file in several-file JSON', async () => {
    const good = pcap('good.pcap', fieldCaseCapture());
    const missing = join(dir, 'missing.pcap');
    const { code, text, errors } = await run([missing, good], 'json');
    expect(code).toBe(1);
    expect(errors).toEqual([`${missing}: no such file`]);
    const doc = JSON.parse(text);
    expect(doc.files.map((f: { file: string }) => f.file)).toEqual([missing, good]);
    expect(doc.observations[0].file).toBe(good);
    expect(doc.findings.every((f: { file: string }) => f.file === good)).toBe(true);
  });
});
