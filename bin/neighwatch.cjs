#!/usr/bin/env node
// Entry point of `neighwatch`: loads the bundle that `npm run build` writes to dist/apps/cli.
// CommonJS on purpose (the package is "type": "module"): a .cjs entry and a require() of
// the CommonJS bundle skip the ES module loader's work on every start (~5–10 ms of CPU).
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const bundle = join(__dirname, '../dist/apps/cli/main.cjs');
if (!existsSync(bundle)) {
  process.stderr.write('neighwatch: not built yet: run `npm run setup` (or `npm run build`) in the neighwatch checkout\n');
  process.exit(1);
}
require(bundle);
