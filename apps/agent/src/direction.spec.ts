import { describe, expect, it } from 'vitest';
import { arpProbe, arpRequest, classifyInto, encodeNdp, FrameDecoder, newNeighborFields } from '@neighwatch/packet';
import { frameDirection, LocalAddresses } from './direction';
import { parseIpAddr } from './interfaces';

const HOST_MAC = 'c4:17:fe:12:7d:75';
const VM_MAC = '00:03:ff:13:7d:75';

const local = new LocalAddresses();
local.update(
  parseIpAddr(
    [
      {
        ifindex: 2,
        ifname: 'br0',
        flags: ['UP'],
        link_type: 'ether',
        address: HOST_MAC,
        linkinfo: { info_kind: 'bridge' },
        addr_info: [
          { family: 'inet', local: '192.0.2.10', prefixlen: 24 },
          { family: 'inet6', local: 'fe80::c617:feff:fe12:7d75', prefixlen: 64 },
        ],
      },
    ],
    { isWireless: () => false, tunFlags: () => undefined },
  ),
);

function direction(frame: Uint8Array) {
  const fields = newNeighborFields();
  const decoded = new FrameDecoder().decode(frame);
  expect(classifyInto(decoded, fields)).toBe(true);
  return frameDirection(frame, fields, local);
}

describe('frameDirection', () => {
  it('is sent for frames from one of our MACs', () => {
    expect(direction(arpRequest({ senderMac: HOST_MAC, senderIp: '192.0.2.10', targetIp: '192.0.2.1' }))).toBe('DIRECTION_SENT');
  });

  it('is sent for frames carrying one of our IPs even from another MAC', () => {
    expect(direction(arpRequest({ ethSrc: '02:00:00:00:00:01', senderMac: '02:00:00:00:00:01', senderIp: '192.0.2.10', targetIp: '192.0.2.1' }))).toBe('DIRECTION_SENT');
    const ns = encodeNdp({ ethSrc: '02:00:00:00:00:01', src: 'fe80::c617:feff:fe12:7d75', dst: 'ff02::1:ff00:1', message: { type: 'NS', target: 'fe80::1' } });
    expect(direction(ns)).toBe('DIRECTION_SENT');
  });

  it('is received for a VM behind our bridge, even on our egress port', () => {
    expect(direction(arpRequest({ senderMac: VM_MAC, senderIp: '192.0.2.104', targetIp: '192.0.2.1' }))).toBe('DIRECTION_RECEIVED');
    const ns = encodeNdp({ ethSrc: VM_MAC, src: 'fe80::203:ffff:fe13:7d75', dst: 'ff02::1:ff00:1', message: { type: 'NS', target: 'fe80::1' }, options: [{ type: 'source-lladdr', mac: VM_MAC }] });
    expect(direction(ns)).toBe('DIRECTION_RECEIVED');
  });

  it('never counts the unspecified address as ours', () => {
    expect(direction(arpProbe({ senderMac: VM_MAC, targetIp: '192.0.2.10' }))).toBe('DIRECTION_RECEIVED');
    const dad = encodeNdp({ ethSrc: VM_MAC, src: '::', dst: 'ff02::1:ff12:7d75', message: { type: 'NS', target: 'fe80::c617:feff:fe12:7d75' } });
    expect(direction(dad)).toBe('DIRECTION_RECEIVED');
  });
});
