import type { Command } from 'commander';

/** The commands that query a collector (being implemented). */
export function queryCommands(): Command[] {
  return [];
}
