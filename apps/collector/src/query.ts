/**
 * The Query service (the CLI's side). Each handler: check the read token, validate the
 * request's filters (bad text names the field), ask the store, map rows to proto. All
 * errors go through toStatus.
 */
import { status, type Metadata, type ServerWritableStream, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import type { Logger } from '@neighwatch/config';
import { explain } from '@neighwatch/correlate';
import type { MismatchKind } from '@neighwatch/model';
import type { Page, QueryHandlers, WatchRequest__Output, MismatchEvent as ProtoMismatchEvent } from '@neighwatch/proto';
import type { MismatchEvent, MismatchFilter, MismatchStateFilter, PageRequest, ReportBucket } from '@neighwatch/store';
import { normalizeIp, normalizeMac } from '@neighwatch/packet';
import type { Authenticator } from './auth';
import type { Collector } from './collector';
import { bindingToProto, eventToProto, evidenceToProto, kindFromProto, mismatchToProto, nodeToProto } from './convert';
import { AccessError, InvalidArgument, Overloaded, serviceError, toStatus } from './status';
import { validateNodeName, FieldError } from './validate';

export interface QueryContext {
  collector: Collector;
  auth: Authenticator;
  log: Logger;
  heartbeatMs: number;
  /** Open Watch streams, for shutdown. */
  watches: Set<ServerWritableStream<WatchRequest__Output, ProtoMismatchEvent>>;
}

const MAX_PAGE = 10_000;
/** A Watch client this many events behind is cut off; it reconnects with since_us and misses nothing. */
const WATCH_MAX_BUFFERED = 10_000;
const MAX_TEXT = 1024;
const DAY_US = 86_400e6;
/** Report buckets: hours up to this range, days beyond (query.proto). */
const HOURLY_REPORT_MAX_US = 3 * DAY_US;

function authorize(ctx: QueryContext, metadata: Metadata): void {
  const decision = ctx.auth.authorize(metadata.get('authorization'), 'reader');
  if (!decision.ok) throw new AccessError(decision.code, decision.message);
}

function ipFilter(field: string, text: string): string | undefined {
  if (text === '') return undefined;
  const ip = normalizeIp(text);
  if (!ip) throw new InvalidArgument(field, `"${text}" is not an IPv4 or IPv6 address`);
  return ip;
}

function macFilter(field: string, text: string): string | undefined {
  if (text === '') return undefined;
  const mac = normalizeMac(text);
  if (!mac) throw new InvalidArgument(field, `"${text}" is not a MAC address (aa:bb:cc:dd:ee:ff)`);
  return mac;
}

function nodeFilter(field: string, text: string): string | undefined {
  if (text === '') return undefined;
  try {
    validateNodeName(field, text);
  } catch (error) {
    if (error instanceof FieldError) throw new InvalidArgument(field, error.problem);
    throw error;
  }
  return text;
}

function timeFilter(field: string, value: number): number | undefined {
  if (value === 0) return undefined;
  if (!Number.isSafeInteger(value) || value < 0) throw new InvalidArgument(field, `${value} is not a time in microseconds since the epoch`);
  return value;
}

function pageOf(page: Page | null | undefined): PageRequest {
  if (!page) return {};
  const limit = page.limit ?? 0;
  if (limit > MAX_PAGE) throw new InvalidArgument('page.limit', `${limit}, at most ${MAX_PAGE}`);
  if ((page.cursor ?? '').length > MAX_TEXT) throw new InvalidArgument('page.cursor', 'too long');
  return { limit: limit || undefined, cursor: page.cursor || undefined };
}

function kindsOf(field: string, values: readonly unknown[]): MismatchKind[] | undefined {
  if (values.length === 0) return undefined;
  return values.map((v, i) => {
    const kind = kindFromProto(v);
    if (!kind) throw new InvalidArgument(`${field}[${i}]`, `${String(v)} is not a mismatch kind`);
    return kind;
  });
}

const STATE_FILTER: Record<string, MismatchStateFilter> = {
  MISMATCH_STATE_UNSPECIFIED: 'active',
  MISMATCH_STATE_OPEN: 'open',
  MISMATCH_STATE_ACKNOWLEDGED: 'acknowledged',
  MISMATCH_STATE_RESOLVED: 'resolved',
  MISMATCH_STATE_ALL: 'all',
};

function text(field: string, value: string, max: number): string {
  if (value.length > max) throw new InvalidArgument(field, `${value.length} characters, at most ${max}`);
  return value;
}

/** Runs a unary handler body; every error becomes a status through toStatus. */
function unary<Req, Res>(ctx: QueryContext, body: (request: Req) => Promise<Res>) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    Promise.resolve()
      .then(() => authorize(ctx, call.metadata))
      .then(() => body(call.request))
      .then(
        (response) => callback(null, response),
        (error: unknown) => {
          const s = toStatus(error);
          if (s.code === status.INTERNAL) ctx.log.error('query failed', { error });
          callback(serviceError(s), null);
        },
      );
  };
}

export function watchMatches(filter: { kinds?: MismatchKind[]; node?: string; ip?: string; mac?: string }, e: MismatchEvent): boolean {
  const m = e.mismatch;
  if (filter.kinds && !filter.kinds.includes(m.kind)) return false;
  if (filter.node && m.node !== filter.node && !m.vantagePoints.some((v) => v.node === filter.node)) return false;
  if (filter.ip && m.ip !== filter.ip) return false;
  if (filter.mac && !m.macs.includes(filter.mac)) return false;
  return true;
}

export function queryHandlers(ctx: QueryContext): QueryHandlers {
  const { collector } = ctx;
  const store = collector.store;
  return {
    ListNodes: unary(ctx, async () => {
      const nodes = await store.listNodes();
      return {
        nodes: nodes.map((n) => nodeToProto(n, collector.isConnected(n.name), collector.clockOffset(n.name) ?? n.clockOffsetUs)),
      };
    }),

    ListBindings: unary(ctx, async (req) => {
      const page = await store.listBindings(
        {
          ip: ipFilter('ip', req.ip),
          mac: macFilter('mac', req.mac),
          node: nodeFilter('node', req.node),
          sinceUs: timeFilter('since_us', req.sinceUs),
        },
        pageOf(req.page),
      );
      return { bindings: page.items.map(bindingToProto), nextCursor: page.nextCursor };
    }),

    ListMismatches: unary(ctx, async (req) => {
      const state = STATE_FILTER[req.state as string];
      if (!state) throw new InvalidArgument('state', `${String(req.state)} is not a mismatch state`);
      const filter: MismatchFilter = {
        kinds: kindsOf('kinds', req.kinds),
        node: nodeFilter('node', req.node),
        ip: ipFilter('ip', req.ip),
        mac: macFilter('mac', req.mac),
        state,
        sinceUs: timeFilter('since_us', req.sinceUs),
        untilUs: timeFilter('until_us', req.untilUs),
        includeSuppressed: req.includeSuppressed,
      };
      const page = await store.listMismatches(filter, pageOf(req.page));
      return { mismatches: page.items.map(mismatchToProto), nextCursor: page.nextCursor, suppressed: page.suppressed };
    }),

    GetMismatch: unary(ctx, async (req) => {
      if (!Number.isSafeInteger(req.id) || req.id <= 0) throw new InvalidArgument('id', `${req.id} is not a mismatch id`);
      const detail = await store.getMismatch(req.id);
      return {
        mismatch: mismatchToProto(detail.mismatch),
        explanation: explain(detail.mismatch, collector.nodeNames()),
        evidence: detail.evidence.map(evidenceToProto),
        history: detail.history.map((h) => ({ state: `MISMATCH_STATE_${h.state.toUpperCase()}` as 'MISMATCH_STATE_OPEN', atUs: h.atUs, by: h.by, note: h.note })),
      };
    }),

    AcknowledgeMismatch: unary(ctx, async (req) => {
      if (!Number.isSafeInteger(req.id) || req.id <= 0) throw new InvalidArgument('id', `${req.id} is not a mismatch id`);
      const by = text('by', req.by.trim(), 256) || 'unknown';
      const note = text('note', req.note, MAX_TEXT);
      const row = await store.acknowledge({ id: req.id, by, note, atUs: Date.now() * 1000 });
      ctx.log.info('mismatch acknowledged', { id: req.id, by });
      return mismatchToProto(row);
    }),

    GetReport: unary(ctx, async (req) => {
      const now = Date.now() * 1000;
      const untilUs = timeFilter('until_us', req.untilUs) ?? now;
      const sinceUs = timeFilter('since_us', req.sinceUs) ?? untilUs - DAY_US;
      if (sinceUs >= untilUs) throw new InvalidArgument('since_us', 'must be before until_us');
      let bucket: ReportBucket;
      if (req.bucket === 'REPORT_BUCKET_HOUR') bucket = 'hour';
      else if (req.bucket === 'REPORT_BUCKET_DAY') bucket = 'day';
      else if (req.bucket === 'REPORT_BUCKET_UNSPECIFIED') bucket = untilUs - sinceUs <= HOURLY_REPORT_MAX_US ? 'hour' : 'day';
      else throw new InvalidArgument('bucket', `${String(req.bucket)} is not a report bucket`);
      if (req.top > 1000) throw new InvalidArgument('top', `${req.top}, at most 1000`);
      const r = await store.report({ sinceUs, untilUs, bucket, top: req.top || 10 });
      const rows = (list: typeof r.top) => list.map(mismatchToProto);
      return {
        sinceUs: r.sinceUs,
        untilUs: r.untilUs,
        bucket: r.bucket === 'hour' ? 'REPORT_BUCKET_HOUR' : 'REPORT_BUCKET_DAY',
        occurrences: r.occurrences,
        byKind: r.byKind,
        byNode: r.byNode,
        byIp: r.byIp,
        timeline: r.timeline.map((t) => ({ bucketStartUs: t.bucketStartUs, kind: `MISMATCH_KIND_${t.kind}` as 'MISMATCH_KIND_UNSPECIFIED', occurrences: t.occurrences })),
        top: rows(r.top),
        opened: rows(r.opened),
        resolved: rows(r.resolved),
        stillOpen: rows(r.stillOpen),
        generatedUs: now,
      };
    }),

    Watch: (call) => watch(ctx, call),
  };
}

function watch(ctx: QueryContext, call: ServerWritableStream<WatchRequest__Output, ProtoMismatchEvent>): void {
  let done = false;
  let timer: NodeJS.Timeout | null = null;
  let unsubscribe: (() => void) | null = null;
  const cleanup = () => {
    if (done) return;
    done = true;
    if (timer) clearInterval(timer);
    unsubscribe?.();
    ctx.watches.delete(call);
  };
  const fail = (error: unknown) => {
    const s = toStatus(error);
    cleanup();
    call.emit('error', serviceError(s));
  };
  call.on('cancelled', cleanup);
  call.on('close', cleanup);
  call.on('finish', cleanup);
  call.on('error', cleanup);

  let filter: { kinds?: MismatchKind[]; node?: string; ip?: string; mac?: string };
  let sinceUs: number | undefined;
  try {
    authorize(ctx, call.metadata);
    const req = call.request;
    filter = { kinds: kindsOf('kinds', req.kinds), node: nodeFilter('node', req.node), ip: ipFilter('ip', req.ip), mac: macFilter('mac', req.mac) };
    sinceUs = timeFilter('since_us', req.sinceUs);
  } catch (error) {
    fail(error);
    return;
  }
  ctx.watches.add(call);

  // Subscribe before replaying, so nothing committed in between is missed; events are
  // sent once, in id order, whichever path delivers them first.
  let lastId = 0;
  let replaying = true;
  const held: MismatchEvent[] = [];
  const deliver = (e: MismatchEvent) => {
    if (done || e.id <= lastId || !watchMatches(filter, e)) return;
    lastId = e.id;
    if (call.writableLength >= WATCH_MAX_BUFFERED) {
      fail(new Overloaded('the watch client is too slow to keep up: reconnect with since_us to resume'));
      return;
    }
    call.write(eventToProto(e));
  };
  unsubscribe = ctx.collector.onEvents((events) => {
    if (replaying) held.push(...events);
    else for (const e of events) deliver(e);
  });
  timer = setInterval(() => {
    if (!done) call.write({ type: 'MISMATCH_EVENT_TYPE_HEARTBEAT', atUs: Date.now() * 1000 });
  }, ctx.heartbeatMs);

  const replay = async () => {
    if (sinceUs !== undefined) {
      let afterId = 0;
      for (;;) {
        const page = await ctx.collector.store.eventsSince({ sinceUs, afterId, types: ['opened', 'reopened'], limit: 1000 });
        for (const e of page) deliver(e);
        if (page.length < 1000) break;
        afterId = page[page.length - 1].id;
      }
    }
    replaying = false;
    held.sort((a, b) => a.id - b.id);
    for (const e of held.splice(0)) deliver(e);
  };
  replay().catch(fail);
}
