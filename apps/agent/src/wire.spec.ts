import { describe, expect, it } from 'vitest';
import {
  decodeAgentMessage,
  decodeObservation,
  DIRECTION_NUMBERS,
  encodeAgentMessage,
  encodeBatchMessage,
  encodeObservation,
  loadObservationContract,
  MESSAGE_TYPE_NUMBERS,
  type ObservationFields,
} from './wire';

const observation = (sequence: number): ObservationFields => ({
  sequence,
  captureTimeUs: 1_790_000_000_123_456,
  interface: 'eth0',
  direction: 'DIRECTION_SENT',
  ethSrc: Buffer.from('c417fe127d75', 'hex'),
  ethDst: Buffer.from('ffffffffffff', 'hex'),
  vlan: 42,
  type: 'NDP_NS',
  senderIp: Buffer.from('20010db8000000000000000000000001', 'hex'),
  targetIp: Buffer.from('20010db8000000000000000000000002', 'hex'),
  lladdr: Buffer.from('0003ff137d75', 'hex'),
  naFlags: 0,
  checksumOk: false,
  fingerprint: Buffer.from('0102030405060708', 'hex'),
  frame: Buffer.alloc(86, 7),
  frameLength: 86,
});

describe('wire', () => {
  it('uses the enum numbers of the contract', () => {
    const { messageTypes, directions } = loadObservationContract();
    for (const [name, n] of Object.entries(MESSAGE_TYPE_NUMBERS)) expect(messageTypes[`MESSAGE_TYPE_${name}`], name).toBe(n);
    for (const [name, n] of Object.entries(DIRECTION_NUMBERS)) expect(directions[name], name).toBe(n);
    expect(Object.keys(messageTypes)).toHaveLength(Object.keys(MESSAGE_TYPE_NUMBERS).length + 1);
  });

  it('writes the same bytes as the contract encoder (protobufjs), every field set', () => {
    const o = observation(123_456_789_012);
    const reference = loadObservationContract().observation.encode({
      ...o,
      direction: 1,
      type: 7,
      checksum: 2,
      sequence: o.sequence,
    }).finish();
    expect(Buffer.from(encodeObservation(o)).equals(Buffer.from(reference))).toBe(true);
  });

  it('encodes an Observation with every field as the contract names it', () => {
    expect(decodeObservation(encodeObservation(observation(7)))).toMatchObject({
      sequence: 7,
      captureTimeUs: 1_790_000_000_123_456,
      interface: 'eth0',
      direction: 'DIRECTION_SENT',
      vlan: 42,
      type: 'MESSAGE_TYPE_NDP_NS',
      checksum: 'CHECKSUM_STATUS_INVALID',
      frameLength: 86,
      lladdr: Buffer.from('0003ff137d75', 'hex'),
      fingerprint: Buffer.from('0102030405060708', 'hex'),
    });
    const arp = decodeObservation(encodeObservation({ ...observation(1), type: 'ARP_PROBE', checksumOk: null, targetIp: new Uint8Array(0) }));
    expect(arp).toMatchObject({ type: 'MESSAGE_TYPE_ARP_PROBE', checksum: 'CHECKSUM_STATUS_NOT_APPLICABLE' });
    expect((arp.targetIp as Buffer).length).toBe(0);
  });

  it('frames pre-encoded observations into an AgentMessage the collector decodes', () => {
    const encoded = [1, 2, 300].map((s) => encodeObservation(observation(s)));
    const message = decodeAgentMessage(encodeBatchMessage(1_790_000_000_999_999, encoded));
    expect(message.body).toBe('observations');
    expect(message.observations!.agentTimeUs).toBe(1_790_000_000_999_999);
    const obs = message.observations!.observations!;
    expect(obs.map((o) => o.sequence)).toEqual([1, 2, 300]);
    expect(obs[2]).toMatchObject({ interface: 'eth0', type: 'MESSAGE_TYPE_NDP_NS', direction: 'DIRECTION_SENT', vlan: 42 });
  });

  it('handles batches larger than one varint byte of length, and empty ones', () => {
    const big = Array.from({ length: 1000 }, (_, i) => encodeObservation(observation(i + 1)));
    expect(decodeAgentMessage(encodeBatchMessage(1, big)).observations!.observations!.length).toBe(1000);
    expect(decodeAgentMessage(encodeBatchMessage(0, [])).observations!.observations ?? []).toEqual([]);
  });

  it('serializes the other messages with the contract', () => {
    const hello = decodeAgentMessage(encodeAgentMessage({ hello: { node: 'vm', nextSequence: 5, spoolDropped: 2 } }));
    expect(hello.hello).toMatchObject({ node: 'vm', nextSequence: 5, spoolDropped: 2 });
  });
});
