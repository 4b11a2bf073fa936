import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NeighborObservation } from '@neighwatch/model';
import { arpAnnouncement, arpProbe, arpReply, arpRequest, encodeNdp, encodePcap, eui64Address, formatMac, type PcapFrame } from '@neighwatch/packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeFile, type ObservationSink } from './analyzer';
import { putDigits6, putFingerprint, putInt, putMac } from './ascii-const';
import { MemoryOutput } from './output';
import { JsonRenderer } from './render';

const T0 = Date.UTC(2026, 0, 1) * 1000;
const A = '02:00:00:00:00:0a';
const B = 'c4:17:fe:12:7d:75';
const ROUTER = '00:00:5e:00:53:01';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nw-render-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Every kind of ARP/NDP frame, tagged and untagged, rewritten and not, with odd addresses. */
function frames(): PcapFrame[] {
  const llA = eui64Address('fe80::', A);
  const out: Uint8Array[] = [
    arpRequest({ senderMac: ROUTER, senderIp: '192.0.2.1', targetIp: '192.0.2.10', vlans: [42] }),
    arpReply({ senderMac: A, senderIp: '192.0.2.10', targetMac: ROUTER, targetIp: '192.0.2.1' }),
    arpReply({ ethSrc: B, senderMac: A, senderIp: '198.51.100.255', targetMac: ROUTER, targetIp: '0.0.0.1', vlans: [4095, 7] }),
    arpProbe({ senderMac: B, targetIp: '192.0.2.99' }),
    arpAnnouncement({ senderMac: A, ip: '192.0.2.10' }),
    encodeNdp({ ethSrc: B, ethDst: ROUTER, src: llA, dst: 'ff02::2', message: { type: 'RS' }, options: [{ type: 'source-lladdr', mac: A }] }),
    encodeNdp({ ethSrc: ROUTER, ethDst: '33:33:00:00:00:01', src: 'fe80::1', dst: 'ff02::1', message: { type: 'RA' }, vlans: [100] }),
    encodeNdp({ ethSrc: A, ethDst: '33:33:ff:00:00:01', src: '::', dst: 'ff02::1:ff00:1', message: { type: 'NS', target: '2001:db8::1' } }),
    encodeNdp({
      ethSrc: A,
      ethDst: ROUTER,
      src: '2001:db8:0:0:1:0:0:1',
      dst: 'fe80::1',
      message: { type: 'NA', target: '::ffff:192.0.2.7', solicited: true, override: true },
      options: [{ type: 'target-lladdr', mac: A }],
    }),
    encodeNdp({ ethSrc: ROUTER, ethDst: A, src: 'fe80::1', dst: llA, message: { type: 'Redirect', target: 'fe80::abcd:0:0:0', destination: '2001:db8::99' } }),
    // A link-layer address option of 14 bytes: not a MAC, the text path.
    encodeNdp({
      ethSrc: A,
      ethDst: ROUTER,
      src: llA,
      dst: 'fe80::1',
      message: { type: 'NS', target: 'fe80::1' },
      options: [{ type: 'raw', optionType: 1, data: Uint8Array.from({ length: 14 }, (_, i) => i * 17) }],
    }),
    // A bad checksum.
    encodeNdp({ ethSrc: A, ethDst: ROUTER, src: llA, dst: 'fe80::1', message: { type: 'NS', target: 'fe80::1' }, checksum: 0x1234 }),
  ];
  return out.map((data, i) => ({ data, timestampUs: T0 + i * 999_999 + (i % 3) }));
}

/** The renderer seen only through `observation`: every line takes the text path. */
function textOnly(renderer: JsonRenderer): ObservationSink {
  return {
    observation: (file: string, obs: NeighborObservation) => renderer.observation(file, obs),
    get open() {
      return renderer.open;
    },
  };
}

describe('JSON observation lines', () => {
  for (const mode of ['json', 'jsonl'] as const) {
    for (const files of [1, 2]) {
      it(`are the same bytes from the frame as from the observation's text (${mode}, ${files} file${files === 1 ? '' : 's'})`, async () => {
        const paths = Array.from({ length: files }, (_, i) => join(dir, `mix-${i}.pcap`));
        for (const path of paths) writeFileSync(path, encodePcap(frames()));
        const cooked = join(dir, 'cooked.pcap');
        writeFileSync(cooked, encodePcap([{ data: arpRequest({ senderMac: A, senderIp: '192.0.2.10', targetIp: '192.0.2.1', link: 'sll', sllPacketType: 4 }), timestampUs: T0 }], { linkType: 113 }));
        paths.push(cooked);

        const fast = new MemoryOutput();
        const slow = new MemoryOutput();
        const fastRenderer = new JsonRenderer(fast, mode, paths);
        const slowRenderer = new JsonRenderer(slow, mode, paths);
        for (const path of paths) {
          const a = await analyzeFile(path, fastRenderer);
          const b = await analyzeFile(path, textOnly(slowRenderer));
          expect(a.error).toBeNull();
          expect(a.observations).toBe(b.observations);
        }
        expect(fast.text().length).toBeGreaterThan(1000);
        expect(fast.text()).toBe(slow.text());
        const lines = fast.text().split('\n').filter((l) => l.includes('"index"'));
        expect(lines.length).toBe(files * 12 + 1);
        const odd = lines.map((l) => JSON.parse(l.replace(/,$/, ''))).find((o) => o.lladdr !== null && o.lladdr.length > 17);
        expect(odd?.lladdr).toBe('00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd');
        expect(lines.some((l) => l.includes('"targetIp":"::ffff:192.0.2.7"'))).toBe(true);
      });
    }
  }
});

describe('ASCII writers of the JSON lines', () => {
  const write = (fn: (b: Uint8Array, v: DataView, at: number) => number): string => {
    const b = new Uint8Array(64);
    const v = new DataView(b.buffer);
    const end = fn(b, v, 5);
    return Buffer.from(b.subarray(5, end)).toString('latin1');
  };

  it('write integers as String() does', () => {
    for (const n of [0, 7, 9, 10, 42, 99, 100, 999, 1000, 1001, 9999, 10_000, 99_999, 100_000, 999_999, 1_000_000, 1_000_001, 12_345_678, 999_999_999, 1e9, 2 ** 53 - 1]) {
      expect(write((b, v, at) => putInt(b, v, at, n))).toBe(String(n));
    }
  });

  it('write microseconds as six digits, MACs and fingerprints as the formatters do', () => {
    for (const n of [0, 1, 9, 10, 999, 1000, 123_456, 999_999]) expect(write((_b, v, at) => putDigits6(v, at, n))).toBe(String(n).padStart(6, '0'));
    const mac = Uint8Array.of(9, 0x00, 0x0f, 0xf0, 0xff, 0x5e, 0xa1, 3);
    expect(write((_b, v, at) => putMac(v, at, mac, 1))).toBe(formatMac(mac, 1));
    expect(write((_b, v, at) => putFingerprint(v, at, 0x0123abcd, 0xff00000f))).toBe('0123abcdff00000f');
  });
});
