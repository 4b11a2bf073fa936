import { describe, expect, it } from 'vitest';
import {
  arpRequest,
  classifyFrame,
  decodeFrame,
  describeFrame,
  encodeArp,
  encodeNdp,
  FrameDecoder,
  type LayerName,
} from '../src/index';
import { SEED } from './seed';

const VM = '00:03:ff:13:7d:75';
const ROUTER = '58:6d:8f:78:ad:40';
const VM_LL = 'fe80::203:ffff:fe13:7d75';
const ROUTER_LL = 'fe80::5a6d:8fff:fe78:ad40';

/** Layers and the error expected for a prefix of `len` bytes of the seed NS (86 bytes). */
function expectedNsPrefix(len: number): { layers: LayerName[]; layer: string; offset: number } {
  if (len < 14) return { layers: [], layer: 'ethernet', offset: 0 };
  if (len < 54) return { layers: ['ethernet'], layer: 'ipv6', offset: 14 };
  return { layers: ['ethernet', 'ipv6'], layer: 'ipv6', offset: len };
}

describe('truncated frames: every prefix of every real frame', () => {
  it('reports the NS truncated at the right layer, keeping the layers before it', () => {
    const d = new FrameDecoder();
    for (let len = 0; len < SEED.ns.length; len++) {
      const f = d.decode(SEED.ns.subarray(0, len));
      const want = expectedNsPrefix(len);
      expect(f.error, `prefix ${len}`).toMatchObject({ kind: 'truncated', layer: want.layer, offset: want.offset });
      expect(f.layers.map((l) => l.name), `prefix ${len}`).toEqual(want.layers);
      expect(classifyFrame(f)).toBeNull();
      expect(describeFrame(SEED.ns.subarray(0, len))).toContain('[truncated');
    }
  });

  it('reports every prefix of the other field frames as truncated, never throwing', () => {
    const d = new FrameDecoder();
    for (const frame of [SEED.ipv4Request, SEED.ipv4Reply, SEED.echo6]) {
      for (let len = 0; len < frame.length; len++) {
        const f = d.decode(frame.subarray(0, len));
        expect(f.error?.kind, `prefix ${len}`).toBe('truncated');
        expect(f.layers.length).toBe(len < 14 ? 0 : len < 34 ? 1 : frame === SEED.echo6 && len < 54 ? 1 : 2);
      }
    }
  });

  it('reports every prefix of an ARP request as truncated at the ARP layer after Ethernet', () => {
    const arp = arpRequest({ senderMac: VM, senderIp: '192.0.2.104', targetIp: '192.0.2.1' });
    const d = new FrameDecoder();
    for (let len = 14; len < arp.length; len++) {
      const f = d.decode(arp.subarray(0, len));
      expect(f.error).toMatchObject({ kind: 'truncated', layer: 'arp' });
      expect(f.layers.map((l) => l.name)).toEqual(['ethernet']);
    }
    expect(d.decode(arp).error).toBeNull();
  });

  it('reports a truncated VLAN tag', () => {
    const tagged = arpRequest({ senderMac: VM, senderIp: '192.0.2.104', targetIp: '192.0.2.1', vlans: [5, 6] });
    const f = decodeFrame(tagged.subarray(0, 20));
    expect(f.error).toMatchObject({ kind: 'truncated', layer: 'vlan', offset: 18 });
    expect(f.layers.map((l) => l.name)).toEqual(['ethernet', 'vlan']);
  });
});

describe('malformed Neighbor Discovery options (RFC 4861 §4.6)', () => {
  const ns = (options: Parameters<typeof encodeNdp>[0]['options']) =>
    encodeNdp({ ethSrc: VM, ethDst: ROUTER, src: VM_LL, dst: ROUTER_LL, message: { type: 'NS', target: ROUTER_LL }, options });

  it('rejects a zero-length option, keeping the NS and the options before it', () => {
    const f = decodeFrame(ns([{ type: 'source-lladdr', mac: VM }, { type: 'raw', optionType: 14, data: new Uint8Array(6), lengthField: 0 }]));
    expect(f.error).toMatchObject({ kind: 'malformed', layer: 'ndp-option', offset: 14 + 40 + 24 + 8 + 1 });
    expect(f.error!.message).toMatch(/length 0/);
    expect(f.layers.map((l) => l.name)).toEqual(['ethernet', 'ipv6', 'icmpv6', 'ndp', 'ndp-option']);
    expect(f.icmpv6!.checksumOk).toBe(true);
    // Still an NS the agent should report, with the lladdr it carried and the problem.
    const r = classifyFrame(f)!;
    expect(r).toMatchObject({ type: 'NDP_NS', lladdr: VM });
    expect(r.error).toMatchObject({ kind: 'malformed', layer: 'ndp-option' });
  });

  it('rejects an option running past the end of the message', () => {
    const f = decodeFrame(ns([{ type: 'raw', optionType: 1, data: Uint8Array.of(0, 3, 0xff, 0x13, 0x7d, 0x75), lengthField: 2 }]));
    expect(f.error).toMatchObject({ kind: 'malformed', layer: 'ndp-option', offset: 14 + 40 + 24 + 1 });
    expect(f.error!.message).toMatch(/runs past the end/);
    expect(f.ndpOptions).toHaveLength(0);
    expect(classifyFrame(f)).toMatchObject({ type: 'NDP_NS', lladdr: null });
  });

  it('rejects a prefix option of the wrong size and a lone byte after the options', () => {
    expect(decodeFrame(ns([{ type: 'raw', optionType: 3, data: new Uint8Array(14) }])).error).toMatchObject({ kind: 'malformed', layer: 'ndp-option' });
    const withTail = ns([{ type: 'source-lladdr', mac: VM }]);
    // Grow the IPv6 payload by one byte that cannot hold an option header.
    const grown = new Uint8Array(withTail.length + 1);
    grown.set(withTail);
    grown[19] += 1;
    const f = decodeFrame(grown);
    expect(f.error).toMatchObject({ kind: 'malformed', layer: 'ndp-option', offset: withTail.length });
  });

  it('rejects an NDP message shorter than its fixed part', () => {
    const rs = encodeNdp({ ethSrc: VM, src: VM_LL, dst: 'ff02::2', message: { type: 'RS' } });
    const cut = rs.slice(0, rs.length - 2);
    cut[19] -= 2; // payload length 6
    const f = decodeFrame(cut);
    expect(f.error).toMatchObject({ kind: 'malformed', layer: 'ndp', offset: 54 });
    expect(f.layers.map((l) => l.name)).toEqual(['ethernet', 'ipv6', 'icmpv6']);
  });

  it('flags an IPv6 payload length beyond the frame as truncated, and a short ICMPv6 as malformed', () => {
    const long = SEED.ns.slice();
    long[19] = 0x40;
    expect(decodeFrame(long).error).toMatchObject({ kind: 'truncated', layer: 'ipv6', offset: 86 });
    const short = SEED.ns.slice();
    short[19] = 2;
    expect(decodeFrame(short).error).toMatchObject({ kind: 'malformed', layer: 'icmpv6', offset: 54 });
  });
});

describe('ARP outside Ethernet/IPv4 is reported, not dropped', () => {
  it('bad hardware type → unsupported after the Ethernet layer', () => {
    const f = decodeFrame(encodeArp({ operation: 'request', senderMac: VM, senderIp: '192.0.2.1', targetIp: '192.0.2.2', hardwareType: 6 }));
    expect(f.error).toMatchObject({ kind: 'unsupported', layer: 'arp', offset: 14 });
    expect(f.error!.message).toMatch(/hardware type 6/);
    expect(f.layers.map((l) => l.name)).toEqual(['ethernet']);
    expect(classifyFrame(f)).toBeNull();
  });

  it('wrong protocol type or address lengths, and non-request/reply operations', () => {
    const arp = arpRequest({ senderMac: VM, senderIp: '192.0.2.1', targetIp: '192.0.2.2' });
    const ptype = arp.slice();
    ptype[16] = 0x86;
    ptype[17] = 0xdd;
    expect(decodeFrame(ptype).error).toMatchObject({ kind: 'unsupported', layer: 'arp', offset: 16 });
    const hlen = arp.slice();
    hlen[18] = 8;
    expect(decodeFrame(hlen).error).toMatchObject({ kind: 'malformed', layer: 'arp', offset: 18 });
    const rarp = decodeFrame(encodeArp({ operation: 3, senderMac: VM, senderIp: '192.0.2.1', targetIp: '192.0.2.2' }));
    expect(rarp.error).toMatchObject({ kind: 'unsupported', layer: 'arp', offset: 20 });
    expect(rarp.arp!.operation).toBe(3);
    expect(classifyFrame(rarp)).toBeNull();
  });

  it('802.3 length field instead of an EtherType → unsupported', () => {
    const llc = SEED.ns.slice();
    llc[12] = 0x00;
    llc[13] = 0x40;
    expect(decodeFrame(llc).error).toMatchObject({ kind: 'unsupported', layer: 'ethernet', offset: 12 });
  });
});

describe('a reused decoder', () => {
  it('leaves nothing of the previous frame behind', () => {
    const d = new FrameDecoder();
    const first = d.decode(encodeNdp({ ethSrc: VM, src: VM_LL, dst: 'ff02::2', vlans: [3], message: { type: 'RS' }, options: [{ type: 'mtu', mtu: 1280 }] }));
    expect(first.vlans).toHaveLength(1);
    const second = d.decode(arpRequest({ senderMac: VM, senderIp: '192.0.2.1', targetIp: '192.0.2.2' }));
    expect(second).toBe(first);
    expect(second.vlans).toHaveLength(0);
    expect(second.ipv6).toBeNull();
    expect(second.ndpOptions).toHaveLength(0);
    expect(second.layers.map((l) => l.name)).toEqual(['ethernet', 'arp']);
  });
});
