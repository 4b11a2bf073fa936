#!/usr/bin/env node
// Writes Ethernet frames on an interface with cap's send(), for the agent's tests and
// footprint benchmark. Run inside the peer network namespace:
//   node send-frames.mjs <interface> <frames.hex: one frame per line> [count] [rate per second]
// Without count: each frame once. With a rate: paced in 10 ms slices.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Cap } = require('cap');
const [iface, file, countArg, rateArg] = process.argv.slice(2);
const frames = readFileSync(file, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => Buffer.from(l.trim(), 'hex'));
const count = countArg ? Number(countArg) : frames.length;
const rate = rateArg ? Number(rateArg) : 0;
const cap = new Cap();
// cap keeps only a raw pointer to this buffer: hold a reference so the GC cannot free it.
// The filter matches nothing: this handle only sends.
const captureBuffer = Buffer.alloc(65535);
cap.open(iface, 'less 1', 1024 * 1024, captureBuffer);
let sent = 0;
let failed = 0;
const start = performance.now();
function burst() {
  const due = rate > 0 ? Math.min(count, Math.floor(((performance.now() - start) / 1000) * rate) + 1) : count;
  while (sent < due) {
    const frame = frames[sent % frames.length];
    try {
      cap.send(frame, frame.length);
    } catch {
      // ENOBUFS under a storm: the frame is lost, as on a real link; counted.
      failed++;
    }
    sent++;
  }
  if (sent < count) setTimeout(burst, 10);
  else {
    cap.close();
    captureBuffer.fill(0);
    process.stdout.write(JSON.stringify({ sent, failed, seconds: (performance.now() - start) / 1000 }) + '\n');
  }
}
burst();
