import { Command } from 'commander';

/** `neighwatch analyze FILE…` (being implemented). */
export function analyzeCommand(): Command {
  return new Command('analyze').description('analyse capture files as one vantage point').argument('<file...>');
}
