/**
 * The commands that query a collector. Options are data (flags, defaults, accepted
 * values); each action validates every value locally (exit 2) before connecting, fetches,
 * and hands rows to the one renderer.
 */
import { Command, Option } from 'commander';
import { MISMATCH_KINDS } from '@neighwatch/model';
import { hostname, userInfo } from 'node:os';
import { LISTING_FORMATS, renderJson, renderListing, type ListingFormat } from '../render/listing';
import { detailJson, detailText } from '../render/detail';
import { reportCsv, reportJson, reportText } from '../render/report';
import { reportHtml } from '../render/html-report';
import { completionCommand } from './completion';
import { addConnectionOptions, CONNECTION_OPTION_NAMES, connect, type ConnectionFlags, type QueryApi } from './connection';
import { usageError } from './errors';
import { writeEvidencePcap } from './evidence';
import {
  kindToProto,
  parseChoice,
  parseIpFilter,
  parseKinds,
  parseLimit,
  parseMacFilter,
  parseMismatchId,
  parseNodeFilter,
  parsePositive,
  parseStateFilter,
  STATE_FILTERS,
  stateFilterToProto,
} from './filters';
import { emit, processSinks, type Sinks } from './output';
import { collectPages } from './paging';
import { parseTimeArg, TIME_HINT } from './time';
import { bindingsListing, mismatchesListing, nodesListing } from './views';
import { watchMismatches } from './watch';

export interface Deps {
  sinks: () => Sinks;
  connect: (flags: ConnectionFlags) => QueryApi | Promise<QueryApi>;
  now: () => number;
}
const defaultDeps: Deps = { sinks: processSinks, connect, now: () => Date.now() };

const collect = (value: string, previous: string[]) => [...previous, value];

const examples = (...lines: string[]) => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;

function formatOption(choices: readonly string[] = LISTING_FORMATS, fallback = 'table'): Option {
  return new Option('--format <format>', 'output format').choices(choices).default(fallback);
}

/** Opens a connection, runs `body`, always closes it. */
async function withApi<T>(deps: Deps, flags: ConnectionFlags, body: (api: QueryApi) => Promise<T>): Promise<T> {
  const api = await deps.connect(flags);
  try {
    return await body(api);
  } finally {
    api.close();
  }
}

function nodesCommand(deps: Deps): Command {
  return addConnectionOptions(new Command('nodes'))
    .description('every node with an agent: version, connected or last seen, interfaces (MACs, addresses), clock offset, spool drops')
    .addOption(formatOption())
    .addHelpText('after', examples('neighwatch nodes', 'neighwatch nodes --format json | jq \'.[] | select(.connected | not) | .name\''))
    .action(async (opts: ConnectionFlags & { format: string }) => {
      const format = parseChoice<ListingFormat>(opts.format, '--format', LISTING_FORMATS);
      const sinks = deps.sinks();
      const response = await withApi(deps, opts, (api) => api.listNodes());
      sinks.out(renderListing(nodesListing(response.nodes, format, deps.now()), format, sinks.terminal));
    });
}

interface BindingsFlags extends ConnectionFlags {
  ip?: string;
  mac?: string;
  node?: string;
  since?: string;
  limit: string;
  format: string;
}

function bindingsCommand(deps: Deps): Command {
  return addConnectionOptions(new Command('bindings'))
    .description('who binds which IP to which MAC, seen from where (wire, neighbor cache, inventory), first/last seen, count')
    .option('--ip <address>', 'only this IPv4 or IPv6 address')
    .option('--mac <mac>', 'only this MAC address')
    .option('--node <name>', 'only bindings seen by this node')
    .option('--since <time>', `last seen at or after this time: ${TIME_HINT}`)
    .option('--limit <n>', 'at most this many rows (0 = all)', '1000')
    .addOption(formatOption())
    .addHelpText(
      'after',
      examples('neighwatch bindings --ip 2001:db8::203:ffff:fe13:7d75', 'neighwatch bindings --mac 00:03:ff:13:7d:75 --since 24h', 'neighwatch bindings --node router --format csv > bindings.csv'),
    )
    .action(async (opts: BindingsFlags) => {
      const format = parseChoice<ListingFormat>(opts.format, '--format', LISTING_FORMATS);
      const request = {
        ip: opts.ip ? parseIpFilter(opts.ip) : '',
        mac: opts.mac ? parseMacFilter(opts.mac) : '',
        node: opts.node ? parseNodeFilter(opts.node) : '',
        sinceUs: opts.since ? parseTimeArg(opts.since, '--since', deps.now()) : 0,
      };
      const limit = parseLimit(opts.limit);
      const sinks = deps.sinks();
      const result = await withApi(deps, opts, (api) =>
        collectPages(limit, async (page) => {
          const r = await api.listBindings({ ...request, page });
          return { items: r.bindings, nextCursor: r.nextCursor };
        }),
      );
      sinks.out(renderListing(bindingsListing(result.items), format, sinks.terminal));
      if (result.more) sinks.err(`neighwatch: more bindings match than the ${limit} shown: narrow the filters or raise --limit (0 = all)\n`);
    });
}

interface MismatchFilterFlags extends ConnectionFlags {
  kind: string[];
  node?: string;
  ip?: string;
  mac?: string;
}

function addMismatchFilters(command: Command): Command {
  return command
    .option('--kind <kind>', `only these kinds (repeatable or comma-separated): ${MISMATCH_KINDS.join(', ')}`, collect, [])
    .option('--node <name>', 'only mismatches about or seen at this node')
    .option('--ip <address>', 'only this IPv4 or IPv6 address')
    .option('--mac <mac>', 'only mismatches involving this MAC address');
}

function mismatchFilters(opts: MismatchFilterFlags) {
  return {
    kinds: parseKinds(opts.kind ?? []).map(kindToProto),
    node: opts.node ? parseNodeFilter(opts.node) : '',
    ip: opts.ip ? parseIpFilter(opts.ip) : '',
    mac: opts.mac ? parseMacFilter(opts.mac) : '',
  };
}

interface MismatchesFlags extends MismatchFilterFlags {
  state?: string;
  since?: string;
  until?: string;
  limit: string;
  includeSuppressed?: boolean;
  format: string;
}

function mismatchesCommand(deps: Deps): Command {
  return addMismatchFilters(addConnectionOptions(new Command('mismatches')))
    .description('mismatches, newest first (default: open and acknowledged)')
    .option('--state <state>', `${STATE_FILTERS.join(', ')} (default: open and acknowledged)`)
    .option('--since <time>', `last seen at or after this time: ${TIME_HINT}`)
    .option('--until <time>', 'first seen before this time (same syntax)')
    .option('--limit <n>', 'at most this many rows (0 = all)', '100')
    .option('--include-suppressed', 'also list mismatches matched by the collector allowlist')
    .addOption(formatOption())
    .addHelpText(
      'after',
      examples(
        'neighwatch mismatches',
        'neighwatch mismatches --kind LLADDR_MISMATCH,REWRITTEN_IN_TRANSIT --since 24h',
        'neighwatch mismatches --state all --ip fe80::203:ffff:fe13:7d75',
        'neighwatch mismatches --node router --format json | jq \'.[].id\'',
      ),
    )
    .action(async (opts: MismatchesFlags) => {
      const format = parseChoice<ListingFormat>(opts.format, '--format', LISTING_FORMATS);
      const now = deps.now();
      const request = {
        ...mismatchFilters(opts),
        state: stateFilterToProto(opts.state ? parseStateFilter(opts.state) : undefined),
        sinceUs: opts.since ? parseTimeArg(opts.since, '--since', now) : 0,
        untilUs: opts.until ? parseTimeArg(opts.until, '--until', now) : 0,
        includeSuppressed: Boolean(opts.includeSuppressed),
      };
      if (request.sinceUs && request.untilUs && request.untilUs <= request.sinceUs) throw usageError('--until must be later than --since');
      const limit = parseLimit(opts.limit);
      const sinks = deps.sinks();
      let suppressed = 0;
      const result = await withApi(deps, opts, (api) =>
        collectPages(limit, async (page) => {
          const r = await api.listMismatches({ ...request, page });
          if (!page.cursor) suppressed = r.suppressed;
          return { items: r.mismatches, nextCursor: r.nextCursor };
        }),
      );
      sinks.out(renderListing(mismatchesListing(result.items, format), format, sinks.terminal));
      if (result.more) sinks.err(`neighwatch: more mismatches match than the ${limit} shown: narrow the filters or raise --limit (0 = all)\n`);
      if (suppressed > 0 && !request.includeSuppressed) {
        sinks.err(`neighwatch: ${suppressed} more matched but are allowlisted on the collector (--include-suppressed lists them)\n`);
      }
    });
}

function mismatchCommand(deps: Deps): Command {
  const show = addConnectionOptions(new Command('show'))
    .description('one mismatch in full: what it means, where it was seen, each evidence frame decoded with a hex dump')
    .argument('<id>', 'mismatch id (from `neighwatch mismatches`)')
    .addOption(formatOption(['text', 'json'], 'text'))
    .addHelpText('after', examples('neighwatch mismatch show 12', 'neighwatch mismatch show 12 --format json | jq .explanation'))
    .action(async (idText: string, opts: ConnectionFlags & { format: string }) => {
      const id = parseMismatchId(idText);
      const format = parseChoice(opts.format, '--format', ['text', 'table', 'json'] as const);
      const sinks = deps.sinks();
      const detail = await withApi(deps, opts, (api) => api.getMismatch({ id }));
      sinks.out(format === 'json' ? renderJson(detailJson(detail)) : detailText(detail, sinks.terminal));
    });

  const ack = addConnectionOptions(new Command('ack'))
    .description('acknowledge a mismatch (it stays listed as acknowledged until it resolves or recurs)')
    .argument('<id>', 'mismatch id')
    .option('--note <text>', 'why, for the history (e.g. a ticket number)')
    .option('--by <who>', 'who acknowledges (default: $USER@hostname)')
    .addOption(formatOption())
    .addHelpText('after', examples('neighwatch mismatch ack 12 --note "INC-4711: Wi-Fi bridge, VM moved to wired"'))
    .action(async (idText: string, opts: ConnectionFlags & { note?: string; by?: string; format: string }) => {
      const id = parseMismatchId(idText);
      const format = parseChoice<ListingFormat>(opts.format, '--format', LISTING_FORMATS);
      const by = opts.by?.trim() || defaultActor();
      const sinks = deps.sinks();
      const updated = await withApi(deps, opts, (api) => api.acknowledgeMismatch({ id, by, note: opts.note ?? '' }));
      if (format === 'table') sinks.out(`mismatch ${updated.id} acknowledged by ${by}${opts.note ? `: ${opts.note}` : ''}\n`);
      else sinks.out(renderListing(mismatchesListing([updated], format), format, sinks.terminal));
    });

  return new Command('mismatch')
    .description('one mismatch: show it in full, or acknowledge it')
    .addCommand(show)
    .addCommand(ack)
    .addHelpText('after', examples('neighwatch mismatch show 12', 'neighwatch mismatch ack 12 --note "known: NLB cluster"'));
}

export function defaultActor(env: NodeJS.ProcessEnv = process.env): string {
  let user = env.USER || env.LOGNAME;
  if (!user) {
    try {
      user = userInfo().username;
    } catch {
      user = 'unknown';
    }
  }
  return `${user}@${hostname()}`;
}

function watchCommand(deps: Deps): Command {
  return addMismatchFilters(addConnectionOptions(new Command('watch')))
    .description('new and reopened mismatches as they happen, until Ctrl-C; reconnects (and misses nothing) after a collector restart')
    .option('--since <time>', `also replay what opened or reopened after this time: ${TIME_HINT}`)
    .addOption(formatOption(LISTING_FORMATS))
    .addHelpText(
      'after',
      examples('neighwatch watch', 'neighwatch watch --kind REWRITTEN_IN_TRANSIT --node router', 'neighwatch watch --format json   # one JSON object per line'),
    )
    .action(async (opts: MismatchFilterFlags & { since?: string; format: string }) => {
      const format = parseChoice<ListingFormat>(opts.format, '--format', LISTING_FORMATS);
      const now = deps.now();
      const request = { ...mismatchFilters(opts), sinceUs: opts.since ? parseTimeArg(opts.since, '--since', now) : now * 1000 };
      const sinks = deps.sinks();
      const api = await deps.connect(opts);
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        await watchMismatches(api, request, format, sinks, controller.signal);
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        api.close();
      }
    });
}

const REPORT_FORMATS = ['table', 'json', 'csv', 'html'] as const;

function reportCommand(deps: Deps): Command {
  return addConnectionOptions(new Command('report'))
    .description('totals by kind, node and IP, a timeline by kind, the top recurring mismatches, opened/resolved/still open in a range')
    .option('--since <time>', `start of the range: ${TIME_HINT}`, '30d')
    .option('--until <time>', 'end of the range (default: now)')
    .addOption(new Option('--bucket <size>', 'timeline bucket (default: hours up to 3 days, else days)').choices(['hour', 'day']))
    .option('--top <n>', 'how many recurring mismatches to list', '10')
    .addOption(formatOption(REPORT_FORMATS))
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .addHelpText(
      'after',
      examples(
        'neighwatch report',
        'neighwatch report --since 7d --format html -o mismatches.html',
        'neighwatch report --since 2026-10-01 --until 2026-11-01 --format json',
        'neighwatch report --since 24h --bucket hour --format csv -o last-day.csv',
      ),
    )
    .action(async (opts: ConnectionFlags & { since: string; until?: string; bucket?: string; top: string; format: string; output?: string }) => {
      const format = parseChoice(opts.format, '--format', REPORT_FORMATS);
      const now = deps.now();
      const sinceUs = parseTimeArg(opts.since, '--since', now);
      const untilUs = opts.until ? parseTimeArg(opts.until, '--until', now) : 0;
      if ((untilUs || now * 1000) <= sinceUs) throw usageError('--until must be later than --since');
      const top = parsePositive(opts.top, '--top');
      const bucket = opts.bucket === 'hour' ? 'REPORT_BUCKET_HOUR' : opts.bucket === 'day' ? 'REPORT_BUCKET_DAY' : 'REPORT_BUCKET_UNSPECIFIED';
      const sinks = deps.sinks();
      const report = await withApi(deps, opts, (api) => api.getReport({ sinceUs, untilUs, bucket, top }));
      const terminal = opts.output ? { tty: false, color: false, width: Infinity } : sinks.terminal;
      const text =
        format === 'json'
          ? renderJson(reportJson(report))
          : format === 'csv'
            ? reportCsv(report)
            : format === 'html'
              ? reportHtml(report, now)
              : reportText(report, terminal);
      emit(sinks, text, opts.output);
      if (opts.output) sinks.err(`neighwatch: report written to ${opts.output}\n`);
      else if (format === 'html' && sinks.terminal.tty) sinks.err('neighwatch: to open the page in a browser, write it to a file: -o report.html\n');
    });
}

function evidenceCommand(deps: Deps): Command {
  return addConnectionOptions(new Command('evidence'))
    .description('every evidence frame of a mismatch (all vantage points) as a pcap file for Wireshark or tcpdump')
    .argument('<id>', 'mismatch id')
    .requiredOption('-o, --output <file>', 'pcap file to write ("-" for stdout)')
    .addHelpText('after', examples('neighwatch evidence 12 -o mismatch-12.pcap && tcpdump -nn -e -v -r mismatch-12.pcap', 'neighwatch evidence 12 -o - | wireshark -k -i -'))
    .action(async (idText: string, opts: ConnectionFlags & { output: string }) => {
      const id = parseMismatchId(idText);
      const sinks = deps.sinks();
      if (opts.output === '-' && sinks.terminal.tty) throw usageError('stdout is a terminal: write the pcap to a file (-o FILE.pcap) or pipe it (-o - | wireshark -k -i -)');
      const detail = await withApi(deps, opts, (api) => api.getMismatch({ id }));
      const count = writeEvidencePcap(detail, opts.output, sinks);
      if (opts.output !== '-') {
        const points = new Set(detail.evidence.map((e) => `${e.vantagePoint?.node}/${e.vantagePoint?.interface}`));
        sinks.err(`neighwatch: ${count} frame${count === 1 ? '' : 's'} from ${points.size} vantage point${points.size === 1 ? '' : 's'} written to ${opts.output}\n`);
      }
    });
}

/** Everything `neighwatch` offers besides `analyze`, in the order `--help` lists them. */
export function queryCommands(deps: Deps = defaultDeps): Command[] {
  const commands = [
    nodesCommand(deps),
    bindingsCommand(deps),
    mismatchesCommand(deps),
    mismatchCommand(deps),
    watchCommand(deps),
    reportCommand(deps),
    evidenceCommand(deps),
    completionCommand(deps.sinks),
  ];
  commands.forEach(connectionOptionsLast);
  return commands;
}

/** Help lists a command's own options first, the connection options after them. */
function connectionOptionsLast(command: Command): void {
  const isConnection = (o: Option) => CONNECTION_OPTION_NAMES.includes(o.long ?? '');
  (command.options as Option[]).sort((a, b) => Number(isConnection(a)) - Number(isConnection(b)));
  command.commands.forEach(connectionOptionsLast);
}


