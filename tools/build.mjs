#!/usr/bin/env node
// Bundles one app (apps/<name>/src/main.ts) into dist/apps/<name>/main.js with esbuild.
// Workspace libs are inlined (resolved through tsconfig paths); npm packages stay
// external, so native addons (cap, better-sqlite3) and Prisma's runtime load from
// node_modules as usual.
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
  packages: 'external',
  tsconfig: 'tsconfig.base.json',
  sourcemap: 'linked',
  logLevel: 'warning',
  // CommonJS packages bundled code may require() need a require in ESM scope.
  banner: { js: "import { createRequire as __nwCreateRequire } from 'node:module'; const require = __nwCreateRequire(import.meta.url);" },
});
