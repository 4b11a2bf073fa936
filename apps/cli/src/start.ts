/**
 * What `bin/neighwatch.cjs` loads (dist/apps/cli/main.cjs, CommonJS): runs the CLI itself
 * (dist/apps/cli/app.cjs, built from main.ts) through its V8 code cache (code-cache.ts).
 * NEIGHWATCH_CODE_CACHE=off runs it without reading or writing a cache.
 */
import { join } from 'node:path';
import { commandOf, runWithCodeCache } from './code-cache';

const app = join(__dirname, 'app.cjs');
const run = runWithCodeCache(app, commandOf(process.argv.slice(2)), process.env);
// Commands end in process.exit(), always after this line (main.ts exits asynchronously).
process.once('exit', () => run.persist());
