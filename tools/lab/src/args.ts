/** Command-line arguments of `lab` (kept apart from main.ts so tests can import it). */
import { DEFAULT_PREFIX, LabUsageError } from './topology';

export const USAGE = `usage: lab <up|down|status|traffic> [--wired] [--prefix P] [--json]
  up       build the namespaces <P>router, <P>host, <P>vm (field variant: Wi-Fi MAC NAT on the host's uplink)
  down     remove everything the lab with prefix P made (also after a crash)
  status   namespaces, links, MACs, addresses, nft rules, neighbor tables
  traffic  flush neighbor caches, then the VM pings the router over IPv4 and IPv6
options:
  --wired       up: plain bridge, no rewriting (everything works)
  --prefix P    namespace prefix (default ${DEFAULT_PREFIX}, must end with '-')
  --json        status/traffic: JSON on stdout`;

export interface Args {
  command: string;
  prefix: string;
  wired: boolean;
  json: boolean;
}

export function parseArgs(argv: readonly string[]): Args {
  const args: Args = { command: '', prefix: process.env.NEIGHWATCH_LAB_PREFIX || DEFAULT_PREFIX, wired: false, json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--wired') args.wired = true;
    else if (arg === '--json') args.json = true;
    else if (arg === '--prefix') {
      const value = argv[++i];
      if (!value) throw new LabUsageError('--prefix needs a value');
      args.prefix = value;
    } else if (arg.startsWith('--prefix=')) args.prefix = arg.slice('--prefix='.length);
    else if (arg === '-h' || arg === '--help') args.command = 'help';
    else if (!args.command && !arg.startsWith('-')) args.command = arg;
    else throw new LabUsageError(`unexpected argument ${JSON.stringify(arg)}`);
  }
  if (!['up', 'down', 'status', 'traffic', 'help'].includes(args.command)) {
    throw new LabUsageError(args.command ? `unknown command ${JSON.stringify(args.command)}` : 'missing command');
  }
  return args;
}

