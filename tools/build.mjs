#!/usr/bin/env node
// Bundles one app (apps/<name>/src/main.ts) into dist/apps/<name>/main.js with esbuild.
// Workspace libs are inlined (resolved through tsconfig paths). For the long-running
// agent and collector, npm packages stay external and load from node_modules as usual.
// The CLI is started for every command, so its pure-JS dependencies (gRPC, protobufjs,
// commander) are inlined too: resolving and reading hundreds of small module files cost
// ~60 ms of CPU per run (measured: `--version` 0.16 s → 0.10 s user). Native addons and
// Prisma's runtime always stay external.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const [app] = process.argv.slice(2);
if (!app) {
  console.error('usage: node tools/build.mjs <app>');
  process.exit(2);
}
const root = fileURLToPath(new URL('..', import.meta.url));

await build({
  absWorkingDir: root,
  entryPoints: [`apps/${app}/src/main.ts`],
  outfile: `dist/apps/${app}/main.js`,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  ...(app === 'cli' ? { external: ['cap', 'better-sqlite3', '@prisma/*'] } : { packages: 'external' }),
  tsconfig: 'tsconfig.base.json',
  sourcemap: 'linked',
  logLevel: 'warning',
  // CommonJS packages bundled code may require() need a require in ESM scope.
  banner: { js: "import { createRequire as __nwCreateRequire } from 'node:module'; const require = __nwCreateRequire(import.meta.url);" },
});
