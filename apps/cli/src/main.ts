/**
 * `neighwatch`: the command line. Commands live in their own modules and throw on
 * failure; only this entry maps the outcome to an exit code (docs/cli.md) and calls
 * process.exit.
 */
import { Command } from 'commander';
import { analyzeCommand } from './analyze/command';
import { exitCodeFor, messageFor } from './query/errors';
import { queryCommands } from './query/commands';

const VERSION = '0.1.0';

const program = new Command('neighwatch')
  .description('Find where MAC addresses get rewritten or contradicted on a network.')
  .version(VERSION, '-V, --version')
  .showSuggestionAfterError()
  .addHelpText(
    'after',
    `
Examples:
  $ neighwatch nodes
  $ neighwatch mismatches --since 24h
  $ neighwatch mismatch show 12
  $ neighwatch evidence 12 -o mismatch-12.pcap
  $ neighwatch watch --kind REWRITTEN_IN_TRANSIT
  $ neighwatch report --since 30d --format html -o report.html
  $ neighwatch analyze capture.pcap

Connection: --collector HOST:PORT (env NEIGHWATCH_COLLECTOR, default 127.0.0.1:50051),
--token (env NEIGHWATCH_TOKEN), --tls-ca/--tls-cert/--tls-key/--tls-server-name.
Exit codes: 0 ok, 1 runtime error, 2 usage error, 3 collector not reachable,
4 not found, 5 authentication or permission refused.`,
  );

// `neighwatch mismatches | head`: the reader left; that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

program.addCommand(analyzeCommand());
for (const command of queryCommands()) program.addCommand(command);

/**
 * Commander exits by itself on a parse error unless told not to; route every parse error
 * through the catch below instead (usage errors are exit 2), on every (sub)command.
 */
function overrideExits(command: Command): void {
  command.exitOverride();
  for (const sub of command.commands) overrideExits(sub);
}
overrideExits(program);

/**
 * Exits once stdout and stderr have handed everything to the OS: a pipe takes 64 KiB at a
 * time, and process.exit() with more queued would cut a large report short. An empty
 * write's callback runs after every write before it.
 */
function exitWhenFlushed(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

program
  .parseAsync(process.argv)
  .then(() => exitWhenFlushed(Number(process.exitCode ?? 0)))
  .catch((error: unknown) => {
    const message = messageFor(error);
    if (message) process.stderr.write(`neighwatch: ${message}\n`);
    exitWhenFlushed(exitCodeFor(error));
  });
