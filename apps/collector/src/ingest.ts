/**
 * The Ingest service: one bidirectional stream per agent. Authentication happens when
 * the stream opens (token → node), the Hello must come first and name the token's node,
 * then batches are validated, rate-limited and handed to the group committer; each is
 * answered with an Ack once committed, or an in-band Rejection. A bad batch never ends
 * the stream; a missing or malformed Hello does, and so do bytes that are not an
 * AgentMessage at all (INVALID_ARGUMENT with the decoder's reason).
 */
import { status, type ServerDuplexStream } from '@grpc/grpc-js';
import { LogRateLimiter, type Logger } from '@neighwatch/config';
import type { CollectorMessage, IngestRequest, IngestServerHandlers } from '@neighwatch/proto';
import { checkHelloNode, type Authenticator } from './auth';
import type { Collector } from './collector';
import { AccessError, InvalidArgument, toStatus, type StatusObject } from './status';

/** A stream stops reading while this many of its observations wait for a commit. */
export const STREAM_HIGH_WATER_ROWS = 20_000;
/** …and every stream stops reading while the committer holds this many rows. */
export const GLOBAL_HIGH_WATER_ROWS = 200_000;

type IngestCall = ServerDuplexStream<IngestRequest, CollectorMessage>;

/** Refused streams (bad tokens, a misconfigured agent retrying) log once per code per minute, with how many were held back. */
const endedLogLimiter = new LogRateLimiter(60_000);

export interface IngestContext {
  collector: Collector;
  auth: Authenticator;
  log: Logger;
  /** Open streams, for shutdown. */
  streams: Set<IngestCall>;
}

export function ingestHandlers(ctx: IngestContext): IngestServerHandlers {
  return {
    Stream: (call: IngestCall) => handleStream(ctx, call),
  };
}

function handleStream(ctx: IngestContext, call: IngestCall): void {
  const { collector, log } = ctx;
  const metrics = collector.metrics;
  let ended = false;
  let node: string | null = null;
  let inflightRows = 0;
  let paused = false;
  /** Acks not yet sent: the stream's own close waits for them. */
  const outstanding = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    outstanding.add(p);
    p.finally(() => outstanding.delete(p)).catch(() => undefined);
  };
  // Messages are handled one after another: the Hello's store write must finish before
  // the first batch is looked at, and acks must leave in batch order.
  let chain: Promise<void> = Promise.resolve();

  const finish = (s: StatusObject) => {
    if (ended) return;
    ended = true;
    metrics.streamErrors.inc({ code: status[s.code] });
    const held = s.code === status.UNAVAILABLE ? 0 : endedLogLimiter.take(status[s.code]);
    if (held !== undefined) log.info('ingest stream ended', { node, code: status[s.code], reason: s.details, peer: call.getPeer(), heldBack: held || undefined });
    call.emit('error', { code: s.code, details: s.details, message: s.details });
  };

  const send = (message: CollectorMessage) => {
    if (!ended && !call.cancelled) call.write(message);
  };

  const maybeResume = () => {
    if (paused && inflightRows < STREAM_HIGH_WATER_ROWS && collector.pendingRows < GLOBAL_HIGH_WATER_ROWS) {
      paused = false;
      call.resume();
    }
  };

  const decision = ctx.auth.authorize(call.metadata.get('authorization'), 'agent');
  if (!decision.ok) {
    finish(toStatus(new AccessError(decision.code, decision.message)));
    return;
  }
  if (collector.isDraining) {
    finish({ code: status.UNAVAILABLE, details: 'the collector is shutting down: reconnect later' });
    return;
  }
  const principal = decision.principal;
  ctx.streams.add(call);

  const handle = async (message: IngestRequest) => {
    if (ended) return;
    // Bytes that are not an AgentMessage: the client's fault, and nothing after them on
    // this stream can be trusted to line up.
    if (message.body === 'malformed') throw new InvalidArgument('malformed AgentMessage', message.reason);
    if (node === null) {
      if (message.body !== 'hello') throw new InvalidArgument(message.body ?? 'body', 'the first message on a stream must be a Hello');
      const hello = message.hello;
      if (hello) {
        const allowed = checkHelloNode(principal, hello.node);
        if (!allowed.ok) throw new AccessError(allowed.code, allowed.message);
      }
      const reply = await collector.hello(hello);
      node = reply.node;
      collector.streamOpened(node);
      log.info('agent connected', { node, peer: call.getPeer(), committedSequence: reply.committedSequence, clockOffsetUs: reply.clockOffsetUs });
      send({ helloReply: { collectorTimeUs: reply.collectorTimeUs, committedSequence: reply.committedSequence, clockOffsetUs: reply.clockOffsetUs } });
      return;
    }
    const current = node;
    switch (message.body) {
      case 'hello':
        throw new InvalidArgument('hello', 'a stream carries one Hello, first');
      case 'observations': {
        const batch = message.observations!;
        const outcome = collector.batch(current, batch);
        if (outcome.kind === 'rejected') {
          send({
            rejection: {
              code: status[outcome.code],
              message: outcome.message,
              firstSequence: outcome.first,
              lastSequence: outcome.last,
              retryAfterMs: outcome.retryAfterMs,
            },
          });
          if (outcome.code === 'INVALID_ARGUMENT') log.warn('batch rejected', { node: current, reason: outcome.message });
          if (outcome.committed) {
            track(
              outcome.committed.then(
                (committed) => {
                  metrics.acks.inc();
                  send({ ack: { committedSequence: committed } });
                },
                (error: unknown) => finish(toStatus(error)),
              ),
            );
          }
          return;
        }
        const rows = batch.observations.length;
        inflightRows += rows;
        if (!paused && (inflightRows >= STREAM_HIGH_WATER_ROWS || collector.pendingRows >= GLOBAL_HIGH_WATER_ROWS)) {
          paused = true;
          call.pause();
        }
        track(
          outcome.committed.then(
            (committed) => {
              inflightRows -= rows;
              metrics.acks.inc();
              send({ ack: { committedSequence: committed } });
              maybeResume();
            },
            (error: unknown) => {
              inflightRows -= rows;
              finish(toStatus(error));
            },
          ),
        );
        return;
      }
      case 'inventory':
        try {
          await collector.inventory(current, message.inventory!);
        } catch (error) {
          rejectInBand(error);
        }
        return;
      case 'neighbors':
        try {
          await collector.neighbors(current, message.neighbors!);
        } catch (error) {
          rejectInBand(error);
        }
        return;
      default:
        throw new InvalidArgument('body', 'empty message: expected hello, inventory, neighbors or observations');
    }
  };

  /** A bad inventory or neighbor snapshot is refused in band; the stream goes on. */
  const rejectInBand = (error: unknown) => {
    const s = toStatus(error);
    if (s.code !== status.INVALID_ARGUMENT) throw error;
    metrics.rejections.inc({ code: 'INVALID_ARGUMENT' });
    log.warn('message rejected', { node, reason: s.details });
    send({ rejection: { code: s.code, message: s.details, firstSequence: 0, lastSequence: 0, retryAfterMs: 0 } });
  };

  call.on('data', (message: IngestRequest) => {
    chain = chain.then(() => handle(message)).catch((error: unknown) => finish(toStatus(error)));
  });
  call.on('end', () => {
    // The agent closed its side: answer what is in flight, then close ours.
    chain = chain.then(async () => {
      await Promise.allSettled([...outstanding]);
      if (!ended) {
        ended = true;
        call.end();
      }
    });
  });
  let cleaned = false;
  const cleanup = () => {
    ended = true;
    if (cleaned) return;
    cleaned = true;
    ctx.streams.delete(call);
    if (node !== null) {
      collector.streamClosed(node);
      log.info('agent disconnected', { node });
    }
  };
  call.on('error', () => undefined);
  call.on('cancelled', cleanup);
  call.on('finish', cleanup);
  call.on('close', cleanup);
}

/** Ends every open ingest stream (shutdown, after the last commit's acks went out). */
export function endStreams(streams: Set<IngestCall>, details: string): void {
  for (const call of streams) call.emit('error', { code: status.UNAVAILABLE, details, message: details });
  streams.clear();
}
