#!/usr/bin/env node
// Entry point of `neighwatch-agent`: loads the bundle that `npm run build` writes to dist/apps/agent.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = new URL('../dist/apps/agent/main.js', import.meta.url);
if (!existsSync(fileURLToPath(bundle))) {
  process.stderr.write('neighwatch-agent: not built yet: run `npm run setup` (or `npm run build`) in the neighwatch checkout\n');
  process.exit(1);
}
await import(bundle.href);
