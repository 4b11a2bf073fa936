import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createLogger } from '@neighwatch/config';
import { CAPTURE_FILTER, CAPTURE_SNAPLEN, CaptureManager, type CapHandle, type CapModule, type PcapStats } from './capture';

/**
 * A scripted stand-in for the patched cap: like the real one it copies each frame into the
 * ONE buffer given to open() and emits 'packet' synchronously, then the buffer is reused.
 */
class FakeCap extends EventEmitter implements CapHandle {
  static all: FakeCap[] = [];
  device = '';
  filter = '';
  bufSize = 0;
  buffer = Buffer.alloc(0);
  closed = false;
  counters: PcapStats = { received: 0, dropped: 0, ifdropped: 0 };

  constructor() {
    super();
    FakeCap.all.push(this);
  }

  open(device: string, filter: string, bufSize: number, buffer: Buffer): string {
    Object.assign(this, { device, filter, bufSize, buffer });
    if (device === 'down0') throw new Error('down0: That device is not up');
    return device === 'wifi0' ? 'IEEE802_11_RADIO' : 'ETHERNET';
  }

  /** Delivers a frame the way cap does: copy into the shared buffer, emit, buffer reused. */
  deliver(frame: Buffer): void {
    const n = Math.min(frame.length, this.buffer.length);
    frame.copy(this.buffer, 0, 0, n);
    this.counters.received++;
    this.emit('packet', n, false, frame.length);
    this.buffer.fill(0xee);
  }

  close(): boolean {
    const was = !this.closed;
    this.closed = true;
    return was;
  }

  stats(): PcapStats {
    if (this.closed) throw new Error('Not currently capturing/open');
    return { ...this.counters };
  }

  static of(device: string): FakeCap {
    return FakeCap.all.findLast((c) => c.device === device)!;
  }
}

function start(snaplen = 256) {
  FakeCap.all = [];
  const frames: { iface: string; bytes: Buffer; wireLength: number; timeUs: number }[] = [];
  const errors: string[] = [];
  const logs: Record<string, unknown>[] = [];
  const log = createLogger({ stream: { write: (t: string) => logs.push(JSON.parse(t) as Record<string, unknown>) }, format: 'json', level: 'debug' });
  const manager = new CaptureManager({
    bufferSize: 1 << 20,
    snaplen,
    log,
    cap: { Cap: FakeCap } as unknown as CapModule,
    onFrame: (iface, _linkType, bytes, wireLength, timeUs) => frames.push({ iface, bytes: Buffer.from(bytes), wireLength, timeUs }),
    onCaptureError: (iface) => errors.push(iface),
  });
  return { manager, frames, errors, logs };
}

const frame = (tag: string, length: number) => {
  const bytes = Buffer.alloc(length, length & 0xff);
  bytes.write(tag, 0, 'latin1');
  return bytes;
};

describe('CaptureManager', () => {
  it('opens each interface with the kernel filter and a snapshot-length buffer, and hands over every frame intact', () => {
    const { manager, frames } = start();
    manager.setInterfaces(['eth0', 'eth1']);
    const eth0 = FakeCap.of('eth0');
    expect(eth0).toMatchObject({ filter: CAPTURE_FILTER, bufSize: 1 << 20 });
    expect(eth0.buffer.length).toBe(CAPTURE_SNAPLEN);
    for (let i = 0; i < 100; i++) {
      FakeCap.of('eth0').deliver(frame('eth0', 60 + i));
      FakeCap.of('eth1').deliver(frame('eth1', 160 - i));
    }
    expect(frames).toHaveLength(200);
    const eth0Frames = frames.filter((f) => f.iface === 'eth0');
    eth0Frames.forEach((f, i) => {
      expect(f.bytes.length).toBe(60 + i);
      expect(f.bytes.toString('latin1', 0, 4)).toBe('eth0');
      expect(f.bytes[f.bytes.length - 1]).toBe((60 + i) & 0xff);
      expect(f.wireLength).toBe(60 + i);
      expect(Math.abs(f.timeUs - Date.now() * 1000)).toBeLessThan(10e6);
    });
    expect(manager.opened.get('eth0')).toBe(1);
  });

  it('captures at least the configured snaplen and reports the wire length of a cut frame', () => {
    const { manager, frames } = start(4000);
    manager.setInterfaces(['eth0']);
    expect(FakeCap.of('eth0').buffer.length).toBe(4000);
    FakeCap.of('eth0').deliver(frame('jumbo', 9000));
    expect(frames[0].bytes.length).toBe(4000);
    expect(frames[0].wireLength).toBe(9000);
  });

  it('reports interfaces that cannot be opened, skips unsupported link types, and retries on the next call', () => {
    const { manager, logs } = start();
    manager.setInterfaces(['down0', 'wifi0', 'eth0']);
    expect(manager.failed.get('down0')).toMatch(/not up/);
    expect([...manager.opened.keys()]).toEqual(['eth0']);
    expect(FakeCap.of('wifi0').closed).toBe(true);
    expect(FakeCap.of('down0').closed).toBe(true);
    expect(logs.filter((l) => l.msg === 'capture: unsupported link type, not capturing')).toHaveLength(1);
    const opens = FakeCap.all.length;
    manager.setInterfaces(['down0', 'wifi0', 'eth0']);
    expect(FakeCap.all.length).toBe(opens + 2);
    // Logged once per reason, not on every retry.
    expect(logs.filter((l) => l.msg === 'capture could not start; retrying on the next interface scan')).toHaveLength(1);
    manager.setInterfaces(['eth0']);
    expect(manager.failed.size).toBe(0);
  });

  it('closes a capture whose interface went away, says so, keeps the others, and reopens it when asked', () => {
    const { manager, frames, errors, logs } = start();
    manager.setInterfaces(['eth0', 'tap0']);
    const tap0 = FakeCap.of('tap0');
    tap0.deliver(frame('tap0', 60));
    tap0.emit('error', new Error('Network is down'));
    expect(tap0.closed).toBe(true);
    expect(errors).toEqual(['tap0']);
    expect(manager.errors.get('tap0')).toBe(1);
    expect([...manager.opened.keys()]).toEqual(['eth0']);
    expect(logs.find((l) => l.msg === 'capture failed: the interface went down or away; re-reading interfaces')).toMatchObject({ interface: 'tap0', error: 'Network is down' });
    FakeCap.of('eth0').deliver(frame('eth0', 60));
    expect(frames.map((f) => f.iface)).toEqual(['tap0', 'eth0']);

    manager.setInterfaces(['eth0', 'tap0']);
    expect(FakeCap.of('tap0')).not.toBe(tap0);
    FakeCap.of('tap0').deliver(frame('tap0', 61));
    expect(frames.at(-1)).toMatchObject({ iface: 'tap0', wireLength: 61 });
  });

  it('closes captures no longer wanted and keeps pcap counters growing across reopenings', () => {
    const { manager } = start();
    manager.setInterfaces(['eth0', 'eth1']);
    FakeCap.of('eth0').counters = { received: 10, dropped: 3, ifdropped: 1 };
    FakeCap.of('eth1').counters = { received: 5, dropped: 0, ifdropped: 0 };
    manager.setInterfaces(['eth1']);
    expect(FakeCap.of('eth0').closed).toBe(true);
    expect([...manager.opened.keys()]).toEqual(['eth1']);
    manager.setInterfaces(['eth0', 'eth1']);
    FakeCap.of('eth0').counters = { received: 4, dropped: 1, ifdropped: 0 };
    expect(Object.fromEntries(manager.stats())).toEqual({
      eth0: { received: 14, dropped: 4, ifdropped: 1 },
      eth1: { received: 5, dropped: 0, ifdropped: 0 },
    });
    manager.stop();
    expect(FakeCap.all.every((c) => c.closed)).toBe(true);
    expect(manager.stats().get('eth0')).toEqual({ received: 14, dropped: 4, ifdropped: 1 });
  });

  it('refuses an unpatched cap', () => {
    class Unpatched {}
    expect(
      () =>
        new CaptureManager({
          bufferSize: 1 << 20,
          snaplen: 256,
          log: createLogger({ stream: { write: () => undefined }, format: 'json', level: 'error' }),
          cap: { Cap: Unpatched } as unknown as CapModule,
          onFrame: () => undefined,
          onCaptureError: () => undefined,
        }),
    ).toThrow(/tools\/patch-cap\.mjs/);
  });
});
