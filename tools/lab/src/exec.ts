/**
 * Runs the lab's system commands (ip, nft, radvd, ping) with argument arrays, never a
 * shell, and turns failures into errors that show the command and what it printed.
 */
import { spawn } from 'node:child_process';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to the command's stdin. */
  input?: string;
  /** Resolve with the result instead of rejecting on a non-zero exit code. */
  allowFailure?: boolean;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export class CommandError extends Error {
  override name = 'CommandError';
  constructor(
    readonly command: readonly string[],
    readonly result: CommandResult,
  ) {
    super(`\`${command.join(' ')}\` failed (exit ${result.code}): ${(result.stderr || result.stdout).trim() || 'no output'}`);
  }
}

const DEFAULT_TIMEOUT_MS = 20_000;

export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const hint = error.code === 'ENOENT' ? ` (is it installed? run \`bash tools/bootstrap.sh\`)` : '';
      reject(new Error(`cannot run ${command}: ${error.message}${hint}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = { code: code ?? (signal ? 128 : 1), stdout, stderr: signal ? `${stderr}killed by ${signal}` : stderr };
      if (result.code !== 0 && !options.allowFailure) reject(new CommandError([command, ...args], result));
      else resolve(result);
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** `ip netns exec <ns> <command…>` */
export function runIn(namespace: string, command: string, args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  return run('ip', ['netns', 'exec', namespace, command, ...args], options);
}

export async function ipJson<T>(namespace: string, args: readonly string[]): Promise<T> {
  const { stdout } = await run('ip', ['-n', namespace, '-j', ...args]);
  return (stdout.trim() ? JSON.parse(stdout) : []) as T;
}
