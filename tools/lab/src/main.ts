/**
 * `lab`: the field case on one machine, with network namespaces.
 *
 *   npx tsx tools/lab/src/main.ts up [--wired] [--prefix P]
 *   npx tsx tools/lab/src/main.ts status|traffic|down [--prefix P] [--json]
 *
 * Exit codes: 0 done, 1 failed, 2 usage error.
 */
import { formatStatus, labDown, labStatus, labTraffic, labUp } from './lab';
import { formatPingResults } from './ping';
import { parseArgs, USAGE, type Args } from './args';

async function main(argv: readonly string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (error) {
    process.stderr.write(`lab: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (process.getuid?.() !== 0) {
    process.stderr.write('lab: network namespaces need root (run as root, or with sudo)\n');
    return 1;
  }
  const log = (line: string) => process.stderr.write(`lab: ${line}\n`);
  switch (args.command) {
    case 'up':
      await labUp({ prefix: args.prefix, variant: args.wired ? 'wired' : 'field', log });
      process.stdout.write(`lab ${args.prefix} is up (${args.wired ? 'wired' : 'field'} variant)\n`);
      return 0;
    case 'down':
      await labDown({ prefix: args.prefix, log });
      return 0;
    case 'status': {
      const status = await labStatus({ prefix: args.prefix });
      process.stdout.write(args.json ? `${JSON.stringify(status, null, 2)}\n` : `${formatStatus(status)}\n`);
      return 0;
    }
    case 'traffic': {
      const results = await labTraffic({ prefix: args.prefix });
      process.stdout.write(args.json ? `${JSON.stringify(results, null, 2)}\n` : `${formatPingResults(results)}\n`);
      return 0;
    }
  }
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`lab: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
