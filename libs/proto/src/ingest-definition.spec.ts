import { describe, expect, it } from 'vitest';
import { agentMessageFromBytes, ingestServerDefinition, ingestService, type AgentMessage, type IngestRequest } from './index';

const client = ingestService().service.Stream;
const server = ingestServerDefinition().Stream;
const encode = (m: AgentMessage): Buffer => client.requestSerialize(m as never);
const decode = (bytes: Buffer) => server.requestDeserialize(bytes) as IngestRequest;

describe('the Ingest server definition', () => {
  it('decodes a well-formed message exactly as before', () => {
    const bytes = encode({
      hello: { node: 'vm', agentVersion: '1.0.0', os: 'Linux', bootId: 'b', agentTimeUs: 1_764_158_000_123_456, spoolDropped: 0, nextSequence: 7 },
    });
    const decoded = decode(bytes);
    expect(decoded).toStrictEqual(client.requestDeserialize(bytes));
    expect(decoded).toMatchObject({ body: 'hello', hello: { node: 'vm', agentTimeUs: 1_764_158_000_123_456, nextSequence: 7 } });
  });

  it('returns bytes that are not an AgentMessage as malformed, with the decoder’s reason, instead of throwing', () => {
    // Field 1 (hello) as a length-delimited field claiming 200 bytes, followed by 3.
    const truncated = Buffer.from([0x0a, 0xc8, 0x01, 1, 2, 3]);
    const garbage = Buffer.from('this is not protobuf at all');
    for (const bytes of [truncated, garbage]) {
      let thrown = '';
      try {
        agentMessageFromBytes(bytes);
      } catch (error) {
        thrown = (error as Error).message;
      }
      expect(thrown).not.toBe('');
      expect(decode(bytes)).toStrictEqual({ body: 'malformed', reason: thrown });
    }
  });
});
