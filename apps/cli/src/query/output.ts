/**
 * Where command results go: stdout carries the result only (JSON stays parseable), notes
 * and progress go to stderr. Tests swap the sinks.
 */
import { writeFileSync } from 'node:fs';
import { terminalContext, type TerminalContext } from '../render/listing';
import { usageError } from './errors';

export interface Sinks {
  out(text: string): void;
  err(text: string): void;
  terminal: TerminalContext;
}

export const processSinks = (): Sinks => ({
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  terminal: terminalContext(),
});

/** Writes a result to `-o FILE` or stdout. */
export function emit(sinks: Sinks, text: string | Buffer, file: string | undefined): void {
  if (!file || file === '-') {
    sinks.out(typeof text === 'string' ? text : text.toString('binary'));
    return;
  }
  try {
    writeFileSync(file, text);
  } catch (error) {
    throw usageError(`cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
