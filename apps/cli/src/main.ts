/**
 * `neighwatch`: the command line. Commands live in their own modules and return
 * exit codes; only this entry calls process.exit.
 */
import { Command } from 'commander';
import { analyzeCommand } from './analyze/command';
import { queryCommands } from './query/commands';

const program = new Command('neighwatch')
  .description('Find where MAC addresses get rewritten or contradicted on a network.')
  .showSuggestionAfterError();

program.addCommand(analyzeCommand());
for (const command of queryCommands()) program.addCommand(command);

program
  .parseAsync(process.argv)
  .then(() => process.exit(process.exitCode ?? 0))
  .catch((error: unknown) => {
    process.stderr.write(`neighwatch: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
