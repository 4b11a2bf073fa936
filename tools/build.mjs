#!/usr/bin/env node
// Bundles one app (apps/<name>/src/main.ts) into dist/apps/<name>/main.js with esbuild
// (the CLI into dist/apps/cli/app.cjs, started by dist/apps/cli/main.cjs: see below).
// Workspace libs are inlined (resolved through tsconfig paths). For the long-running
// agent and collector, npm packages stay external and load from node_modules as usual.
// The CLI is started for every command, so its pure-JS dependencies (gRPC, protobufjs,
// commander) are inlined too: resolving and reading hundreds of small module files cost
// ~60 ms of CPU per run (measured: `--version` 0.16 s → 0.10 s user). Native addons and
// Prisma's runtime always stay external.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [app] = process.argv.slice(2);
if (!app) {
  console.error('usage: node tools/build.mjs <app>');
  process.exit(2);
}
const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * The CLI's Query contract, compiled from proto/ at bundle time (apps/cli/src/query/contract-build.mjs)
 * in place of apps/cli/src/query/contract.ts, which loads it from .proto text at run time.
 * @grpc/proto-loader then stays out of the bundle (grpc-js requires it only to serve
 * channelz, never in a client).
 */
const cliContract = {
  name: 'cli-contract',
  setup(b) {
    b.onLoad({ filter: /[\\/]apps[\\/]cli[\\/]src[\\/]query[\\/]contract\.ts$/ }, async () => {
      const { cliContractModule } = await import('../apps/cli/src/query/contract-build.mjs');
      return { contents: await cliContractModule(), loader: 'js', resolveDir: root };
    });
  },
};

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  tsconfig: 'tsconfig.base.json',
  sourcemap: 'linked',
  logLevel: 'warning',
};
// CommonJS packages bundled code may require() need a require in ESM scope.
const esmRequire = { js: "import { createRequire as __nwCreateRequire } from 'node:module'; const require = __nwCreateRequire(import.meta.url);" };

if (app === 'cli') {
  // The CLI is CommonJS (app.cjs) so that V8 can cache its compiled code between runs:
  // main.cjs (apps/cli/src/start.ts), which bin/neighwatch.cjs loads, runs it through
  // vm.Script with that cache.
  await build({
    ...common,
    entryPoints: ['apps/cli/src/main.ts'],
    outfile: 'dist/apps/cli/app.cjs',
    format: 'cjs',
    // Without comments the bundle is plain ASCII (esbuild escapes the rest), which Node
    // reads and V8 scans faster than UTF-8 text; the source map keeps stack traces readable.
    minifyWhitespace: true,
    charset: 'ascii',
    external: ['cap', 'better-sqlite3', '@prisma/*', '@grpc/proto-loader'],
    plugins: [cliContract],
  });
  // code-cache.ts reads it as Latin-1, which is only right for ASCII.
  if (/[^\x00-\x7f]/.test(readFileSync(`${root}dist/apps/cli/app.cjs`, 'latin1'))) throw new Error('dist/apps/cli/app.cjs is not plain ASCII');
  await build({ ...common, entryPoints: ['apps/cli/src/start.ts'], outfile: 'dist/apps/cli/main.cjs', format: 'cjs', packages: 'external' });
  // The entry of earlier builds, and a code cache of the previous app.cjs (it would only be
  // found stale and replaced, but need not linger in the build output).
  for (const old of ['main.js', 'main.js.map', 'app.cjs.cache']) rmSync(`${root}dist/apps/cli/${old}`, { force: true });
} else {
  await build({
    ...common,
    entryPoints: [`apps/${app}/src/main.ts`],
    outfile: `dist/apps/${app}/main.js`,
    format: 'esm',
    packages: 'external',
    banner: esmRequire,
  });
}
