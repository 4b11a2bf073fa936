import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@neighwatch/config';
import { CAPTURE_FILTER, CaptureManager } from './capture';

// A scripted stand-in for cap: like the real one, it reuses ONE buffer for every packet
// and overwrites it right after each callback, so a helper that kept a reference instead
// of copying would deliver garbage.
const FAKE_CAP = `
const { EventEmitter } = require('node:events');
class Cap extends EventEmitter {
  open(device, filter, bufSize, buffer) {
    if (device === 'down0') throw new Error('down0: That device is not up');
    if (device === 'crash0') setTimeout(() => process.abort(), 50);
    require('node:fs').appendFileSync(process.env.FAKE_CAP_LOG, JSON.stringify({ device, filter, bufSize }) + '\\n');
    this.timer = setTimeout(() => {
      for (let i = 0; i < 300; i++) {
        const frame = Buffer.alloc(60 + (i % 40), i & 0xff);
        frame.write(device.padEnd(6, '_').slice(0, 6), 0, 'latin1');
        frame.copy(buffer);
        this.emit('packet', frame.length, false);
        buffer.fill(0xee);
      }
    }, 20);
    return device === 'wifi0' ? 'IEEE802_11_RADIO' : 'ETHERNET';
  }
  close() { clearTimeout(this.timer); }
}
module.exports = { Cap };
`;

let dir: string;
let manager: CaptureManager | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nw-capture-'));
  writeFileSync(join(dir, 'cap.cjs'), FAKE_CAP);
  process.env.FAKE_CAP_LOG = join(dir, 'opened.log');
});
afterEach(async () => {
  await manager?.stop();
  manager = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function start(extra: { onHelperExit?: () => void } = {}) {
  const frames: { iface: string; bytes: Buffer; wireLength: number; timeUs: number }[] = [];
  const logs: string[] = [];
  const log = createLogger({ stream: { write: (t: string) => logs.push(t) }, format: 'json', level: 'debug' });
  manager = new CaptureManager({
    bufferSize: 1 << 20,
    log,
    capModulePath: join(dir, 'cap.cjs'),
    onFrame: (iface, _linkType, bytes, wireLength, timeUs) => frames.push({ iface, bytes: Buffer.from(bytes), wireLength, timeUs }),
    onOverflow: () => undefined,
    onHelperExit: extra.onHelperExit ?? (() => undefined),
  });
  return { manager, frames, logs };
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('CaptureManager and its helper process', () => {
  it('delivers every frame intact, copied before the buffer is reused, with the kernel filter', async () => {
    const { manager, frames } = start();
    manager.setInterfaces(['eth0', 'eth1']);
    await until(() => frames.length === 600);
    for (const iface of ['eth0', 'eth1']) {
      const mine = frames.filter((f) => f.iface === iface);
      expect(mine).toHaveLength(300);
      mine.forEach((f, i) => {
        expect(f.bytes.length).toBe(60 + (i % 40));
        expect(f.wireLength).toBe(f.bytes.length);
        expect(f.bytes.toString('latin1', 0, 6)).toBe(iface.padEnd(6, '_'));
        expect(f.bytes[f.bytes.length - 1]).toBe(i & 0xff);
        expect(Math.abs(f.timeUs - Date.now() * 1000)).toBeLessThan(10e6);
      });
    }
    expect(manager.opened.get('eth0')).toBe(1);
    const { readFileSync } = await import('node:fs');
    const opened = readFileSync(join(dir, 'opened.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(opened[0]).toEqual({ device: 'eth0', filter: CAPTURE_FILTER, bufSize: 1 << 20 });
  });

  it('reports interfaces that cannot be opened and skips unsupported link types', async () => {
    const { manager, logs } = start();
    manager.setInterfaces(['down0', 'wifi0', 'eth0']);
    await until(() => manager.opened.has('eth0') && manager.failed.has('down0'));
    expect(manager.failed.get('down0')).toMatch(/not up/);
    expect(manager.opened.has('wifi0')).toBe(false);
    expect(logs.some((l) => l.includes('unsupported link type'))).toBe(true);
  });

  it('restarts the helper when it dies and reopens the interfaces still wanted', async () => {
    let exits = 0;
    const { manager, frames } = start({ onHelperExit: () => exits++ });
    manager.setInterfaces(['eth0', 'crash0']);
    await until(() => manager.helperRestarts >= 1);
    // The agent re-reads the interfaces on exit; crash0 is gone now.
    manager.setInterfaces(['eth0']);
    await until(() => exits >= 1 && manager.opened.has('eth0') && frames.filter((f) => f.iface === 'eth0').length >= 600);
  });

  it('closes captures no longer wanted', async () => {
    const { manager } = start();
    manager.setInterfaces(['eth0', 'eth1']);
    await until(() => manager.opened.size === 2);
    manager.setInterfaces(['eth1']);
    await until(() => !manager.opened.has('eth0'));
    expect([...manager.opened.keys()]).toEqual(['eth1']);
  });
});
