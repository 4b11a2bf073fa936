#!/usr/bin/env node
// Drives the patched npm `cap` directly, for the system test of the patch (cap.test.ts).
// Run inside a network namespace, with --expose-gc. Reads commands on stdin, one a line:
//   open <id> <device> <filter> <ring bytes> <buffer bytes>   a new Cap on <device>
//   close <id>            close it
//   stats <id>            print its stats()
//   block <ms>            busy-wait (the event loop does not run: the kernel ring fills)
//   gc                    drop closed Caps and collect garbage
// and prints one JSON object a line: {"id","event":"opened"|"packet"|"error"|"stats"|…}.
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';

const { Cap } = createRequire(import.meta.url)('cap');
const caps = new Map();
const print = (value) => process.stdout.write(JSON.stringify(value) + '\n');

function run(words) {
  const [command, id] = words;
  switch (command) {
    case 'open': {
      const [, , device, filter, ring, size] = words;
      const cap = new Cap();
      const buffer = Buffer.alloc(Number(size));
      try {
        const linkType = cap.open(device, filter === '-' ? '' : filter, Number(ring), buffer);
        caps.set(id, { cap, buffer });
        cap.on('packet', (nbytes, truncated, wireLength) => print({ id, event: 'packet', nbytes, truncated, wireLength, first: buffer.readUInt32BE(0) }));
        cap.on('error', (error) => print({ id, event: 'error', message: error.message }));
        print({ id, event: 'opened', linkType });
      } catch (error) {
        print({ id, event: 'open failed', message: error.message });
      }
      break;
    }
    case 'close':
      print({ id, event: 'closed', result: caps.get(id).cap.close() });
      break;
    case 'stats':
      try {
        print({ id, event: 'stats', ...caps.get(id).cap.stats() });
      } catch (error) {
        print({ id, event: 'stats failed', message: error.message });
      }
      break;
    case 'block': {
      print({ event: 'blocking' });
      const until = Date.now() + Number(id);
      while (Date.now() < until);
      print({ event: 'unblocked' });
      break;
    }
    case 'gc':
      for (const { cap } of caps.values()) cap.close();
      caps.clear();
      globalThis.gc();
      setTimeout(() => {
        globalThis.gc();
        print({ event: 'gc done' });
      }, 50);
      break;
    default:
      print({ event: 'unknown command', command });
  }
}

createInterface({ input: process.stdin }).on('line', (line) => line.trim() && run(line.trim().split(/\s+/)));
