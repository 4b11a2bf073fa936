#!/usr/bin/env node
// Entry point of `neighwatch-agent`: loads the bundle that `npm run build` writes to dist/apps/agent.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';

// Keep V8's young generation at its initial size before the bundle's packages (gRPC,
// protobufjs, yaml) are loaded: its growth to 32 MiB during start-up is what the agent's
// peak resident memory was made of (apps/agent/src/heap.ts, which the bundle also applies
// when it is started without this file). Flags given on the command line or in
// NODE_OPTIONS win.
const operatorFlags = /--(?:semi-space-growth-factor|max-semi-space-size|min-semi-space-size|max-heap-size)\b/;
if (!operatorFlags.test(process.env.NODE_OPTIONS ?? '') && !process.execArgv.some((a) => operatorFlags.test(a))) {
  setFlagsFromString('--semi-space-growth-factor=1');
}

const bundle = new URL('../dist/apps/agent/main.js', import.meta.url);
if (!existsSync(fileURLToPath(bundle))) {
  process.stderr.write('neighwatch-agent: not built yet: run `npm run setup` (or `npm run build`) in the neighwatch checkout\n');
  process.exit(1);
}
await import(bundle.href);
