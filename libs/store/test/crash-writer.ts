/**
 * Child process for the crash-safety test: commits batches as fast as it can and prints
 * "<committed sequence>" after each commitIngest resolves, i.e. what a collector would ack.
 * The test SIGKILLs it mid-run and checks every printed sequence survived.
 */
import { openStore } from '../src/index.ts';
import { batch, T0 } from './fixtures.ts';

const [file, node = 'crash-node'] = process.argv.slice(2);
const store = await openStore({ file });
process.stdout.write('ready\n');
let next = 1;
for (;;) {
  const result = await store.commitIngest({ observations: batch(node, next, 500, T0 + next) });
  next += 500;
  process.stdout.write(`${result.committed.get(node)}\n`);
}
