// Builds the `neighwatch` CLI's view of the Query contract at bundle time, from
// proto/neighwatch/v1/query.proto (the one source): protobufjs static code (encode,
// decode, fromObject, toObject per message; `pbjs -t static-module`) plus the service
// definition gRPC clients are made from. The CLI bundle then starts without parsing .proto
// text, building reflection objects or generating codecs at run time (~30 ms of CPU per
// command). The conversions are the ones @neighwatch/proto's loader makes (LOADER_OPTIONS:
// int64 → number, enums → names, bytes → Buffer, defaults on, oneof names set);
// contract.spec.ts checks both give the same messages and bytes.
import protobuf from 'protobufjs';
import { pbjs } from 'protobufjs-cli';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const FILE = 'neighwatch/v1/query.proto';
const SERVICE = 'neighwatch.v1.Query';

/** protobufjs static code for every message of `FILE` (and what it imports), as ES module text. */
function staticCode(protoDir) {
  const args = ['-t', 'static-module', '-w', 'es6', '--no-create', '--no-verify', '--no-delimited', '--no-typeurl', '--no-service', '--no-comments', '--no-beautify', '-p', protoDir, FILE];
  return new Promise((resolve, reject) => pbjs.main(args, (error, output) => (error ? reject(error) : resolve(output))));
}

/** `ListMismatches` → `listMismatches`, as @grpc/proto-loader names the second method alias. */
const lowerFirst = (name) => name.charAt(0).toLowerCase() + name.slice(1);

/** The service definition: what grpc-js `makeGenericClientConstructor` takes. */
function serviceCode(protoDir) {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => `${protoDir}/${target}`;
  root.loadSync(FILE, { keepCase: false });
  root.resolveAll();
  const service = root.lookupService(SERVICE);
  const cls = (type) => `$root${type.fullName}`;
  const methods = service.methodsArray.map((m) => {
    const req = cls(m.resolvedRequestType);
    const res = cls(m.resolvedResponseType);
    return `  ${JSON.stringify(m.name)}: {
    path: ${JSON.stringify(`/${SERVICE}/${m.name}`)},
    requestStream: ${Boolean(m.requestStream)},
    responseStream: ${Boolean(m.responseStream)},
    requestSerialize: serializer(${req}),
    requestDeserialize: deserializer(${req}),
    responseSerialize: serializer(${res}),
    responseDeserialize: deserializer(${res}),
    originalName: ${JSON.stringify(lowerFirst(m.name))},
  },`;
  });
  return `
/** The loader options of @neighwatch/proto (LOADER_OPTIONS), applied when decoding. */
export const CONVERSION = { longs: Number, enums: String, bytes: Buffer, defaults: true, oneofs: true };
function serializer(cls) {
  return (value) => {
    if (Array.isArray(value)) throw new Error(\`Failed to serialize message: expected object with \${cls.name} structure, got array instead\`);
    return cls.encode(cls.fromObject(value)).finish();
  };
}
function deserializer(cls) {
  return (buffer) => cls.toObject(cls.decode(buffer), CONVERSION);
}
export const queryServiceName = ${JSON.stringify(SERVICE)};
export const queryServiceDefinition = {
${methods.join('\n')}
};
`;
}

/** The whole module: static message code, then the service definition. */
export async function cliContractSource(protoDir = `${ROOT}proto`) {
  return `// Generated from ${FILE} by apps/cli/src/query/contract-build.mjs at build time; do not edit.\n${await staticCode(protoDir)}\n${serviceCode(protoDir)}`;
}

/**
 * What the CLI bundle loads instead of apps/cli/src/query/contract.ts: the same export
 * (`queryClientConstructor`), made from the build-time contract.
 */
export async function cliContractModule(protoDir) {
  return `${await cliContractSource(protoDir)}
import { makeGenericClientConstructor } from '@grpc/grpc-js';
let constructor;
export function queryClientConstructor() {
  return (constructor ??= makeGenericClientConstructor(queryServiceDefinition, 'Query', {}));
}
`;
}
