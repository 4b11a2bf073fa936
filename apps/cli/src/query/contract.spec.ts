/**
 * The CLI bundle's Query contract is compiled from proto/ at build time
 * (contract-build.mjs); from source it is loaded at run time (@neighwatch/proto).
 * Both must give a user the same thing: every message of query.proto (and what it
 * imports) encodes to the same bytes and decodes to the same object (int64 → number,
 * enums → names, bytes → Buffer, defaults, oneof names), and the service has the same
 * methods, paths and stream directions.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOADER_OPTIONS, loadContract, protoDir } from '@neighwatch/proto';
import { cliContractModule } from './contract-build.mjs';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

interface Codec {
  encode(message: unknown): { finish(): Uint8Array };
  decode(buffer: Uint8Array): unknown;
  fromObject(object: unknown): unknown;
  toObject(message: unknown, options: unknown): unknown;
  name: string;
}
interface MethodDefinition {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  originalName: string;
  requestSerialize(value: unknown): Buffer;
  requestDeserialize(buffer: Buffer): unknown;
  responseSerialize(value: unknown): Buffer;
  responseDeserialize(buffer: Buffer): unknown;
}
interface BuiltContract {
  neighwatch: { v1: Record<string, Codec | Record<string, number>> };
  CONVERSION: Record<string, unknown>;
  queryServiceDefinition: Record<string, MethodDefinition>;
  queryClientConstructor(): { service: Record<string, MethodDefinition> };
}

let dir: string;
let built: BuiltContract;
let root: protobuf.Root;

beforeAll(async () => {
  // The generated module imports npm packages by name; point those at this checkout's.
  const require = createRequire(join(ROOT, 'package.json'));
  const source = await cliContractModule();
  const resolved = source.replace(/from "([^".][^"]*)"|from '([^'.][^']*)'/g, (_m, a?: string, b?: string) => `from ${JSON.stringify(pathToFileURL(require.resolve(a ?? b ?? '')).href)}`);
  dir = mkdtempSync(join(tmpdir(), 'nw-cli-contract-'));
  writeFileSync(join(dir, 'contract.mjs'), resolved);
  built = (await import(pathToFileURL(join(dir, 'contract.mjs')).href)) as BuiltContract;
  root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(protoDir(), target);
  root.loadSync('neighwatch/v1/query.proto', { keepCase: false });
  root.resolveAll();
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Every message type of the package, by name. */
function messageTypes(): protobuf.Type[] {
  const ns = root.lookup('neighwatch.v1') as protobuf.Namespace;
  return ns.nestedArray.filter((n): n is protobuf.Type => n instanceof protobuf.Type);
}

/** A value for every field (no default anywhere), one member set per oneof (`pick`). */
function sample(type: protobuf.Type, pick: number, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    if (field.partOf && field.partOf.oneof[pick % field.partOf.oneof.length] !== field.name) continue;
    const one = (n: number) => value(field, n, pick, depth);
    if (field.map) out[field.name] = { k1: one(1), k2: one(2) };
    else if (field.repeated) out[field.name] = [one(1), one(2)];
    else out[field.name] = one(1);
  }
  return out;
}

function value(field: protobuf.Field, n: number, pick: number, depth: number): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) {
    const names = Object.keys(resolved.values);
    return names[Math.min(n, names.length - 1)];
  }
  if (resolved instanceof protobuf.Type) return depth > 3 ? {} : sample(resolved, pick, depth + 1);
  switch (field.type) {
    case 'string':
      return `${field.name}-${n}`;
    case 'bytes':
      return Buffer.from([0xc4, 0x17, 0xfe, n]);
    case 'bool':
      return true;
    case 'double':
    case 'float':
      return 1.5 * n;
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return -1_764_158_000_123_456 * n;
    case 'uint64':
    case 'fixed64':
      return 1_764_158_000_123_456 * n;
    default:
      return 7 * n; // 32-bit integers
  }
}

/** Samples of a type: nothing set, and every field set with each oneof member in turn. */
function samples(type: protobuf.Type): Record<string, unknown>[] {
  const widest = Math.max(1, ...type.oneofsArray.map((o) => o.oneof.length));
  return [{}, ...Array.from({ length: widest }, (_, pick) => sample(type, pick))];
}

describe('the CLI contract compiled at build time', () => {
  it('has a codec for every message and every enum of the run-time contract', () => {
    const ns = root.lookup('neighwatch.v1') as protobuf.Namespace;
    const typesAndEnums = ns.nestedArray.filter((n) => !(n instanceof protobuf.Service)).map((n) => n.name);
    expect(Object.keys(built.neighwatch.v1).sort()).toEqual(typesAndEnums.sort());
    expect(messageTypes().length).toBeGreaterThan(30);
  });

  it('converts with the run-time loader options', () => {
    expect(built.CONVERSION).toEqual({
      longs: LOADER_OPTIONS.longs,
      enums: LOADER_OPTIONS.enums,
      bytes: LOADER_OPTIONS.bytes,
      defaults: LOADER_OPTIONS.defaults,
      oneofs: LOADER_OPTIONS.oneofs,
    });
  });

  it('encodes every message to the same bytes and decodes them to the same object', () => {
    let checked = 0;
    for (const type of messageTypes()) {
      const codec = built.neighwatch.v1[type.name] as Codec;
      for (const object of samples(type)) {
        const runtimeBytes = type.encode(type.fromObject(object)).finish();
        const builtBytes = codec.encode(codec.fromObject(object)).finish();
        expect(Buffer.from(builtBytes).toString('hex'), type.name).toBe(Buffer.from(runtimeBytes).toString('hex'));
        const runtimeObject = type.toObject(type.decode(runtimeBytes), LOADER_OPTIONS);
        expect(codec.toObject(codec.decode(runtimeBytes), built.CONVERSION), type.name).toStrictEqual(runtimeObject);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(60);
  });

  it('serves the same Query methods, serializing like @grpc/proto-loader', () => {
    const runtime = loadContract().packageDefinition['neighwatch.v1.Query'] as unknown as Record<string, MethodDefinition>;
    const service = built.queryClientConstructor().service;
    expect(Object.keys(service).sort()).toEqual(Object.keys(runtime).sort());
    for (const [name, method] of Object.entries(runtime)) {
      const ours = service[name];
      expect({ path: ours.path, requestStream: ours.requestStream, responseStream: ours.responseStream, originalName: ours.originalName }).toEqual({
        path: method.path,
        requestStream: method.requestStream,
        responseStream: method.responseStream,
        originalName: method.originalName,
      });
      const requestType = root.lookupType(methodTypes(name).request);
      const responseType = root.lookupType(methodTypes(name).response);
      for (const request of samples(requestType)) {
        const bytes = method.requestSerialize(request);
        expect(Buffer.from(ours.requestSerialize(request)).equals(Buffer.from(bytes)), name).toBe(true);
        expect(ours.requestDeserialize(bytes)).toStrictEqual(method.requestDeserialize(bytes));
      }
      for (const response of samples(responseType)) {
        const bytes = method.responseSerialize(response);
        expect(Buffer.from(ours.responseSerialize(response)).equals(Buffer.from(bytes)), name).toBe(true);
        expect(ours.responseDeserialize(bytes)).toStrictEqual(method.responseDeserialize(bytes));
      }
    }
  });

  it('refuses an array where a message belongs, like the run-time contract', () => {
    const runtime = loadContract().packageDefinition['neighwatch.v1.Query'] as unknown as Record<string, MethodDefinition>;
    const ours = built.queryServiceDefinition.ListMismatches;
    expect(() => runtime.ListMismatches.requestSerialize([])).toThrow(/expected object with ListMismatchesRequest structure/);
    expect(() => ours.requestSerialize([])).toThrow(/expected object with ListMismatchesRequest structure/);
  });
});

function methodTypes(name: string): { request: string; response: string } {
  const method = root.lookupService('neighwatch.v1.Query').methods[name];
  return { request: method.resolvedRequestType!.fullName.slice(1), response: method.resolvedResponseType!.fullName.slice(1) };
}
