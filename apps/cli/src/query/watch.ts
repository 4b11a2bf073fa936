/**
 * `neighwatch watch`: the Watch server stream, printed as events arrive, until the signal
 * aborts. When the stream breaks (collector restart, network), it reconnects with
 * exponential backoff asking for everything since the last event it printed; events it
 * already printed are recognised and skipped, so nothing is lost and nothing is doubled.
 */
import type { MismatchEvent__Output, WatchRequest } from '@neighwatch/proto';
import { paint, renderCsv, type ListingFormat } from '../render/listing';
import type { QueryApi } from './connection';
import { CliError, ExitCode, fromGrpcError, isServiceError, status as grpcStatus } from './errors';
import type { Sinks } from './output';
import { formatLocal } from './time';
import { EVENT_COLUMNS, eventRow } from './views';

export const BACKOFF_START_MS = 250;
export const BACKOFF_MAX_MS = 10_000;
/**
 * The collector sends a heartbeat on idle streams (every 15 s by default). A stream silent
 * for this long is taken as dead (a peer that vanished without closing the connection)
 * and reopened; the replay and the seen-set make that harmless if it was merely quiet.
 */
export const IDLE_RECONNECT_MS = 60_000;
/** Remembered event keys, to drop replays after a reconnect (bounded: oldest forgotten). */
const SEEN_LIMIT = 10_000;

export function nextBackoff(previousMs: number): number {
  return Math.min(BACKOFF_MAX_MS, previousMs === 0 ? BACKOFF_START_MS : previousMs * 2);
}

/** Identity of an event: the same mismatch opened/reopened at the same time. */
export const eventKey = (e: MismatchEvent__Output) => `${e.mismatch?.id ?? 0}:${e.type}:${e.atUs}`;

/** Prints events in the chosen format: table lines under one header, CSV rows under one header, JSON one object per line. */
export class EventPrinter {
  private headerDone = false;
  constructor(
    private readonly format: ListingFormat,
    private readonly sinks: Sinks,
  ) {}

  print(event: MismatchEvent__Output): void {
    const row = eventRow(event);
    if (this.format === 'json') {
      this.sinks.out(`${JSON.stringify(row)}\n`);
      return;
    }
    if (this.format === 'csv') {
      const text = renderCsv({ columns: EVENT_COLUMNS, rows: [row] });
      const [header, ...rest] = text.split('\r\n');
      if (!this.headerDone) this.sinks.out(`${header}\r\n`);
      this.sinks.out(rest.join('\r\n'));
      this.headerDone = true;
      return;
    }
    // A log line per event (no header): rows arrive one at a time, so no shared widths.
    const c = this.sinks.terminal.color;
    const parts = [
      formatLocal(event.atUs),
      paint(row.event.padEnd(8), row.event === 'reopened' ? 'yellow' : 'red', c),
      `#${row.id}`,
      paint(row.kind, 'cyan', c),
      row.ip ?? row.subject,
      row.macs.join(','),
      row.vantagePoints.length ? `at ${row.vantagePoints.join(',')}` : '',
    ].filter(Boolean);
    this.sinks.out(`${parts.join('  ')}${row.summary ? `: ${row.summary}` : ''}\n`);
  }
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

type StreamEnd = { kind: 'aborted' } | { kind: 'ended' } | { kind: 'failed'; error: unknown };

/**
 * Runs until `signal` aborts. Throws only for what a retry cannot fix: an unreachable
 * collector at the start (exit 3), a rejected token (exit 5), a rejected filter (exit 2).
 */
export async function watchMismatches(api: QueryApi, request: WatchRequest, format: ListingFormat, sinks: Sinks, signal: AbortSignal): Promise<void> {
  const printer = new EventPrinter(format, sinks);
  const seen = new Set<string>();
  let sinceUs = Number(request.sinceUs ?? 0);
  let backoff = 0;
  let everConnected = false;
  const collector = api.settings.collector;

  while (!signal.aborted) {
    if (!everConnected) {
      // One ordinary call first: an unreachable collector, a refused token or a rejected
      // filter then fails with the same message and exit code as every other command.
      await api.listMismatches({ kinds: request.kinds, node: request.node, ip: request.ip, mac: request.mac, page: { limit: 1 } });
    } else {
      try {
        await api.waitForReady(Math.max(backoff, BACKOFF_START_MS) * 4);
      } catch {
        backoff = nextBackoff(backoff);
        await sleep(backoff, signal);
        continue;
      }
    }
    if (!everConnected) sinks.err(`neighwatch: watching collector at ${collector} (Ctrl-C to stop)\n`);
    else sinks.err(`neighwatch: reconnected to ${collector}; replaying since ${formatLocal(sinceUs)}\n`);
    everConnected = true;

    const end = await new Promise<StreamEnd>((resolve) => {
      const call = api.watch({ ...request, sinceUs });
      const onAbort = () => call.cancel();
      signal.addEventListener('abort', onAbort, { once: true });
      let settled = false;
      let idle: NodeJS.Timeout | undefined;
      const finish = (result: StreamEnd) => {
        if (settled) return;
        settled = true;
        clearTimeout(idle);
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      };
      const armIdle = () => {
        clearTimeout(idle);
        idle = setTimeout(() => {
          finish({ kind: 'failed', error: Object.assign(new Error('no event or heartbeat'), { code: grpcStatus.UNAVAILABLE, details: `no event or heartbeat for ${IDLE_RECONNECT_MS / 1000}s`, metadata: undefined }) });
          call.cancel();
        }, IDLE_RECONNECT_MS);
        idle.unref();
      };
      armIdle();
      call.on('data', (event: MismatchEvent__Output) => {
        armIdle();
        backoff = 0;
        if (event.type === 'MISMATCH_EVENT_TYPE_HEARTBEAT' || !event.mismatch) return;
        const key = eventKey(event);
        if (seen.has(key)) return;
        seen.add(key);
        if (seen.size > SEEN_LIMIT) seen.delete(seen.values().next().value as string);
        // Resume from this event's time: the collector replays from there inclusively and
        // the seen-set drops what was already printed.
        sinceUs = Math.max(sinceUs, event.atUs);
        printer.print(event);
      });
      call.on('error', (error) => {
        if (signal.aborted || (isServiceError(error) && error.code === grpcStatus.CANCELLED && signal.aborted)) finish({ kind: 'aborted' });
        else finish({ kind: 'failed', error });
      });
      call.on('end', () => finish(signal.aborted ? { kind: 'aborted' } : { kind: 'ended' }));
    });

    if (end.kind === 'aborted' || signal.aborted) return;
    if (end.kind === 'failed') {
      const error = end.error;
      if (isServiceError(error)) {
        const mapped = fromGrpcError(error, { collector });
        if (mapped.exitCode === ExitCode.auth || mapped.exitCode === ExitCode.usage || error.code === grpcStatus.UNIMPLEMENTED) throw mapped;
        sinks.err(`neighwatch: lost the collector at ${collector} (${error.details || error.message}); reconnecting\n`);
      } else {
        throw new CliError(ExitCode.runtime, `watch failed: ${(error as Error).message}`);
      }
    } else {
      sinks.err(`neighwatch: the collector at ${collector} closed the stream; reconnecting\n`);
    }
    backoff = nextBackoff(backoff);
    await sleep(backoff, signal);
  }
}


