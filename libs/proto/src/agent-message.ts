/**
 * A faster deserializer for `AgentMessage`, the collector's ingest hot path, with the
 * exact output of the loader's (`LOADER_OPTIONS`: defaults filled in, int64 → number,
 * enums → names, bytes → Buffer, `body` set).
 *
 * The loader's `toObject` with `defaults: true` first builds a default for every field and
 * then overwrites it with the value: for an Observation that is 7 empty arrays and 7 empty
 * Buffers (its bytes fields), a Long per int64, all garbage at once, for every observation.
 * Here an ObservationBatch is converted without defaults and only the fields the message
 * left out get their default, from one shared object of defaults (the zero-length Buffers
 * in it cannot be written to, so sharing them is safe). Other messages (Hello, Inventory,
 * NeighborSnapshot: rare) take the loader's own path.
 */
import protobuf from 'protobufjs';
import { accessSync, constants } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { AgentMessage__Output } from './generated/neighwatch/v1/AgentMessage';
import type { Observation__Output } from './generated/neighwatch/v1/Observation';
import type { ObservationBatch__Output } from './generated/neighwatch/v1/ObservationBatch';

interface Codec {
  agentMessage: protobuf.Type;
  full: protobuf.IConversionOptions;
  sparse: protobuf.IConversionOptions;
  batchDefaults: Record<string, unknown>;
  observationDefaults: [string, unknown][];
}

let codec: Codec | undefined;

function load(protoDir: string, options: protobuf.IConversionOptions & { keepCase?: boolean }): Codec {
  const root = new protobuf.Root();
  // The loader's include-path resolution (@grpc/proto-loader util.addIncludePathResolver).
  root.resolvePath = (_origin, target) => {
    if (isAbsolute(target)) return target;
    const full = join(protoDir, target);
    accessSync(full, constants.R_OK);
    return full;
  };
  root.loadSync('neighwatch/v1/ingest.proto', { keepCase: options.keepCase });
  root.resolveAll();
  const agentMessage = root.lookupType('neighwatch.v1.AgentMessage');
  const batch = root.lookupType('neighwatch.v1.ObservationBatch');
  const observation = root.lookupType('neighwatch.v1.Observation');
  const full = { ...options };
  const sparse = { ...options, defaults: false };
  const observationDefaults = Object.entries(observation.toObject(observation.create(), full));
  const batchDefaults = batch.toObject(batch.create(), full);
  return { agentMessage, full, sparse, batchDefaults, observationDefaults };
}

/**
 * Decodes an AgentMessage exactly as the loader's deserializer does, with fewer
 * allocations for observation batches. `protoDir` and `options` are the loader's.
 */
export function decodeAgentMessage(bytes: Buffer, protoDir: string, options: protobuf.IConversionOptions & { keepCase?: boolean }): AgentMessage__Output {
  codec ??= load(protoDir, options);
  const { agentMessage } = codec;
  const message = agentMessage.decode(bytes) as protobuf.Message & { observations?: unknown };
  if (message.observations == null || !codec.full.defaults) return agentMessage.toObject(message, codec.full) as AgentMessage__Output;
  const out = agentMessage.toObject(message, codec.sparse) as AgentMessage__Output;
  const batch = out.observations as Partial<ObservationBatch__Output>;
  for (const key in codec.batchDefaults) {
    if ((batch as Record<string, unknown>)[key] === undefined) {
      const value = codec.batchDefaults[key];
      (batch as Record<string, unknown>)[key] = Array.isArray(value) ? [] : value;
    }
  }
  for (const o of batch.observations as Observation__Output[]) {
    const target = o as unknown as Record<string, unknown>;
    for (const [key, value] of codec.observationDefaults) if (target[key] === undefined) target[key] = value;
  }
  return out;
}
