import { describe, expect, it } from 'vitest';
import { ingestService, queryService } from './index';

describe('contract', () => {
  it('loads both services with every method of the design', () => {
    expect(Object.keys(ingestService().service)).toEqual(['Stream']);
    expect(Object.keys(queryService().service).sort()).toEqual(
      ['AcknowledgeMismatch', 'GetMismatch', 'GetReport', 'ListBindings', 'ListMismatches', 'ListNodes', 'Watch'].sort(),
    );
  });

  it('round-trips an observation batch with bytes and 64-bit times intact', () => {
    const method = ingestService().service.Stream;
    const sent = {
      observations: {
        agentTimeUs: 1_764_158_000_123_456,
        observations: [{ sequence: 42, captureTimeUs: 1_764_158_000_000_001, type: 'MESSAGE_TYPE_NDP_NS', ethSrc: Buffer.from('c417fe127d75', 'hex') }],
      },
    };
    const decoded = method.requestDeserialize(method.requestSerialize(sent as never)) as never as {
      body: string;
      observations: { agentTimeUs: number; observations: Array<{ sequence: number; captureTimeUs: number; type: string; ethSrc: Buffer }> };
    };
    expect(decoded.body).toBe('observations');
    const [o] = decoded.observations.observations;
    expect(o.sequence).toBe(42);
    expect(o.captureTimeUs).toBe(1_764_158_000_000_001);
    expect(o.type).toBe('MESSAGE_TYPE_NDP_NS');
    expect(o.ethSrc.toString('hex')).toBe('c417fe127d75');
  });
});
