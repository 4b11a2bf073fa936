import { describe, expect, it } from 'vitest';
import {
  AddressParseError,
  eui64Address,
  eui64MacFromIPv6,
  formatIPv4,
  formatIPv6,
  formatMac,
  interfaceIdToMac,
  macToInterfaceId,
  normalizeIp,
  normalizeMac,
  parseIPv4,
  parseIPv6,
  parseMac,
} from '../src/index';

const v6 = (text: string) => formatIPv6(parseIPv6(text)!);

describe('MAC text', () => {
  it('formats lower-case with colons, at an offset', () => {
    const b = Uint8Array.of(0xff, 0xc4, 0x17, 0xfe, 0x12, 0x7d, 0x75);
    expect(formatMac(b, 1)).toBe('c4:17:fe:12:7d:75');
  });

  it('parses the usual spellings and rejects the rest', () => {
    for (const t of ['00:03:FF:13:7D:75', '00-03-ff-13-7d-75', '0003.ff13.7d75', '0003ff137d75', '0:3:ff:13:7d:75']) {
      expect(formatMac(parseMac(t)!)).toBe('00:03:ff:13:7d:75');
    }
    for (const t of ['', '00:03:ff:13:7d', '00:03:ff:13:7d:75:01', '00:03:ff:13:7d:7g', '000:3:ff:13:7d:75', '00:03-ff:13:7d:75']) {
      expect(parseMac(t)).toBeNull();
    }
    expect(normalizeMac('C4-17-FE-12-7D-75')).toBe('c4:17:fe:12:7d:75');
    expect(normalizeMac('nope')).toBeNull();
  });
});

describe('IPv4 text', () => {
  it('formats and parses dotted quads', () => {
    expect(formatIPv4(Uint8Array.of(192, 0, 2, 255))).toBe('192.0.2.255');
    expect(parseIPv4('198.51.100.7')).toEqual(Uint8Array.of(198, 51, 100, 7));
    for (const t of ['256.0.0.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', 'a.b.c.d', '']) expect(parseIPv4(t)).toBeNull();
  });
});

describe('IPv6 text (RFC 5952)', () => {
  it('compresses the longest zero run, the first on a tie, never a single group', () => {
    expect(v6('2001:0db8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
    expect(v6('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1'); // tie: first run
    expect(v6('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1'); // one zero group stays
    expect(v6('2001:db8:0:0:1:0:0:0')).toBe('2001:db8:0:0:1::'); // longer run wins
    expect(v6('0:0:0:0:0:0:0:0')).toBe('::');
    expect(v6('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(v6('1:0:0:0:0:0:0:0')).toBe('1::');
    expect(v6('FE80::0203:FFFF:FE13:7D75')).toBe('fe80::203:ffff:fe13:7d75');
    expect(v6('2607:f8b0:400c:0c03:0:0:0:68')).toBe('2607:f8b0:400c:c03::68');
  });

  it('shows IPv4-mapped addresses as ::ffff:a.b.c.d', () => {
    expect(v6('::ffff:192.0.2.1')).toBe('::ffff:192.0.2.1');
    expect(v6('0:0:0:0:0:ffff:c000:0201')).toBe('::ffff:192.0.2.1');
    expect(v6('::fffe:c000:201')).toBe('::fffe:c000:201');
  });

  it('parses and rejects', () => {
    expect(parseIPv6('fe80::1%eth0')).toEqual(parseIPv6('fe80::1'));
    for (const t of ['', ':', '1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', 'g::', '::1.2.3', '1:2:3:4:5:6:7::8']) {
      expect(parseIPv6(t), t).toBeNull();
    }
    expect(normalizeIp('2001:DB8::0:1')).toBe('2001:db8::1');
    expect(normalizeIp('192.0.2.1')).toBe('192.0.2.1');
    expect(normalizeIp('x')).toBeNull();
  });

  it('round-trips random addresses through text', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    for (let i = 0; i < 2000; i++) {
      const b = new Uint8Array(16);
      for (let j = 0; j < 16; j++) b[j] = rnd() % 3 === 0 ? 0 : rnd();
      expect(parseIPv6(formatIPv6(b))).toEqual(b);
    }
  });
});

describe('modified EUI-64 (RFC 4291 §2.5.1, Appendix A)', () => {
  it('turns a MAC into an interface ID by flipping the U/L bit and inserting ff:fe', () => {
    expect([...macToInterfaceId('00:03:ff:13:7d:75')]).toEqual([0x02, 0x03, 0xff, 0xff, 0xfe, 0x13, 0x7d, 0x75]);
    expect(eui64Address('fe80::', '00:03:ff:13:7d:75')).toBe('fe80::203:ffff:fe13:7d75');
    expect(eui64Address('2001:db8:192:168::', 'c4:17:fe:12:7d:75')).toBe('2001:db8:192:168:c617:feff:fe12:7d75');
  });

  it('recovers the MAC from an EUI-64 interface ID and refuses other IDs', () => {
    expect(formatMac(interfaceIdToMac(macToInterfaceId('58:6d:8f:78:ad:40'))!)).toBe('58:6d:8f:78:ad:40');
    expect(eui64MacFromIPv6('fe80::5a6d:8fff:fe78:ad40')).toBe('58:6d:8f:78:ad:40');
    expect(eui64MacFromIPv6('2001:db8::1')).toBeNull();
    expect(eui64MacFromIPv6('not an address')).toBeNull();
    expect(interfaceIdToMac(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8))).toBeNull();
  });

  it('throws a typed error for unparsable input to helpers that need an address', () => {
    expect(() => macToInterfaceId('zz')).toThrow(AddressParseError);
  });
});
