/**
 * Runs the CLI bundle (CommonJS) with a V8 code cache: the bytecode V8 compiled for it on
 * an earlier run, so a command does not compile ~1 MB of JavaScript again every time it
 * starts. The cache lives next to the bundle (`app.cjs.cache`), or under
 * $XDG_CACHE_HOME/neighwatch (default ~/.cache/neighwatch) when that directory is not
 * writable. It is tied to the bundle's size and modification time and to the Node version;
 * anything else (missing, stale, corrupt, rejected by V8, unwritable) only means the bundle
 * is compiled from source, as without a cache, and the cache is written again when possible.
 * V8 compiles a function when it first runs, so a cache written after `--version` lacks
 * what `mismatches` needs: the cache records which commands it has seen and is written
 * again (with what both runs compiled) the first time another command runs.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { constants as vmConstants, Script } from 'node:vm';

const MAGIC = 'neighwatch-code-cache-1';
const MAX_COMMANDS = 24;

/** What happened to the cache on this run. */
export type CacheState = 'used' | 'missing' | 'stale' | 'rejected' | 'off';

export interface CachedRun {
  state: CacheState;
  /** The bundle's `module.exports`. */
  exports: unknown;
  /**
   * Writes the cache if this run did not use one, or used one that no run of this command
   * wrote (call it when the command is done, so the functions it ran are in the cache too).
   * Never throws; returns the file written, if any.
   */
  persist(): string | undefined;
}

/** Where the cache of `bundle` is looked for, in order. */
export function cacheFiles(bundle: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  const name = `${bundle.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+/, '')}.cache`;
  return [`${bundle}.cache`, join(base, 'neighwatch', name)];
}

interface CacheFile {
  data: Buffer;
  /** The commands whose runs wrote it. */
  commands: string[];
}

function readCache(file: string, key: string): CacheFile | 'stale' | undefined {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch {
    return undefined;
  }
  const end = data.indexOf(10);
  const prefix = `${MAGIC} ${key} `;
  const header = end < 0 ? '' : data.toString('latin1', 0, end);
  if (!header.startsWith(prefix)) return 'stale';
  return { data: data.subarray(end + 1), commands: header.slice(prefix.length).split(',') };
}

function writeCache(files: string[], header: string, data: Buffer): string | undefined {
  for (const file of files) {
    const temporary = `${file}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(temporary, Buffer.concat([Buffer.from(`${header}\n`, 'latin1'), data]));
      renameSync(temporary, file); // atomic: a concurrent run reads the old or the new file
      return file;
    } catch {
      // not writable here: try the next place, or run without a cache
    }
  }
  return undefined;
}

/** The command a run is for: its first argument that is not an option (`-` for none). */
export function commandOf(argv: readonly string[]): string {
  return (argv.find((a) => !a.startsWith('-')) ?? '-').replace(/[^\w-]/g, '_').slice(0, 40);
}

/**
 * Compiles and runs the CommonJS `bundle` as Node would (`require`, `module`, `__filename`,
 * `__dirname`), using and maintaining its code cache. `command` names the run (commandOf).
 */
export function runWithCodeCache(bundle: string, command: string, env: NodeJS.ProcessEnv = process.env): CachedRun {
  const source = readFileSync(bundle, 'latin1'); // plain ASCII: tools/build.mjs checks
  const stat = statSync(bundle);
  const key = `${process.version} ${process.arch} ${stat.size} ${stat.mtimeMs}`;
  const enabled = !/^(0|off|false|no)$/i.test(env.NEIGHWATCH_CODE_CACHE ?? '');
  const files = enabled ? cacheFiles(bundle, env) : [];
  let cached: CacheFile | 'stale' | undefined;
  for (const file of files) {
    cached = readCache(file, key);
    if (cached) break;
  }
  const seen = typeof cached === 'object' ? cached.commands : [];
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    cachedData: typeof cached === 'object' ? cached.data : undefined,
    importModuleDynamically: vmConstants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const state: CacheState = !enabled ? 'off' : cached === undefined ? 'missing' : cached === 'stale' ? 'stale' : script.cachedDataRejected ? 'rejected' : 'used';
  const module = { exports: {} as unknown };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  // At most MAX_COMMANDS rewrites per bundle, whatever the arguments.
  let done = state === 'off' || (state === 'used' && (seen.includes(command) || seen.length >= MAX_COMMANDS));
  return {
    state,
    exports: module.exports,
    persist() {
      if (done) return undefined;
      done = true;
      try {
        const commands = state === 'used' ? [...seen, command] : [command];
        return writeCache(files, `${MAGIC} ${key} ${commands.join(',')}`, script.createCachedData());
      } catch {
        return undefined;
      }
    },
  };
}
