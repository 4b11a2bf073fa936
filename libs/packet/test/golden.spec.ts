import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  classifyFrame,
  decodeFrame,
  describeFrame,
  encodePcap,
  eui64MacFromIPv6,
  formatIPv6,
  formatMac,
  hexDump,
} from '../src/index';
import { SEED, fixturePath, seed, tcpdumpBlocks } from './seed';

describe('field case frames (fixtures/seed-capture.json)', () => {
  it('keeps the fixture with its provenance', () => {
    expect(seed.about).toMatch(/Windows Virtual PC/);
    expect(seed.frames).toHaveLength(4);
  });

  it('decodes the rewritten Neighbor Solicitation: host MAC outside, VM MAC in the SLLAO', () => {
    const f = decodeFrame(SEED.ns);
    expect(f.error).toBeNull();
    expect(f.layers.map((l) => l.name)).toEqual(['ethernet', 'ipv6', 'icmpv6', 'ndp', 'ndp-option']);
    expect(formatMac(f.bytes, f.ethernet!.srcOffset)).toBe('c4:17:fe:12:7d:75');
    expect(formatMac(f.bytes, f.ethernet!.dstOffset)).toBe('58:6d:8f:78:ad:40');
    expect(f.ipv6!.hopLimit).toBe(255);
    expect(formatIPv6(f.bytes, f.ipv6!.srcOffset)).toBe('fe80::203:ffff:fe13:7d75');
    expect(formatIPv6(f.bytes, f.ipv6!.dstOffset)).toBe('fe80::5a6d:8fff:fe78:ad40');
    expect(f.icmpv6!.type).toBe(135);
    expect(f.icmpv6!.checksum).toBe(0x55bb);
    expect(f.icmpv6!.computedChecksum).toBe(0x55bb);
    expect(f.icmpv6!.checksumOk).toBe(true);
    expect(formatIPv6(f.bytes, f.ndp!.targetOffset)).toBe('fe80::5a6d:8fff:fe78:ad40');
    expect(f.ndpOptions).toHaveLength(1);
    expect(f.ndpOptions[0].type).toBe(1);
    expect(formatMac(f.bytes, f.ndp!.sllaoOffset)).toBe('00:03:ff:13:7d:75');
  });

  it('classifies the NS as the product reports it', () => {
    const r = classifyFrame(decodeFrame(SEED.ns));
    expect(r).toMatchObject({
      type: 'NDP_NS',
      ethSrc: 'c4:17:fe:12:7d:75',
      ethDst: '58:6d:8f:78:ad:40',
      vlan: null,
      srcIp: 'fe80::203:ffff:fe13:7d75',
      targetIp: 'fe80::5a6d:8fff:fe78:ad40',
      lladdr: '00:03:ff:13:7d:75',
      naFlags: 0,
      checksumOk: true,
      sllPacketType: null,
      error: null,
    });
    expect(r!.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it("derives the VM's MAC from its EUI-64 link-local address, not the host's", () => {
    expect(eui64MacFromIPv6('fe80::203:ffff:fe13:7d75')).toBe('00:03:ff:13:7d:75');
    const f = decodeFrame(SEED.ns);
    expect(eui64MacFromIPv6(f.bytes, f.ipv6!.srcOffset)).toBe('00:03:ff:13:7d:75');
    expect(eui64MacFromIPv6(f.bytes, f.ipv6!.srcOffset)).not.toBe(formatMac(f.bytes, f.ethernet!.srcOffset));
  });

  it('reports the IPv6 echo request with its bad checksum and does not call it NDP', () => {
    const f = decodeFrame(SEED.echo6);
    expect(f.error).toBeNull();
    expect(f.icmpv6!.type).toBe(128);
    expect(f.icmpv6!.checksum).toBe(0x9157);
    expect(f.icmpv6!.computedChecksum).toBe(0xb998);
    expect(f.icmpv6!.checksumOk).toBe(false);
    expect(f.ndp).toBeNull();
    expect(classifyFrame(f)).toBeNull();
    expect(describeFrame(SEED.echo6)).toContain('[bad icmp6 cksum 0x9157 -> 0xb998!]');
  });

  it('decodes both IPv4 ICMP frames as IPv4, neither ARP nor NDP', () => {
    for (const bytes of [SEED.ipv4Request, SEED.ipv4Reply]) {
      const f = decodeFrame(bytes);
      expect(f.error).toBeNull();
      expect(f.layers.map((l) => l.name)).toEqual(['ethernet', 'ipv4', 'icmpv4']);
      expect(f.arp).toBeNull();
      expect(f.ndp).toBeNull();
      expect(classifyFrame(f)).toBeNull();
    }
    expect(decodeFrame(SEED.ipv4Request).icmpv4!.type).toBe(8);
    expect(decodeFrame(SEED.ipv4Reply).icmpv4!.type).toBe(0);
  });

  it('hex-dumps every frame exactly as tcpdump -XX does', () => {
    const blocks = tcpdumpBlocks();
    const frames = [SEED.ipv4Request, SEED.ipv4Reply, SEED.ns, SEED.echo6];
    expect(blocks).toHaveLength(frames.length);
    frames.forEach((bytes, i) => {
      const dumpLines = blocks[i].filter((l) => /^\t0x[0-9a-f]{4}:/.test(l));
      expect(hexDump(bytes).split('\n')).toEqual(dumpLines);
    });
  });

  it('describes each frame with the facts tcpdump -v -e prints', () => {
    const [, , nsBlock, echoBlock] = tcpdumpBlocks();
    const ns = describeFrame(SEED.ns);
    expect(ns).toContain('c4:17:fe:12:7d:75 > 58:6d:8f:78:ad:40, ethertype IPv6 (0x86dd), length 86');
    expect(nsBlock[0]).toContain('[icmp6 sum ok] ICMP6, neighbor solicitation, length 32, who has fe80::5a6d:8fff:fe78:ad40');
    expect(ns).toContain('[icmp6 sum ok] ICMP6, neighbor solicitation, length 32, who has fe80::5a6d:8fff:fe78:ad40');
    // tcpdump's option line, verbatim.
    const optionLine = nsBlock[1].trim();
    expect(optionLine).toBe('source link-address option (1), length 8 (1): 00:03:ff:13:7d:75');
    expect(ns.split('\n').map((l) => l.trim())).toContain(optionLine);
    expect(echoBlock[0]).toContain('[bad icmp6 cksum 0x9157 -> 0xb998!]');
    expect(describeFrame(SEED.ipv4Request)).toContain('192.168.10.104 > 74.125.228.80');
  });

  it('writes the fixture pcap byte for byte', () => {
    const frames = [SEED.ipv4Request, SEED.ipv4Reply, SEED.ns, SEED.echo6];
    const pcap = encodePcap(frames.map((data, i) => ({ data, timestampUs: 1334000000_000000 + i * 1000 })));
    expect(Buffer.from(pcap).equals(readFileSync(fixturePath('seed-capture.pcap')))).toBe(true);
  });
});
