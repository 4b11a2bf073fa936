/**
 * neighwatch-agent: captures ARP/NDP on this node's interfaces and streams observations,
 * inventory and neighbor tables to neighwatch-collector. The only place that exits.
 *
 * Exit codes: 0 normal (SIGTERM/SIGINT), 1 runtime failure, 2 configuration error.
 */
// First: heap settings must be in place before anything else allocates (see heap.ts).
import './heap';
import { ConfigError, createLogger, EXIT_CONFIG, formatConfig, helpText, loadConfig, type Logger } from '@neighwatch/config';
import { Agent, AGENT_VERSION } from './agent';
import { agentSchema, resolveToken, type AgentConfig } from './config';

const USAGE = `usage: neighwatch-agent [--config FILE] [options]

Captures ARP and NDP frames (libpcap), keeps them in a disk spool and streams them,
with this node's interfaces and neighbor table, to neighwatch-collector.

  --config FILE     YAML or JSON configuration file (env: NEIGHWATCH_CONFIG)
  --print-config    print the effective configuration (secrets redacted) and exit
  --version         print the version and exit
  -h, --help        this help

Every key below can be set in the file, as NEIGHWATCH_<KEY> in the environment, or as a
flag; flags win over the environment, which wins over the file.

`;

function load(argv: string[]) {
  const loaded = loadConfig(agentSchema, { argv });
  if (loaded.positionals.length > 0) throw new ConfigError(`unexpected argument "${loaded.positionals[0]}" (options start with --; see --help)`, loaded.positionals[0], 'flag');
  check(loaded.config);
  return loaded;
}

/** Rules that involve more than one key. */
function check(config: AgentConfig): void {
  if (Boolean(config['tls.cert']) !== Boolean(config['tls.key'])) {
    const missing = config['tls.cert'] ? 'tls.key' : 'tls.cert';
    throw new ConfigError(`config key "${missing}" is required when ${missing === 'tls.key' ? 'tls.cert' : 'tls.key'} is set (client certificate and its key go together)`, missing, 'default');
  }
  resolveToken(config);
}

function fail(error: unknown, log?: Logger): never {
  if (error instanceof ConfigError) {
    process.stderr.write(`neighwatch-agent: ${error.message}\n`);
    process.exit(EXIT_CONFIG);
  }
  const text = error instanceof Error ? error.message : String(error);
  if (log) log.error('agent failed', { error });
  else process.stderr.write(`neighwatch-agent: ${text}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let loaded: ReturnType<typeof load>;
  try {
    loaded = load(argv);
  } catch (error) {
    fail(error);
  }
  if (loaded.standard.help) {
    process.stdout.write(USAGE + helpText(agentSchema));
    return;
  }
  if (loaded.standard.version) {
    process.stdout.write(`neighwatch-agent ${AGENT_VERSION}\n`);
    return;
  }
  if (loaded.standard.printConfig) {
    process.stdout.write(formatConfig(agentSchema, loaded.config));
    return;
  }
  const config = loaded.config;
  const log = createLogger({ level: config.logLevel, format: config.logFormat, name: 'neighwatch-agent' });
  const agent = new Agent(config, log);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { signal });
    agent.stop().then(
      () => process.exit(0),
      (error: unknown) => fail(error, log),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => {
    let next: AgentConfig;
    try {
      next = load(argv).config;
    } catch (error) {
      log.error('configuration reload failed; keeping the running configuration', { error: error instanceof Error ? error.message : String(error) });
      return;
    }
    agent.reload(next).catch((error: unknown) => log.error('configuration reload failed', { error }));
  });
  try {
    await agent.start();
  } catch (error) {
    fail(error, log);
  }
}

void main();
