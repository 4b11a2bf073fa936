/**
 * Child process for the binding-fold crash test. Commits 20 units, asks for the bindings
 * (which writes the fold and moves the watermark), commits 10 more units that stay folded
 * in memory only (the flush interval is an hour), prints "kill" and goes on committing
 * until the test SIGKILLs it.
 */
import { openStore } from '../src/index.ts';
import { batch, T0 } from './fixtures.ts';

const [file, node = 'fold-node'] = process.argv.slice(2);
const store = await openStore({ file, bindingFlushMs: 3_600_000 });
const UNIT = 500;
let next = 1;
const commit = async () => {
  await store.commitIngest({ observations: batch(node, next, UNIT, T0 + next) });
  next += UNIT;
};
for (let i = 0; i < 20; i++) await commit();
await store.listBindings({ node }, { limit: 1 });
for (let i = 0; i < 10; i++) await commit();
process.stdout.write('kill\n');
for (;;) await commit();
