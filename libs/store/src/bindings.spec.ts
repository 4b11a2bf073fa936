import { describe, expect, it } from 'vitest';
import { observation, T0 } from '../test/fixtures.ts';
import { wireBindingOf } from './bindings.ts';

const o = (over: Parameters<typeof observation>[3]) => observation('router', 1, T0, over).observation;
const HOST = '02:00:00:00:00:0a';
const VM = '02:00:00:00:00:0b';

describe('wireBindingOf', () => {
  it('binds an ARP sender IP to the sender hardware address, not the Ethernet source', () => {
    // The field case: the bridge rewrote the Ethernet source and the ARP sender alike;
    // a frame that rewrote only one of them binds what the packet claims.
    expect(wireBindingOf(o({ type: 'ARP_REQUEST', srcIp: '192.0.2.20', targetIp: '192.0.2.1', ethSrc: HOST, lladdr: VM }))).toEqual({ ip: '192.0.2.20', mac: VM });
  });

  it('binds nothing for an ARP probe or a DAD solicitation (unspecified source)', () => {
    expect(wireBindingOf(o({ type: 'ARP_PROBE', srcIp: '0.0.0.0', lladdr: VM }))).toBeNull();
    expect(wireBindingOf(o({ type: 'NDP_NS', srcIp: '::', lladdr: null }))).toBeNull();
  });

  it('binds an NS source to its SLLAO (RFC 4861 §4.3), the Ethernet source when absent', () => {
    expect(wireBindingOf(o({ type: 'NDP_NS', srcIp: '2001:db8::20', ethSrc: HOST, lladdr: VM }))).toEqual({ ip: '2001:db8::20', mac: VM });
    expect(wireBindingOf(o({ type: 'NDP_NS', srcIp: '2001:db8::20', ethSrc: HOST, lladdr: null }))).toEqual({ ip: '2001:db8::20', mac: HOST });
  });

  it('binds an NA target to its TLLAO (RFC 4861 §4.4), the source to the Ethernet source without one', () => {
    expect(wireBindingOf(o({ type: 'NDP_NA', srcIp: 'fe80::1', targetIp: '2001:db8::20', ethSrc: HOST, lladdr: VM }))).toEqual({ ip: '2001:db8::20', mac: VM });
    expect(wireBindingOf(o({ type: 'NDP_NA', srcIp: 'fe80::1', targetIp: '2001:db8::20', ethSrc: HOST, lladdr: null }))).toEqual({ ip: 'fe80::1', mac: HOST });
  });
});
