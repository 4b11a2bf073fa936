/**
 * The gRPC server: Ingest, Query, the standard health service and server reflection
 * (so grpcurl and grpc_health_probe work), with TLS or, on loopback or when explicitly
 * allowed, plaintext.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ingestServerDefinition, loadContract, queryService, type IngestServerHandlers, type QueryHandlers } from '@neighwatch/proto';

export const SERVICE_NAMES = ['neighwatch.v1.Ingest', 'neighwatch.v1.Query'];

export interface TlsFiles {
  cert?: string;
  key?: string;
  clientCa?: string;
}

export interface ServerOptions {
  host: string;
  port: number;
  tls: TlsFiles;
  maxMessageBytes: number;
}

export function credentials(tls: TlsFiles): grpc.ServerCredentials {
  if (!tls.cert || !tls.key) return grpc.ServerCredentials.createInsecure();
  const read = (what: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new Error(`cannot read ${what} ${path}: ${(error as Error).message}`);
    }
  };
  const ca = tls.clientCa ? read('tls.clientCa', tls.clientCa) : null;
  return grpc.ServerCredentials.createSsl(ca, [{ cert_chain: read('tls.cert', tls.cert), private_key: read('tls.key', tls.key) }], Boolean(ca));
}

export interface RunningServer {
  server: grpc.Server;
  health: HealthImplementation;
  /** The address actually bound ("127.0.0.1:50051"). */
  address: string;
}

export async function startServer(options: ServerOptions, ingest: IngestServerHandlers, query: QueryHandlers): Promise<RunningServer> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': options.maxMessageBytes,
    'grpc.max_send_message_length': 64 * 1024 * 1024,
    // Agents hold one stream for days: keepalives find dead peers behind NAT or a cut cable.
    'grpc.keepalive_time_ms': 60_000,
    'grpc.keepalive_timeout_ms': 20_000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 10_000,
  });
  server.addService(ingestServerDefinition(), ingest);
  server.addService(queryService().service, query);

  const health = new HealthImplementation({ '': 'SERVING', [SERVICE_NAMES[0]]: 'SERVING', [SERVICE_NAMES[1]]: 'SERVING' });
  health.addToServer(server);

  const healthDefinition = protoLoader.loadSync('health/v1/health.proto', { includeDirs: [dirname(dirname(dirname(healthProtoPath)))] });
  new ReflectionService({ ...loadContract().packageDefinition, ...healthDefinition }).addToServer(server);

  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${options.port}`, credentials(options.tls), (error, bound) => (error ? reject(error) : resolve(bound)));
  });
  return { server, health, address: `${host}:${port}` };
}

/** Stops accepting calls, waits up to `graceMs` for running ones, then cuts the rest. */
export async function stopServer(server: grpc.Server, graceMs: number): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
