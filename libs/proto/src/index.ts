/**
 * The gRPC contract of neighwatch, loaded from `proto/neighwatch/v1/*.proto` (the one
 * source) with @grpc/proto-loader. The TypeScript types under `generated/` come from
 * `proto-loader-gen-types` (target `nx run proto:generate`); nobody edits them.
 *
 * Loader options are fixed here so that every process sees the same shapes:
 * int64 → number (times are microseconds: < 2^53), enums → their names, bytes → Buffer,
 * defaults filled in, and the `body` oneof name set on messages.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeAgentMessage } from './agent-message';
import type { AgentMessage__Output } from './generated/neighwatch/v1/AgentMessage';
import type { CollectorMessage } from './generated/neighwatch/v1/CollectorMessage';
import type { ProtoGrpcType as IngestGrpc } from './generated/ingest';
import type { ProtoGrpcType as QueryGrpc } from './generated/query';

export type * from './generated/neighwatch/v1/Ack';
export type * from './generated/neighwatch/v1/Address';
export type * from './generated/neighwatch/v1/AgentMessage';
export type * from './generated/neighwatch/v1/CollectorMessage';
export type * from './generated/neighwatch/v1/Hello';
export type * from './generated/neighwatch/v1/HelloReply';
export type * from './generated/neighwatch/v1/Ingest';
export type * from './generated/neighwatch/v1/Interface';
export type * from './generated/neighwatch/v1/Inventory';
export type * from './generated/neighwatch/v1/NeighborEntry';
export type * from './generated/neighwatch/v1/NeighborSnapshot';
export type * from './generated/neighwatch/v1/Observation';
export type * from './generated/neighwatch/v1/ObservationBatch';
export type * from './generated/neighwatch/v1/Rejection';
export type * from './generated/neighwatch/v1/Query';
export type * from './generated/neighwatch/v1/Page';
export type * from './generated/neighwatch/v1/InterfaceInfo';
export type * from './generated/neighwatch/v1/Node';
export type * from './generated/neighwatch/v1/ListNodesRequest';
export type * from './generated/neighwatch/v1/ListNodesResponse';
export type * from './generated/neighwatch/v1/Binding';
export type * from './generated/neighwatch/v1/ListBindingsRequest';
export type * from './generated/neighwatch/v1/ListBindingsResponse';
export type * from './generated/neighwatch/v1/VantagePoint';
export type * from './generated/neighwatch/v1/Mismatch';
export type * from './generated/neighwatch/v1/ListMismatchesRequest';
export type * from './generated/neighwatch/v1/ListMismatchesResponse';
export type * from './generated/neighwatch/v1/Evidence';
export type * from './generated/neighwatch/v1/StateChange';
export type * from './generated/neighwatch/v1/MismatchDetail';
export type * from './generated/neighwatch/v1/GetMismatchRequest';
export type * from './generated/neighwatch/v1/AcknowledgeMismatchRequest';
export type * from './generated/neighwatch/v1/ReportRequest';
export type * from './generated/neighwatch/v1/CountBy';
export type * from './generated/neighwatch/v1/TimelinePoint';
export type * from './generated/neighwatch/v1/Report';
export type * from './generated/neighwatch/v1/WatchRequest';
export type * from './generated/neighwatch/v1/MismatchEvent';
export type * from './generated/neighwatch/v1/InterfaceKind';
export type * from './generated/neighwatch/v1/NeighborState';
export type * from './generated/neighwatch/v1/Direction';
export type * from './generated/neighwatch/v1/MessageType';
export type * from './generated/neighwatch/v1/ChecksumStatus';
export type * from './generated/neighwatch/v1/MismatchKind';
export type * from './generated/neighwatch/v1/MismatchState';
export type * from './generated/neighwatch/v1/BindingSource';
export type * from './generated/neighwatch/v1/ReportBucket';
export type * from './generated/neighwatch/v1/MismatchEventType';

export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  bytes: Buffer,
  defaults: true,
  oneofs: true,
};

/**
 * The directory holding `neighwatch/v1/*.proto`. Both this source file
 * (libs/proto/src) and a bundled binary (dist/apps/<app>) sit three levels below the
 * checkout root; NEIGHWATCH_PROTO_DIR overrides it for relocated bundles.
 */
export function protoDir(): string {
  const fromEnv = process.env.NEIGHWATCH_PROTO_DIR;
  if (fromEnv) return fromEnv;
  const candidates = [new URL('../../../proto', import.meta.url), new URL('../proto', import.meta.url)];
  for (const c of candidates) {
    const dir = fileURLToPath(c);
    if (existsSync(`${dir}/neighwatch/v1/ingest.proto`)) return dir;
  }
  throw new Error('neighwatch: cannot find proto/neighwatch/v1/ingest.proto (set NEIGHWATCH_PROTO_DIR)');
}

let cached: { ingest: IngestGrpc; query: QueryGrpc; packageDefinition: protoLoader.PackageDefinition } | undefined;

/** Loads both services once per process. */
export function loadContract() {
  if (!cached) {
    const packageDefinition = protoLoader.loadSync(['neighwatch/v1/ingest.proto', 'neighwatch/v1/query.proto'], {
      ...LOADER_OPTIONS,
      includeDirs: [protoDir()],
    });
    const loaded = grpc.loadPackageDefinition(packageDefinition) as unknown as IngestGrpc & QueryGrpc;
    cached = { ingest: loaded, query: loaded, packageDefinition };
  }
  return cached;
}

/** Service definitions for `server.addService`, and client constructors. */
export function ingestService() {
  return loadContract().ingest.neighwatch.v1.Ingest;
}

/**
 * What the Ingest server's deserializer hands the handler for bytes that are not an
 * `AgentMessage`: the decoder's error, instead of an exception (which grpc-js would turn
 * into INTERNAL "Error deserializing request"). The handler ends that stream with
 * INVALID_ARGUMENT naming the problem; `body` is its discriminant, so a handler must
 * check it before reading the message as an `AgentMessage__Output`.
 */
export interface MalformedAgentMessage {
  readonly body: 'malformed';
  /** What the decoder found wrong ("index out of range: 9 + 8 > 12"). */
  readonly reason: string;
}

/** One request on the Ingest stream as the server sees it. */
export type IngestRequest = AgentMessage__Output | MalformedAgentMessage;

/** Handlers for `ingestServerDefinition()`: its Stream reads `IngestRequest`s. */
export interface IngestServerHandlers extends grpc.UntypedServiceImplementation {
  Stream: grpc.handleBidiStreamingCall<IngestRequest, CollectorMessage>;
}

/**
 * The Ingest service definition for a server: the same as `ingestService().service`,
 * except that requests are decoded by `decodeAgentMessage` (same objects, fewer
 * allocations per observation), and bytes that do not decode become a
 * `MalformedAgentMessage` rather than an exception.
 */
export function ingestServerDefinition(): grpc.ServiceDefinition<IngestServerHandlers> {
  const service = ingestService().service;
  const dir = protoDir();
  const requestDeserialize = (bytes: Buffer): IngestRequest => {
    try {
      return decodeAgentMessage(bytes, dir, LOADER_OPTIONS);
    } catch (error) {
      return { body: 'malformed', reason: error instanceof Error ? error.message : String(error) };
    }
  };
  return {
    ...service,
    Stream: { ...service.Stream, requestDeserialize },
  };
}

/** Decodes an AgentMessage as the Ingest service's deserializer does (faster for observation batches). */
export function agentMessageFromBytes(bytes: Buffer): AgentMessage__Output {
  return decodeAgentMessage(bytes, protoDir(), LOADER_OPTIONS);
}
export function queryService() {
  return loadContract().query.neighwatch.v1.Query;
}

export { observationOf, ipBytes, macBytes, type CaptureContext } from './observation';
