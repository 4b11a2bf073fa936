import { describe, expect, it } from 'vitest';

import { LAB_ADDRESSES, LAB_MACS, labTopology, validatePrefix } from './topology';

/** Modified EUI-64 (RFC 4291 §2.5.1), written out independently of the lab's constants. */
function eui64(mac: string): string {
  const b = mac.split(':').map((h) => parseInt(h, 16));
  b[0] ^= 0x02;
  const words = [(b[0] << 8) | b[1], (b[2] << 8) | 0xff, (0xfe << 8) | b[3], (b[4] << 8) | b[5]];
  return words.map((w) => w.toString(16)).join(':');
}

describe('labTopology', () => {
  it('derives every namespace name from the prefix', () => {
    const t = labTopology('nwt42-');
    expect(t.namespaces).toEqual({ router: 'nwt42-router', host: 'nwt42-host', vm: 'nwt42-vm' });
  });

  it("uses the field case's MACs, the host's on both its bridge and its uplink", () => {
    const t = labTopology();
    expect(t.interfaces.routerLan.mac).toBe('58:6d:8f:78:ad:40');
    expect(t.interfaces.vmEth.mac).toBe('00:03:ff:13:7d:75');
    expect(t.interfaces.hostBridge.mac).toBe('c4:17:fe:12:7d:75');
    expect(t.interfaces.hostUplink.mac).toBe(t.interfaces.hostBridge.mac);
  });

  it('keeps interface names within the kernel limit of 15 characters', () => {
    for (const i of Object.values(labTopology('a-').interfaces)) expect(i.name.length).toBeLessThanOrEqual(15);
  });

  it('documents the SLAAC addresses the kernel derives from the MACs', () => {
    expect(LAB_ADDRESSES.vmIPv6).toBe(`2001:db8::${eui64(LAB_MACS.vm)}`);
    expect(LAB_ADDRESSES.hostIPv6).toBe(`2001:db8::${eui64(LAB_MACS.host)}`);
    expect(LAB_ADDRESSES.routerLinkLocal).toBe(`fe80::${eui64(LAB_MACS.router)}`);
    expect(LAB_ADDRESSES.vmLinkLocal).toBe(`fe80::${eui64(LAB_MACS.vm)}`);
  });

  it('uses documentation ranges only', () => {
    for (const v4 of [LAB_ADDRESSES.routerIPv4, LAB_ADDRESSES.hostIPv4, LAB_ADDRESSES.vmIPv4]) expect(v4).toMatch(/^192\.0\.2\./);
    for (const v6 of [LAB_ADDRESSES.routerIPv6, LAB_ADDRESSES.hostIPv6, LAB_ADDRESSES.vmIPv6]) expect(v6).toMatch(/^2001:db8::/);
  });
});

describe('validatePrefix', () => {
  it.each(['nwlab-', 'nwt1234-', 'a.b_c-'])('accepts %s', (p) => expect(validatePrefix(p)).toBe(p));
  it.each(['', 'nwlab', '-x-', 'a b-', 'x/y-', '../-', 'a'.repeat(40) + '-'])('rejects %j', (p) => {
    expect(() => validatePrefix(p)).toThrow(/invalid lab prefix/);
  });
});
