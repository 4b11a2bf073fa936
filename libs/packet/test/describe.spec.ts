import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LINKTYPE_LINUX_SLL2, describeFrame, encodeNdp, encodePcap, hexDump } from '../src/index';
import { ndpMessages } from './ndp-messages';
import { fixturePath, tcpdumpBlocks } from './seed';

describe('describeFrame and hexDump against tcpdump (fixtures/ndp-messages.*)', () => {
  const frames = ndpMessages();
  const blocks = tcpdumpBlocks('ndp-messages.tcpdump.txt');

  it('rebuilds the fixture capture byte for byte', () => {
    const pcap = encodePcap(frames.map((data, i) => ({ data, timestampUs: 1700000000_000000 + i })));
    expect(Buffer.from(pcap).equals(readFileSync(fixturePath('ndp-messages.pcap')))).toBe(true);
    expect(blocks).toHaveLength(frames.length);
  });

  it('prints every ND option line and RA parameter line exactly as tcpdump -v does', () => {
    let compared = 0;
    frames.forEach((bytes, i) => {
      const mine = describeFrame(bytes)
        .split('\n')
        .map((l) => l.trim());
      const theirs = blocks[i].slice(1).filter((l) => !/^\t0x[0-9a-f]{4}:/.test(l));
      for (const line of theirs) {
        expect(mine, `frame ${i + 1}`).toContain(line.trim());
        compared++;
      }
    });
    expect(compared).toBe(8);
  });

  it('prints the same ICMPv6 summary and ARP text as tcpdump', () => {
    frames.forEach((bytes, i) => {
      const first = blocks[i][0];
      const mine = describeFrame(bytes);
      const icmp = first.match(/\[icmp6 sum ok\] .*$/);
      if (icmp) expect(mine).toContain(icmp[0]);
      const arp = first.match(/(Request who-has [\d.]+ tell [\d.]+|Reply [\d.]+ is-at [0-9a-f:]+)/);
      if (arp) expect(mine).toContain(arp[0]);
      expect(icmp ?? arp).not.toBeNull();
      expect(mine.split('\n')[0]).toContain(first.split(' ').slice(1, 4).join(' ')); // "src > dst,"
    });
  });

  it('hex-dumps every frame exactly as tcpdump -XX', () => {
    frames.forEach((bytes, i) => {
      expect(hexDump(bytes).split('\n')).toEqual(blocks[i].filter((l) => /^\t0x[0-9a-f]{4}:/.test(l)));
    });
  });

  it('describes Linux cooked frames and names the decode problem', () => {
    const rs = encodeNdp({ ethSrc: '00:03:ff:13:7d:75', src: 'fe80::203:ffff:fe13:7d75', dst: 'ff02::2', message: { type: 'RS' }, link: 'sll2', ifIndex: 4, sllPacketType: 4 });
    const text = describeFrame(rs, LINKTYPE_LINUX_SLL2);
    expect(text.split('\n')[0]).toBe('Linux cooked v2 ifindex 4 Out 00:03:ff:13:7d:75 ethertype IPv6 (0x86dd), length 68');
    expect(text).toContain('router solicitation');
    expect(describeFrame(rs.subarray(0, 50), LINKTYPE_LINUX_SLL2)).toMatch(/\[truncated ipv6 at byte 20: IPv6 header needs 40 bytes, 30 captured\]$/);
    expect(describeFrame(new Uint8Array(3))).toBe('  [truncated ethernet at byte 0: Ethernet header needs 14 bytes, 3 captured]');
  });
});
