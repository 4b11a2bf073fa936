/**
 * Child process for the sliced-flush crash test. Six nodes, each unit 100 rows per node
 * (256 distinct bindings per node), a 5 ms flush interval: flush rounds, written a few
 * nodes per transaction, run all the time between units. After 30 units it prints "kill"
 * and goes on until the test SIGKILLs it, at whatever point of a round that falls.
 */
import { openStore } from '../src/index.ts';
import { batch, T0 } from './fixtures.ts';

const [file] = process.argv.slice(2);
const NODES = ['slice-a', 'slice-b', 'slice-c', 'slice-d', 'slice-e', 'slice-f'];
const store = await openStore({ file, bindingFlushMs: 5 });
const PER_NODE = 100;
let next = 1;
const commit = async () => {
  await store.commitIngest({ observations: NODES.flatMap((node) => batch(node, next, PER_NODE, T0 + next)) });
  next += PER_NODE;
  // Let the flush round's slices in between units, as the collector's event loop does.
  await new Promise((resolve) => setImmediate(resolve));
};
for (let i = 0; i < 30; i++) await commit();
process.stdout.write('kill\n');
for (;;) await commit();
