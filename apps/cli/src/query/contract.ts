/**
 * The client constructor of the collector's Query service. From source (unit tests, tsx),
 * it comes from @neighwatch/proto, which parses proto/neighwatch/v1/*.proto at run time.
 * The bundle (`node tools/build.mjs cli`) replaces this module with the same contract
 * compiled at build time from the same .proto files (contract-build.mjs): every
 * command then starts without parsing the contract. contract.spec.ts checks that both
 * give the same messages, bytes and methods.
 */
import type { ChannelCredentials, ChannelOptions } from '@grpc/grpc-js';
import { queryService, type QueryClient } from '@neighwatch/proto';

export type QueryClientConstructor = new (address: string, credentials: ChannelCredentials, options?: ChannelOptions) => QueryClient;

export function queryClientConstructor(): QueryClientConstructor {
  return queryService();
}
