import { describe, expect, it } from 'vitest';
import { createLogger, LogRateLimiter } from './log';

function sink(isTTY: boolean) {
  const lines: string[] = [];
  return { lines, stream: { isTTY, write: (text: string) => lines.push(text) } };
}
const now = () => new Date('2026-01-02T03:04:05.678Z');

describe('createLogger', () => {
  it('writes one JSON object per line when not on a terminal', () => {
    const { lines, stream } = sink(false);
    const log = createLogger({ stream, now, name: 'neighwatch-agent' });
    log.info('capture started', { interface: 'eth0', frames: 3, error: new Error('boom'), mac: Buffer.from([0, 3, 0xff]) });
    expect(lines).toHaveLength(1);
    expect(lines[0].endsWith('\n')).toBe(true);
    const record = JSON.parse(lines[0]);
    expect(record).toMatchObject({ time: '2026-01-02T03:04:05.678Z', level: 'info', name: 'neighwatch-agent', msg: 'capture started', interface: 'eth0', frames: 3, mac: '0003ff' });
    expect(record.error.message).toBe('boom');
  });

  it('filters by level and can change level at run time, children included', () => {
    const { lines, stream } = sink(false);
    const log = createLogger({ stream, level: 'warn' });
    const child = log.child({ component: 'spool' });
    log.info('hidden');
    child.warn('shown');
    expect(log.enabled('debug')).toBe(false);
    log.setLevel('debug');
    child.debug('now shown');
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['shown', 'now shown']);
    expect(JSON.parse(lines[1]).component).toBe('spool');
  });

  it('writes readable colored lines on a terminal', () => {
    const { lines, stream } = sink(true);
    createLogger({ stream, now, env: {} }).warn('spool full', { dropped: 12, dir: '/var/lib/x y' });
    expect(lines[0]).toContain('\x1b[33m');
    expect(lines[0].replace(/\x1b\[\d+m/g, '')).toBe('03:04:05.678 WARN  spool full dropped=12 dir="/var/lib/x y"\n');
  });

  it('respects NO_COLOR and an explicit format', () => {
    const tty = sink(true);
    createLogger({ stream: tty.stream, now, env: { NO_COLOR: '1' } }).error('x');
    expect(tty.lines[0]).toBe('03:04:05.678 ERROR x\n');
    const forced = sink(true);
    createLogger({ stream: forced.stream, format: 'json', env: {} }).info('x');
    expect(JSON.parse(forced.lines[0]).msg).toBe('x');
    const text = sink(false);
    createLogger({ stream: text.stream, format: 'text', now, env: {} }).info('x');
    expect(text.lines[0]).toBe('03:04:05.678 INFO  x\n');
  });
});

describe('LogRateLimiter', () => {
  it('lets one event per key through per interval and counts the rest', () => {
    let t = 0;
    const limiter = new LogRateLimiter(1000, () => t);
    expect(limiter.take('truncated')).toBe(0);
    expect(limiter.take('truncated')).toBeUndefined();
    expect(limiter.take('truncated')).toBeUndefined();
    expect(limiter.take('malformed')).toBe(0);
    t = 1500;
    expect(limiter.take('truncated')).toBe(2);
    expect(limiter.take('truncated')).toBeUndefined();
  });
});
