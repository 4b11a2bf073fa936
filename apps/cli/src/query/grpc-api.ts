/**
 * The Query client over gRPC: what `connect` (connection.ts) returns. Kept apart so that
 * grpc-js loads only for commands that talk to the collector.
 */
import * as grpc from '@grpc/grpc-js';
import type {
  AcknowledgeMismatchRequest,
  GetMismatchRequest,
  ListBindingsRequest,
  ListBindingsResponse__Output,
  ListMismatchesRequest,
  ListMismatchesResponse__Output,
  ListNodesResponse__Output,
  Mismatch__Output,
  MismatchDetail__Output,
  QueryClient,
  Report__Output,
  ReportRequest,
  WatchRequest,
} from '@neighwatch/proto';
import { installFastIsIPv6 } from '../fast-ipv6';
import type { ConnectionSettings, QueryApi } from './connection';
import { queryClientConstructor } from './contract';
import { fromGrpcError, isServiceError } from './errors';

type Callback<T> = (error: grpc.ServiceError | null, value?: T) => void;

export class GrpcQueryApi implements QueryApi {
  private readonly client: QueryClient;

  constructor(readonly settings: ConnectionSettings) {
    installFastIsIPv6();
    const Client = queryClientConstructor();
    const options: grpc.ChannelOptions = {
      // Fail fast on an unreachable collector rather than retrying inside the channel.
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 2000,
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
    };
    let credentials = grpc.credentials.createInsecure();
    if (settings.tls) {
      credentials = grpc.credentials.createSsl(settings.tls.ca ?? null, settings.tls.key ?? null, settings.tls.cert ?? null);
      if (settings.tls.serverName) {
        options['grpc.ssl_target_name_override'] = settings.tls.serverName;
        options['grpc.default_authority'] = settings.tls.serverName;
      }
    }
    this.client = new Client(settings.collector, credentials, options);
  }

  private metadata(): grpc.Metadata {
    const metadata = new grpc.Metadata();
    if (this.settings.token) metadata.set('authorization', `Bearer ${this.settings.token}`);
    return metadata;
  }

  private unary<T>(subject: string | undefined, invoke: (metadata: grpc.Metadata, options: grpc.CallOptions, callback: Callback<T>) => void): Promise<T> {
    const { collector, timeoutMs } = this.settings;
    return new Promise<T>((resolve, reject) => {
      invoke(this.metadata(), { deadline: Date.now() + timeoutMs }, (error, value) => {
        if (error) reject(isServiceError(error) ? fromGrpcError(error, { collector, subject, timeoutMs, tls: Boolean(this.settings.tls) }) : error);
        else resolve(value as T);
      });
    });
  }

  listNodes() {
    return this.unary<ListNodesResponse__Output>(undefined, (m, o, cb) => this.client.listNodes({}, m, o, cb));
  }
  listBindings(request: ListBindingsRequest) {
    return this.unary<ListBindingsResponse__Output>(undefined, (m, o, cb) => this.client.listBindings(request, m, o, cb));
  }
  listMismatches(request: ListMismatchesRequest) {
    return this.unary<ListMismatchesResponse__Output>(undefined, (m, o, cb) => this.client.listMismatches(request, m, o, cb));
  }
  getMismatch(request: GetMismatchRequest) {
    return this.unary<MismatchDetail__Output>(`mismatch ${request.id}`, (m, o, cb) => this.client.getMismatch(request, m, o, cb));
  }
  acknowledgeMismatch(request: AcknowledgeMismatchRequest) {
    return this.unary<Mismatch__Output>(`mismatch ${request.id}`, (m, o, cb) => this.client.acknowledgeMismatch(request, m, o, cb));
  }
  getReport(request: ReportRequest) {
    return this.unary<Report__Output>(undefined, (m, o, cb) => this.client.getReport(request, m, o, cb));
  }
  watch(request: WatchRequest) {
    return this.client.watch(request, this.metadata());
  }
  waitForReady(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.waitForReady(Date.now() + timeoutMs, (error) => {
        if (!error) return resolve();
        reject(
          fromGrpcError(
            Object.assign(new Error(describeChannelFailure(this.client)), {
              code: grpc.status.UNAVAILABLE,
              details: describeChannelFailure(this.client),
              metadata: new grpc.Metadata(),
            }),
            { collector: this.settings.collector, tls: Boolean(this.settings.tls) },
          ),
        );
      });
    });
  }
  close() {
    this.client.close();
  }
}

/** waitForReady only says "deadline passed"; the channel state says a little more. */
function describeChannelFailure(client: grpc.Client): string {
  const state = client.getChannel().getConnectivityState(false);
  return state === grpc.connectivityState.TRANSIENT_FAILURE ? 'connection failed' : 'no connection within the deadline';
}
