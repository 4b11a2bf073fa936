/**
 * The code cache across real processes (within one process V8 reuses what it compiled
 * and never looks at the cache): each run is a fresh `node` running code-cache.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cacheFiles, commandOf, type CacheState } from './code-cache';

let dir: string;
let bundle: string;
let env: NodeJS.ProcessEnv;
let compiled: string;
let compiledDir: string;

beforeAll(async () => {
  compiledDir = mkdtempSync(join(tmpdir(), 'nw-code-cache-module-'));
  compiled = join(compiledDir, 'code-cache.cjs');
  await build({ entryPoints: [fileURLToPath(new URL('./code-cache.ts', import.meta.url))], outfile: compiled, bundle: true, platform: 'node', format: 'cjs', logLevel: 'warning' });
});

afterAll(() => {
  if (compiledDir) rmSync(compiledDir, { recursive: true, force: true });
});

interface Run {
  state: CacheState;
  exports: unknown;
  /** What persist() wrote at the end of the run (null: nothing), and what a second call wrote. */
  persisted: string | null;
  again: string | null;
  /** The file the run wrote, if any. */
  persist(): string | undefined;
}

/** One CLI start in a fresh process: run the bundle through its cache, then persist. */
function runWithCodeCache(file: string, command: string, environment: NodeJS.ProcessEnv): Run {
  const script = `const { runWithCodeCache } = require(${JSON.stringify(compiled)});
const run = runWithCodeCache(process.argv[1], process.argv[2], process.env);
const persisted = run.persist() ?? null;
process.stdout.write(JSON.stringify({ state: run.state, exports: run.exports, persisted, again: run.persist() ?? null }));`;
  const r = spawnSync(process.execPath, ['-e', script, file, command], { env: { PATH: process.env.PATH, ...environment }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`run failed (${r.status}): ${r.stderr}`);
  const run = JSON.parse(r.stdout) as Omit<Run, 'persist'>;
  return { ...run, persist: () => run.persisted ?? undefined };
}

/** A CommonJS "bundle" that reports what it was run with. */
function writeBundle(answer: string, mtimeSeconds: number): void {
  writeFileSync(
    bundle,
    `const path = require('node:path');\nmodule.exports = { answer: ${JSON.stringify(answer)}, base: path.basename(__filename), dir: __dirname, self: this === exports };\n`,
  );
  utimesSync(bundle, mtimeSeconds, mtimeSeconds);
}

const header = (file: string) => readFileSync(file, 'latin1').split('\n', 1)[0];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nw-code-cache-'));
  mkdirSync(join(dir, 'dist'));
  bundle = join(dir, 'dist', 'app.cjs');
  env = { XDG_CACHE_HOME: join(dir, 'xdg') };
  writeBundle('first', 1_000_000);
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('runWithCodeCache', () => {
  it('runs the bundle as a CommonJS module and writes its cache next to it', () => {
    const run = runWithCodeCache(bundle, 'mismatches', env);
    expect(run.state).toBe('missing');
    expect(run.exports).toEqual({ answer: 'first', base: 'app.cjs', dir: join(dir, 'dist'), self: true });
    expect(run.persisted).toBe(`${bundle}.cache`);
    expect(header(`${bundle}.cache`)).toMatch(/ mismatches$/);
    expect(run.again).toBeNull(); // once per run
  });

  it('uses the cache on the next run, and writes it again only for a command it has not seen', () => {
    runWithCodeCache(bundle, 'mismatches', env).persist();
    const again = runWithCodeCache(bundle, 'mismatches', env);
    expect(again.state).toBe('used');
    expect(again.exports).toMatchObject({ answer: 'first' });
    expect(again.persist()).toBeUndefined();

    const other = runWithCodeCache(bundle, 'report', env);
    expect(other.state).toBe('used');
    expect(other.persist()).toBe(`${bundle}.cache`);
    expect(header(`${bundle}.cache`)).toMatch(/ mismatches,report$/);
    expect(runWithCodeCache(bundle, 'report', env).state).toBe('used');
  });

  it('ignores the cache of an older bundle of the same size and runs the new code', () => {
    runWithCodeCache(bundle, 'mismatches', env).persist();
    writeBundle('other', 2_000_000); // same length, newer
    const run = runWithCodeCache(bundle, 'mismatches', env);
    expect(run.state).toBe('stale');
    expect(run.exports).toMatchObject({ answer: 'other' });
    run.persist();
    expect(runWithCodeCache(bundle, 'mismatches', env).state).toBe('used');
  });

  it('runs from source when V8 rejects a corrupt cache, then repairs it', () => {
    runWithCodeCache(bundle, 'mismatches', env).persist();
    const file = `${bundle}.cache`;
    const [head] = readFileSync(file, 'latin1').split('\n', 1);
    writeFileSync(file, Buffer.concat([Buffer.from(`${head}\n`, 'latin1'), Buffer.alloc(64, 0xab)]));
    const run = runWithCodeCache(bundle, 'mismatches', env);
    expect(run.state).toBe('rejected');
    expect(run.exports).toMatchObject({ answer: 'first' });
    expect(run.persist()).toBe(file);
    expect(runWithCodeCache(bundle, 'mismatches', env).state).toBe('used');
  });

  it('falls back to $XDG_CACHE_HOME/neighwatch when the bundle directory cannot take the cache', () => {
    mkdirSync(`${bundle}.cache`); // a directory where the file would go: cannot be written
    const run = runWithCodeCache(bundle, 'nodes', env);
    const fallback = cacheFiles(bundle, env)[1];
    expect(fallback.startsWith(join(dir, 'xdg', 'neighwatch'))).toBe(true);
    expect(run.persist()).toBe(fallback);
    expect(existsSync(fallback)).toBe(true);
    expect(runWithCodeCache(bundle, 'nodes', env).state).toBe('used');
  });

  it('still runs, without a cache, when no place is writable', () => {
    mkdirSync(`${bundle}.cache`);
    writeFileSync(join(dir, 'xdg'), 'a file, not a directory');
    const run = runWithCodeCache(bundle, 'nodes', env);
    expect(run.exports).toMatchObject({ answer: 'first' });
    expect(run.persist()).toBeUndefined();
    expect(runWithCodeCache(bundle, 'nodes', env).state).toBe('missing');
  });

  it('neither reads nor writes a cache with NEIGHWATCH_CODE_CACHE=off', () => {
    runWithCodeCache(bundle, 'nodes', env).persist();
    const before = readFileSync(`${bundle}.cache`);
    const run = runWithCodeCache(bundle, 'report', { ...env, NEIGHWATCH_CODE_CACHE: 'off' });
    expect(run.state).toBe('off');
    expect(run.exports).toMatchObject({ answer: 'first' });
    expect(run.persist()).toBeUndefined();
    expect(readFileSync(`${bundle}.cache`).equals(before)).toBe(true);
  });
});

describe('commandOf', () => {
  it('names a run by its first argument that is not an option', () => {
    expect(commandOf(['mismatches', '--state', 'all'])).toBe('mismatches');
    expect(commandOf(['--version'])).toBe('-');
    expect(commandOf(['mismatch', 'show', '12'])).toBe('mismatch');
    expect(commandOf(['a,b c'])).toBe('a_b_c');
  });
});
