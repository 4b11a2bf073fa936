/**
 * The store on its own thread. better-sqlite3 is synchronous: a commit (with its fsync)
 * blocks the thread that runs it. On the main thread that would stop gRPC reads,
 * validation and correlation for the length of every transaction; on a worker thread
 * the next group of batches is received and prepared while the previous one commits.
 * Calls are proxied as messages; the Store interface, and its error classes, are the same
 * on both sides. `commitIngest`, the hot one, sends its unit packed into one ArrayBuffer
 * that is transferred, not copied (see ingest-pack.ts); the rare calls use structured clone.
 */
import { Worker, parentPort } from 'node:worker_threads';
import { openStore, StoreConflictError, StoreError, StoreNotFoundError, type IngestUnit, type Store, type StoreOptions } from '@neighwatch/store';
import { packIngestUnit, recyclePacked, unpackIngestUnit } from './ingest-pack.js';

/** Every Store method, checked against the interface by the compiler. */
const METHODS = [
  'commitIngest',
  'upsertHello',
  'replaceInventory',
  'applyNeighborSnapshot',
  'committedSequence',
  'listNodes',
  'neighborCache',
  'listBindings',
  'listMismatches',
  'getMismatch',
  'acknowledge',
  'report',
  'eventsSince',
  'resolveQuiet',
  'prune',
  'recentObservations',
  'close',
] as const satisfies readonly Exclude<keyof Store, 'file'>[];
type Method = (typeof METHODS)[number];

interface Call {
  id: number;
  method: Method;
  args: unknown[];
  /** commitIngest: the unit, packed (args is then empty). */
  packed?: ArrayBuffer;
}
/** `packed`: a commitIngest's buffer handed back once the thread has finished reading it. */
type Reply = ({ id: number; ok: true; value: unknown } | { id: number; ok: false; error: { name: string; message: string; fields?: string[] } }) & {
  packed?: ArrayBuffer;
};
type Hello = { ready: true; file: string } | { ready: false; error: { name: string; message: string } };

/** Marks the worker that `serveStoreThread` should run in. */
export const STORE_THREAD = 'neighwatch-store';

function revive(e: { name: string; message: string; fields?: string[] }): Error {
  if (e.name === 'StoreNotFoundError') return new StoreNotFoundError(e.message);
  if (e.name === 'StoreConflictError') return new StoreConflictError(e.message, e.fields);
  if (e.name === 'StoreError') return new StoreError(e.message);
  const error = new Error(e.message);
  error.name = e.name;
  return error;
}

/**
 * Opens the store on a worker thread running `entry` (this bundle) and returns a Store
 * whose methods run there. `onFatal` is called if the thread dies.
 */
export async function openThreadedStore(options: StoreOptions, entry: URL, onFatal: (error: Error) => void): Promise<Store> {
  const worker = new Worker(entry, { workerData: { role: STORE_THREAD, options } });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let closing = false;
  let dead: Error | null = null;

  const file = await new Promise<string>((resolve, reject) => {
    worker.once('message', (hello: Hello) => (hello.ready ? resolve(hello.file) : reject(revive(hello.error))));
    worker.once('error', reject);
  });

  worker.on('message', (reply: Reply) => {
    if (reply.packed) recyclePacked(reply.packed);
    const call = pending.get(reply.id);
    if (!call) return;
    pending.delete(reply.id);
    if (reply.ok) call.resolve(reply.value);
    else call.reject(revive(reply.error));
  });
  const die = (error: Error) => {
    if (dead) return;
    dead = error;
    for (const call of pending.values()) call.reject(error);
    pending.clear();
    if (!closing) onFatal(error);
  };
  worker.on('error', (error) => die(new StoreError(`the store thread failed: ${error.message}`)));
  worker.on('exit', (code) => die(new StoreError(`the store thread exited (${code})`)));

  const call = (method: Method, args: unknown[]) => {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, method, args } satisfies Call);
    });
  };

  const store = { file } as Record<string, unknown>;
  for (const method of METHODS) store[method] = (...args: unknown[]) => call(method, args);
  store.commitIngest = (unit: IngestUnit) => {
    if (dead) return Promise.reject(dead);
    let packed: ArrayBuffer;
    try {
      packed = packIngestUnit(unit);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, method: 'commitIngest', args: [], packed } satisfies Call, [packed]);
    });
  };
  store.close = async () => {
    closing = true;
    await call('close', []);
    await worker.terminate();
  };
  return store as unknown as Store;
}

/** The worker side: opens the store and answers calls until closed. */
export async function serveStoreThread(options: StoreOptions): Promise<void> {
  const port = parentPort!;
  let store: Store;
  try {
    store = await openStore(options);
  } catch (error) {
    const e = error as Error;
    port.postMessage({ ready: false, error: { name: e.name, message: e.message } } satisfies Hello);
    return;
  }
  port.postMessage({ ready: true, file: store.file } satisfies Hello);
  port.on('message', (call: Call) => {
    const fn = (store[call.method] as (...a: unknown[]) => Promise<unknown>).bind(store);
    const run = async () => fn(...(call.packed ? [unpackIngestUnit(call.packed)] : call.args));
    // The unit's frames are views of its packed buffer; once the call has settled nothing
    // reads them, and the buffer goes back to be packed into again.
    const packed = call.packed ? { packed: call.packed } : {};
    const transfer = call.packed ? [call.packed] : [];
    run().then(
      (value) => port.postMessage({ id: call.id, ok: true, value, ...packed } satisfies Reply, transfer),
      (error: unknown) => {
        const e = error instanceof Error ? error : new Error(String(error));
        const fields = e instanceof StoreConflictError ? e.fields : undefined;
        port.postMessage({ id: call.id, ok: false, error: { name: e.name, message: e.message, fields }, ...packed } satisfies Reply, transfer);
      },
    );
  });
}
