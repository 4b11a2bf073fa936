import { describe, expect, it } from 'vitest';
import { arpRequest, encodeNdp } from '@neighwatch/packet';
import { agentMessageFromBytes, ingestService, observationOf, type AgentMessage } from './index';

const method = ingestService().service.Stream;
const encode = (m: AgentMessage): Buffer => method.requestSerialize(m as never);
const viaLoader = (bytes: Buffer) => method.requestDeserialize(bytes);

const ns = observationOf(
  encodeNdp({
    ethSrc: '00:03:ff:13:7d:75',
    ethDst: '33:33:ff:78:ad:40',
    src: 'fe80::203:ffff:fe13:7d75',
    dst: 'ff02::1:ff78:ad40',
    message: { type: 'NS', target: 'fe80::5a6d:8fff:fe78:ad40' },
    options: [{ type: 'source-lladdr', mac: '00:03:ff:13:7d:75' }],
  }),
  { sequence: 9_007_199_254_740_000, timeUs: 1_764_158_000_000_001, iface: 'wlp2s0', direction: 'sent' },
);
const arp = observationOf(arpRequest({ senderMac: '02:00:00:00:00:0a', senderIp: '192.0.2.10', targetIp: '192.0.2.1' }), {
  sequence: 1,
  timeUs: 1_764_158_000_000_002,
  iface: 'eth0',
  direction: 'received',
});

describe('decodeAgentMessage', () => {
  it.each([
    ['a batch of real frames', { observations: { agentTimeUs: 1_764_158_000_123_456, observations: [ns, arp] } }],
    ['observations with every field at its zero value', { observations: { agentTimeUs: 0, observations: [{}, { sequence: 0, lladdr: Buffer.alloc(0) }] } }],
    ['an empty batch', { observations: {} }],
    ['a negative clock and a VLAN', { observations: { agentTimeUs: -5, observations: [{ ...arp, vlan: 4094, naFlags: 7 }] } }],
    ['a Hello', { hello: { node: 'vm', agentVersion: '1', os: 'Linux', bootId: 'b', agentTimeUs: 1, spoolDropped: 2, nextSequence: 3 } }],
    ['an Inventory', { inventory: { interfaces: [{ name: 'eth0', mac: Buffer.from('02000000000a', 'hex') }] } }],
    ['nothing', {}],
  ] as [string, AgentMessage][])('gives what the loader gives for %s', (_name, message) => {
    const bytes = encode(message);
    expect(agentMessageFromBytes(bytes)).toStrictEqual(viaLoader(bytes));
  });

  it('gives every decoded observation its own values (defaults are not shared mutable state)', () => {
    const bytes = encode({ observations: { agentTimeUs: 1, observations: [{ sequence: 1 }, { sequence: 2 }] } });
    const first = agentMessageFromBytes(bytes);
    const second = agentMessageFromBytes(bytes);
    first.observations!.observations.push(first.observations!.observations[0]);
    first.observations!.observations[0].interface = 'changed';
    expect(second.observations!.observations).toHaveLength(2);
    expect(second.observations!.observations[0].interface).toBe('');
    expect(second.observations!.observations[0].lladdr.length).toBe(0);
  });
});
