import { describe, expect, it } from 'vitest';
import { arpRequest, classifyFrame, decodeFrame, encodeNdp, fingerprintFrame } from '../src/index';
import { fnv1a64Hex } from '../src/fingerprint';
import { SEED } from './seed';

const HOST = 'c4:17:fe:12:7d:75';
const VM = '00:03:ff:13:7d:75';
const VM_LL = 'fe80::203:ffff:fe13:7d75';
const ROUTER_LL = 'fe80::5a6d:8fff:fe78:ad40';

const fp = (bytes: Uint8Array) => fingerprintFrame(decodeFrame(bytes));

describe('fingerprint: the same packet on both sides of a MAC-NAT bridge', () => {
  it('is FNV-1a 64 (reference vectors)', () => {
    expect(fnv1a64Hex(new Uint8Array(0))).toBe('cbf29ce484222325');
    expect(fnv1a64Hex(new TextEncoder().encode('a'))).toBe('af63dc4c8601ec8c');
    expect(fnv1a64Hex(new TextEncoder().encode('foobar'))).toBe('85944171f73967e8');
  });

  it('hashes exactly the bytes the documented rule names (values are a stable contract)', () => {
    // Independent BigInt FNV-1a over the rule's bytes, spelled out.
    const fnv = (bytes: number[]) => {
      let h = 0xcbf29ce484222325n;
      for (const x of bytes) h = ((h ^ BigInt(x)) * 0x100000001b3n) & 0xffffffffffffffffn;
      return h.toString(16).padStart(16, '0');
    };
    const ns = SEED.ns;
    // 86 dd, IPv6 src+dst, ICMPv6 type+code, NS body after the checksum without the SLLAO.
    const nsRule = [0x86, 0xdd, ...ns.subarray(22, 54), ns[54], ns[55], ...ns.subarray(58, 78)];
    expect(fp(ns)).toBe(fnv(nsRule));
    expect(fp(ns)).toBe('580b75237deec5e5');
    const arp = arpRequest({ senderMac: VM, senderIp: '192.0.2.104', targetIp: '192.0.2.1' });
    expect(fp(arp)).toBe(fnv([0x08, 0x06, 0, 1, 192, 0, 2, 104, 192, 0, 2, 1]));
    expect(fp(arp)).toBe('f58c2d327252abe3');
  });

  it('matches for the seed NS with its Ethernet source rewritten back to the VM, or re-tagged', () => {
    const vmSide = SEED.ns.slice();
    vmSide.set([0x00, 0x03, 0xff, 0x13, 0x7d, 0x75], 6); // what the VM sent before the bridge
    expect(fp(vmSide)).toBe(fp(SEED.ns));
    const tagged = encodeNdp({
      ethSrc: VM,
      ethDst: '58:6d:8f:78:ad:40',
      vlans: [30],
      src: VM_LL,
      dst: ROUTER_LL,
      message: { type: 'NS', target: ROUTER_LL },
      options: [{ type: 'source-lladdr', mac: VM }],
    });
    expect(fp(tagged)).toBe(fp(SEED.ns));
    expect(classifyFrame(decodeFrame(SEED.ns))!.fingerprint).toBe(fp(SEED.ns));
  });

  it('matches when a bridge fixes up the NDP link-layer option too', () => {
    const fixed = SEED.ns.slice();
    fixed.set([0xc4, 0x17, 0xfe, 0x12, 0x7d, 0x75], 80); // SLLAO rewritten (checksum now stale)
    expect(decodeFrame(fixed).icmpv6!.checksumOk).toBe(false);
    expect(fp(fixed)).toBe(fp(SEED.ns));
  });

  it('matches for an ARP request before and after snat --snat-arp, and differs for another target', () => {
    const before = arpRequest({ senderMac: VM, senderIp: '192.0.2.104', targetIp: '192.0.2.1' });
    const after = arpRequest({ ethSrc: HOST, senderMac: HOST, senderIp: '192.0.2.104', targetIp: '192.0.2.1', vlans: [12], padTo: 64 });
    expect(fp(after)).toBe(fp(before));
    expect(fp(arpRequest({ senderMac: VM, senderIp: '192.0.2.104', targetIp: '192.0.2.2' }))).not.toBe(fp(before));
    expect(fp(arpRequest({ senderMac: VM, senderIp: '192.0.2.105', targetIp: '192.0.2.1' }))).not.toBe(fp(before));
  });

  it('differs for another NS target, source, type or option', () => {
    const base = { ethSrc: VM, ethDst: '58:6d:8f:78:ad:40', src: VM_LL, dst: ROUTER_LL };
    const ns = (target: string) => encodeNdp({ ...base, message: { type: 'NS', target } });
    expect(fp(ns(ROUTER_LL))).not.toBe(fp(ns('fe80::1')));
    expect(fp(ns(ROUTER_LL))).not.toBe(fp(encodeNdp({ ...base, src: 'fe80::2', message: { type: 'NS', target: ROUTER_LL } })));
    expect(fp(ns(ROUTER_LL))).not.toBe(fp(encodeNdp({ ...base, message: { type: 'NA', target: ROUTER_LL } })));
    expect(fp(ns(ROUTER_LL))).not.toBe(fp(encodeNdp({ ...base, message: { type: 'NS', target: ROUTER_LL }, options: [{ type: 'mtu', mtu: 1500 }] })));
    // Link-layer options do not count: with or without the SLLAO, same packet for the rule.
    expect(fp(ns(ROUTER_LL))).toBe(fp(encodeNdp({ ...base, message: { type: 'NS', target: ROUTER_LL }, options: [{ type: 'source-lladdr', mac: VM }] })));
  });

  it('is null for frames that are not ARP/NDP', () => {
    expect(fp(SEED.echo6)).toBeNull();
    expect(fp(SEED.ipv4Request)).toBeNull();
  });
});
