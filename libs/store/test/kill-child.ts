import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * Runs a TypeScript writer script in a child process and SIGKILLs it as soon as `killOn`
 * returns true for a line it printed (no clean shutdown, no final checkpoint); resolves
 * once the child is gone. The child is killed on any failure too.
 */
export async function runUntilKilled(script: string, args: readonly string[], killOn: (line: string) => boolean): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    for await (const line of createInterface({ input: child.stdout! })) {
      if (killOn(line)) {
        child.kill('SIGKILL');
        break;
      }
    }
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve)));
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  return child;
}
