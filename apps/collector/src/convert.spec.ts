import { describe, expect, it } from 'vitest';
import type { Observation__Output } from '@neighwatch/proto';
import { toNeighborObservation } from './convert';

const obs = (over: Partial<Observation__Output> = {}): Observation__Output => ({
  sequence: 7,
  captureTimeUs: 1_700_000_000_000_000,
  interface: 'eth0',
  direction: 'DIRECTION_RECEIVED',
  ethSrc: Buffer.from('c417fe127d75', 'hex'),
  ethDst: Buffer.from('586d8f78ad40', 'hex'),
  vlan: 0,
  type: 'MESSAGE_TYPE_NDP_NS',
  senderIp: Buffer.from('fe800000000000000203fffffe137d75', 'hex'),
  targetIp: Buffer.from('fe800000000000005a6d8ffffe78ad40', 'hex'),
  lladdr: Buffer.from('0003ff137d75', 'hex'),
  naFlags: 0,
  checksum: 'CHECKSUM_STATUS_VALID',
  fingerprint: Buffer.from('0102030405060708', 'hex'),
  frame: Buffer.alloc(86),
  frameLength: 86,
  ...over,
});

describe('toNeighborObservation', () => {
  it('turns wire bytes into the model text form, with the corrected time', () => {
    expect(toNeighborObservation('router', obs(), 42)).toEqual({
      node: 'router',
      iface: 'eth0',
      direction: 'received',
      timeUs: 42,
      type: 'NDP_NS',
      ethSrc: 'c4:17:fe:12:7d:75',
      ethDst: '58:6d:8f:78:ad:40',
      vlan: null,
      srcIp: 'fe80::203:ffff:fe13:7d75',
      targetIp: 'fe80::5a6d:8fff:fe78:ad40',
      lladdr: '00:03:ff:13:7d:75',
      naFlags: 0,
      checksumOk: true,
      fingerprint: '0102030405060708',
      ref: 7,
    });
  });

  it('gives the right text for every address, cached or not', () => {
    for (let i = 0; i < 3; i++) {
      const a = toNeighborObservation('n', obs({ type: 'MESSAGE_TYPE_ARP_REQUEST', senderIp: Buffer.from([192, 0, 2, i]), targetIp: Buffer.from([192, 0, 2, 1]), ethSrc: Buffer.from([2, 0, 0, 0, 0, i]), checksum: 'CHECKSUM_STATUS_NOT_APPLICABLE', vlan: 10 }), 1);
      expect(a).toMatchObject({ srcIp: `192.0.2.${i}`, targetIp: '192.0.2.1', ethSrc: `02:00:00:00:00:0${i}`, vlan: 10, checksumOk: null, type: 'ARP_REQUEST' });
    }
    const rs = toNeighborObservation('n', obs({ type: 'MESSAGE_TYPE_NDP_RS', targetIp: Buffer.alloc(0), lladdr: Buffer.alloc(0), senderIp: Buffer.from('20010db8000000000000000000000001', 'hex') }), 1);
    expect(rs).toMatchObject({ srcIp: '2001:db8::1', targetIp: null, lladdr: null });
  });
});
