import { describe, expect, it } from 'vitest';
import { captureCandidates, inventoryKey, parseIpAddr, toProtoInterfaces, type SysProbe } from './interfaces';

// Trimmed `ip -j -d addr show` output of a host with a bridge over Wi-Fi and a VM tap.
const IP_ADDR = [
  { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP', 'LOWER_UP'], mtu: 65536, link_type: 'loopback', address: '00:00:00:00:00:00', addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8 }] },
  { ifindex: 2, ifname: 'wlan0', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], mtu: 1500, link_type: 'ether', address: 'C4:17:FE:12:7D:75', master: 'br0', linkinfo: { info_slave_kind: 'bridge' }, addr_info: [] },
  {
    ifindex: 3,
    ifname: 'br0',
    flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
    mtu: 1500,
    link_type: 'ether',
    address: 'c4:17:fe:12:7d:75',
    linkinfo: { info_kind: 'bridge' },
    addr_info: [
      { family: 'inet', local: '192.0.2.10', prefixlen: 24 },
      { family: 'inet6', local: '2001:db8::c617:feff:fe12:7d75', prefixlen: 64 },
      { family: 'inet6', local: 'fe80::c617:feff:fe12:7d75', prefixlen: 64 },
    ],
  },
  { ifindex: 4, ifname: 'tap0', flags: ['BROADCAST', 'MULTICAST', 'UP'], mtu: 1500, link_type: 'ether', address: 'fe:54:00:11:22:33', master: 'br0', linkinfo: { info_kind: 'tun', info_data: { type: 'tap' }, info_slave_kind: 'bridge' }, addr_info: [] },
  { ifindex: 5, ifname: 'eth0.10', flags: ['BROADCAST', 'MULTICAST'], mtu: 1500, link_type: 'ether', address: '52:54:00:aa:bb:cc', link: 'eth0', linkinfo: { info_kind: 'vlan', info_data: { protocol: '802.1Q', id: 10 } }, addr_info: [] },
  { ifindex: 6, ifname: 'veth1', flags: ['BROADCAST', 'MULTICAST', 'UP'], mtu: 1500, link_type: 'ether', address: '36:3e:5f:3e:bc:b8', link: 'veth2', linkinfo: { info_kind: 'veth' }, addr_info: [] },
  { ifindex: 7, ifname: 'wg0', flags: ['POINTOPOINT', 'NOARP', 'UP', 'LOWER_UP'], mtu: 1420, link_type: 'none', linkinfo: { info_kind: 'wireguard' }, addr_info: [{ family: 'inet', local: '198.51.100.1', prefixlen: 32 }] },
  { ifindex: 8, ifname: 'eth1', flags: ['BROADCAST', 'MULTICAST', 'UP'], mtu: 9000, link_type: 'ether', address: '52:54:00:00:00:01', addr_info: [] },
];

const sys: SysProbe = { isWireless: (name) => name === 'wlan0', tunFlags: (name) => (name === 'tap0' ? 0x1002 : undefined) };

describe('parseIpAddr', () => {
  const interfaces = parseIpAddr(IP_ADDR, sys);
  const byName = Object.fromEntries(interfaces.map((i) => [i.name, i]));

  it('detects every kind and bridge ports', () => {
    expect(Object.fromEntries(interfaces.map((i) => [i.name, i.kind]))).toEqual({
      lo: 'INTERFACE_KIND_LOOPBACK',
      wlan0: 'INTERFACE_KIND_WIRELESS',
      br0: 'INTERFACE_KIND_BRIDGE',
      tap0: 'INTERFACE_KIND_TAP',
      'eth0.10': 'INTERFACE_KIND_VLAN',
      veth1: 'INTERFACE_KIND_VETH',
      wg0: 'INTERFACE_KIND_OTHER',
      eth1: 'INTERFACE_KIND_PHYSICAL',
    });
    expect(byName.wlan0.bridgeMaster).toBe('br0');
    expect(byName.tap0.bridgeMaster).toBe('br0');
    expect(byName.br0.bridgeMaster).toBe('');
    expect(byName['eth0.10']).toMatchObject({ vlanId: 10, vlanParent: 'eth0', up: false });
  });

  it('normalizes MACs and keeps addresses with prefix lengths', () => {
    expect(byName.wlan0.mac).toBe('c4:17:fe:12:7d:75');
    expect(byName.lo.mac).toBe('');
    expect(byName.wg0.mac).toBe('');
    expect(byName.br0.addresses).toEqual([
      { ip: '192.0.2.10', prefixLength: 24 },
      { ip: '2001:db8::c617:feff:fe12:7d75', prefixLength: 64 },
      { ip: 'fe80::c617:feff:fe12:7d75', prefixLength: 64 },
    ]);
  });

  it('captures on up, non-loopback Ethernet interfaces with a MAC, or on the configured ones', () => {
    expect(captureCandidates(interfaces, [])).toEqual(['wlan0', 'br0', 'tap0', 'veth1', 'eth1']);
    expect(captureCandidates(interfaces, ['br0', 'eth0.10', 'missing'])).toEqual(['br0']);
  });

  it('converts to the Inventory shape with address bytes', () => {
    const br0 = toProtoInterfaces(interfaces).find((i) => i.name === 'br0')!;
    expect(br0.mac).toEqual(Buffer.from('c417fe127d75', 'hex'));
    expect(br0.addresses![0]).toEqual({ ip: Buffer.from([192, 0, 2, 10]), prefixLength: 24 });
    expect((br0.addresses![1].ip as Buffer).length).toBe(16);
  });

  it('notices changes through the inventory key', () => {
    const changed = parseIpAddr(IP_ADDR.map((l) => (l.ifname === 'br0' ? { ...l, addr_info: [] } : l)), sys);
    expect(inventoryKey(changed)).not.toBe(inventoryKey(interfaces));
    expect(inventoryKey(parseIpAddr([...IP_ADDR].reverse(), sys))).toBe(inventoryKey(interfaces));
  });

  it('ignores what is not a list of links', () => {
    expect(parseIpAddr({})).toEqual([]);
    expect(parseIpAddr([{ mtu: 1 }])).toEqual([]);
  });
});
