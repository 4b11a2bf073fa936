#!/usr/bin/env node
// Entry point of `neighwatch`: loads the bundle that `npm run build` writes to dist/apps/cli.
// That bundle is CommonJS, loaded with require(): synchronous, without the ES module
// loader's extra work on every start.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const bundle = require('node:url').fileURLToPath(new URL('../dist/apps/cli/main.cjs', import.meta.url));
if (!require('node:fs').existsSync(bundle)) {
  process.stderr.write('neighwatch: not built yet: run `npm run setup` (or `npm run build`) in the neighwatch checkout\n');
  process.exit(1);
}
require(bundle);
