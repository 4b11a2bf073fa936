/** apps/cli/src/query/contract-build.mjs: the CLI's Query contract, compiled from proto/. */
export function cliContractSource(protoDir?: string): Promise<string>;
export function cliContractModule(protoDir?: string): Promise<string>;
