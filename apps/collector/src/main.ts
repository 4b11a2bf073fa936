/**
 * neighwatch-collector: receives agents' observations over gRPC, correlates them,
 * stores mismatches in SQLite and answers the CLI. This file is process life only:
 * configuration, start-up order, signals, exit codes.
 */
import { ConfigError, EXIT_CONFIG, createLogger, formatConfig, helpText, loadConfig, type Logger } from '@neighwatch/config';
import { openStore, type Store } from '@neighwatch/store';
import { isMainThread, workerData } from 'node:worker_threads';
import { status } from '@grpc/grpc-js';
import type { Server } from 'node:http';
import { Allowlist } from './allowlist';
import { Authenticator } from './auth';
import { Collector } from './collector';
import { checkConsistency, collectorSchema, isLoopback, loadTokens, parseListen, type CollectorConfig } from './config';
import { Correlation } from './correlation';
import type { GroupCommitOptions } from './group-commit';
import { endStreams, ingestHandlers, type IngestContext } from './ingest';
import { Maintenance } from './maintenance';
import { CollectorMetrics, serveMetrics } from './metrics';
import { queryHandlers, type QueryContext } from './query';
import { SERVICE_NAMES, startServer, stopServer } from './server';
import { openThreadedStore, serveStoreThread, STORE_THREAD } from './store-thread';
import { DEFAULT_LIMITS } from './validate';

const VERSION = '0.1.0';
/** Longest a graceful stop waits for in-flight calls before cutting them. */
const SHUTDOWN_GRACE_MS = 5_000;

const USAGE = `usage: neighwatch-collector [--config FILE] [options]

Receives ARP/NDP observations from neighwatch agents over gRPC, finds where MAC
addresses get rewritten or contradicted, stores mismatches with evidence in SQLite,
and serves the neighwatch CLI.

  --config FILE     YAML or JSON configuration file (also NEIGHWATCH_CONFIG)
  --print-config    print the effective configuration (secrets redacted) and exit
  --version         print the version and exit
  -h, --help        this help

Every key below can be set in the file, as NEIGHWATCH_<KEY> in the environment, or as a flag
(precedence: flag > environment > file > default):

`;

async function main(argv: string[]): Promise<number> {
  let loaded;
  try {
    loaded = loadConfig(collectorSchema, { argv });
    if (loaded.standard.help) {
      process.stdout.write(USAGE + helpText(collectorSchema));
      return 0;
    }
    if (loaded.standard.version) {
      process.stdout.write(`neighwatch-collector ${VERSION}\n`);
      return 0;
    }
    if (loaded.positionals.length) throw new ConfigError(`unexpected argument "${loaded.positionals[0]}" (see --help)`, loaded.positionals[0], 'flag');
    checkConsistency(loaded.config);
    if (loaded.standard.printConfig) {
      process.stdout.write(formatConfig(collectorSchema, loaded.config));
      return 0;
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`neighwatch-collector: ${error.message}\n`);
      return EXIT_CONFIG;
    }
    throw error;
  }
  const config = loaded.config;
  const log = createLogger({ level: config.logLevel, format: config.logFormat, name: 'neighwatch-collector' });
  let tokens;
  try {
    tokens = loadTokens(config);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`neighwatch-collector: ${error.message}\n`);
      return EXIT_CONFIG;
    }
    throw error;
  }
  return run(config, new Authenticator(tokens), tokens, log);
}

async function run(config: CollectorConfig, auth: Authenticator, tokens: ReturnType<typeof loadTokens>, log: Logger): Promise<number> {
  const listen = parseListen(config.listen);
  const tls = Boolean(config['tls.cert']);
  if (!tls && !isLoopback(listen.host)) {
    log.warn('listening without TLS on a non-loopback address (--insecure): tokens and observations cross the network in clear text', { listen: config.listen });
  }
  if (Object.keys(tokens.agents).length === 0) log.warn('no agent tokens configured (tokensFile or agents): every agent will be refused');
  if (tokens.readTokens.length === 0) log.warn('no read tokens configured (tokensFile or readTokens): the Query service will refuse every call');

  const metrics = new CollectorMetrics();
  const storeOptions = { file: config.database, synchronous: config.databaseSync, bindingFlushMs: config.bindingFlushInterval };
  let store: Store;
  try {
    store = config.databaseThread
      ? await openThreadedStore(storeOptions, new URL(import.meta.url), (error) => {
          log.error('the database thread died: exiting', { error });
          process.exit(1);
        })
      : await openStore(storeOptions);
  } catch (error) {
    log.error('cannot open the database', { database: config.database, error });
    return 1;
  }
  log.info('database open', { database: store.file });

  const correlation = new Correlation({ phantomWindowUs: config.phantomWindow * 1000 });
  const nowUs = Date.now() * 1000;
  const [nodes, caches, recent] = await Promise.all([store.listNodes(), store.neighborCache(), store.recentObservations(nowUs - config.rebuildWindow * 1000)]);
  correlation.rebuild(nodes, caches, recent);
  log.info('correlator state rebuilt', { nodes: nodes.length, neighborEntries: caches.length, observations: recent.length });

  const limits = { ...DEFAULT_LIMITS, maxBatchObservations: config.maxBatchObservations, maxFrameBytes: config.maxFrameBytes };
  const commit: GroupCommitOptions = {
    intervalMs: config.commitInterval,
    minRows: Math.min(config.commitMinRows, config.commitMaxRows),
    maxRows: config.commitMaxRows,
    onStart: (rows, waitedMs) => {
      metrics.commitRows.observe(rows);
      metrics.commitWaitSeconds.observe(waitedMs / 1000);
    },
  };
  const collector = new Collector(store, correlation, new Allowlist(config.allowlist), metrics, log, {
    limits,
    rate: { observationsPerSecond: config['rateLimit.observationsPerSecond'], burst: config['rateLimit.burst'] },
    commit,
  });

  let metricsServer: Server | null = null;
  if (config.metricsListen !== 'off' && config.metricsListen !== '') {
    const m = parseListen(config.metricsListen);
    try {
      const served = await serveMetrics(metrics, m.host, m.port);
      metricsServer = served.server;
      const host = served.address.address.includes(':') ? `[${served.address.address}]` : served.address.address;
      log.info('metrics listening', { address: `${host}:${served.address.port}`, path: '/metrics' });
    } catch (error) {
      log.error('cannot serve metrics', { metricsListen: config.metricsListen, error });
      await store.close();
      return 1;
    }
  }

  const ingestCtx: IngestContext = { collector, auth, log, streams: new Set() };
  const queryCtx: QueryContext = { collector, auth, log, heartbeatMs: config.heartbeatInterval, watches: new Set() };
  let running;
  try {
    running = await startServer(
      { host: listen.host, port: listen.port, maxMessageBytes: config.maxMessageBytes, tls: { cert: config['tls.cert'], key: config['tls.key'], clientCa: config['tls.clientCa'] } },
      ingestHandlers(ingestCtx),
      queryHandlers(queryCtx),
    );
  } catch (error) {
    log.error('cannot listen', { listen: config.listen, error });
    metricsServer?.close();
    await store.close();
    return 1;
  }
  log.info('listening', { address: running.address, tls, clientCertificates: Boolean(config['tls.clientCa']), database: store.file });

  const maintenance = new Maintenance(collector, store, metrics, log, {
    intervalMs: config.maintenanceInterval,
    quietUs: config.quietPeriod * 1000,
    retentionUs: config.retention * 1000,
  });
  maintenance.start();

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info('stopping', { signal });
      for (const name of ['', ...SERVICE_NAMES]) running.health.setStatus(name, 'NOT_SERVING');
      maintenance.stop();
      for (const call of ingestCtx.streams) call.pause();
      // Everything received is committed and acknowledged before the streams close.
      await collector.drain();
      await new Promise((r) => setImmediate(r));
      endStreams(ingestCtx.streams, 'the collector is shutting down: reconnect later');
      for (const call of [...queryCtx.watches]) {
        call.emit('error', { code: status.UNAVAILABLE, details: 'the collector is shutting down: reconnect with since_us' });
      }
      await stopServer(running.server, SHUTDOWN_GRACE_MS);
      metricsServer?.close();
      await store.close();
      log.info('stopped');
      resolve(0);
    };
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
  });
}

if (!isMainThread && workerData?.role === STORE_THREAD) {
  // This bundle also runs the database thread (store-thread.ts).
  void serveStoreThread(workerData.options);
} else {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`neighwatch-collector: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
