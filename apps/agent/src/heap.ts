/**
 * V8 heap settings for a small, long-running process. bin/neighwatch-agent.js sets the
 * same flag before the bundle's packages are loaded; this module, imported first by
 * main.ts, covers the bundle started without it (`node dist/apps/agent/main.js`): there
 * it runs after the npm packages the bundle imports have been evaluated (ES modules load
 * their imports first) but before the .proto files are parsed and the agent starts.
 *
 * V8 doubles the young generation (new space) every time a scavenge finds it busy, up to
 * 2 × 16 MiB on 64-bit. Loading gRPC and protobufjs and parsing the .proto files at
 * start-up is such a burst: the new space grew to 32 MiB for a few seconds, was touched,
 * and the resident set peaked at 79 MiB, 7 MiB above the agent's steady state and over its
 * 80 MB target. At 1,000 frames/s the agent never needs more than the initial 1 MiB
 * semi-spaces, so the new space is kept at that size. In an ARP storm that means more
 * young collections (more CPU) and a lower memory peak; bench/agent.md has both.
 * `--semi-space-growth-factor` is one of the few heap flags V8 reads at run time (the
 * maximum sizes are fixed when the heap is created).
 *
 * An operator who sets new-space flags in NODE_OPTIONS or on node's command line keeps
 * them: nothing is changed then.
 */
import { setFlagsFromString } from 'node:v8';

/** The flags this module sets, unless the command line already has a say. */
export const HEAP_FLAGS = '--semi-space-growth-factor=1';
const OPERATOR_FLAGS = /--(?:semi-space-growth-factor|max-semi-space-size|min-semi-space-size|max-heap-size)\b/;

export function applyHeapFlags(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): boolean {
  if (OPERATOR_FLAGS.test(nodeOptions) || execArgv.some((a) => OPERATOR_FLAGS.test(a))) return false;
  setFlagsFromString(HEAP_FLAGS);
  return true;
}

applyHeapFlags();
