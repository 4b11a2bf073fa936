import { describe, expect, it } from 'vitest';
import { formatDuration, formatSize, parseDuration, parseSize } from './units';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['30s', 30_000],
    ['1m', 60_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1500],
    ['500us', 0.5],
    ['2d', 172_800_000],
    ['0', 0],
    [' 10s ', 10_000],
  ])('%s → %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['30', '', 'ms', '10 parsecs', '1m30', '-5s', '5sx'])('rejects %j with the accepted forms', (text) => {
    expect(() => parseDuration(text)).toThrow(/is not a duration \(examples: 250ms/);
  });

  it('round-trips through formatDuration', () => {
    for (const ms of [250, 30_000, 60_000, 90_000, 5_400_000, 86_400_000 + 1]) expect(parseDuration(formatDuration(ms))).toBe(ms);
    expect(formatDuration(90_000)).toBe('1m30s');
  });
});

describe('parseSize', () => {
  it.each([
    ['64MiB', 64 * 2 ** 20],
    ['512KiB', 512 * 1024],
    ['1GB', 1e9],
    ['1.5GiB', 1.5 * 2 ** 30],
    ['65536', 65536],
    ['10 kB', 10_000],
    ['64m', 64 * 2 ** 20],
  ])('%s → %d bytes', (text, bytes) => expect(parseSize(text)).toBe(bytes));

  it.each(['', 'MiB', '64 parsecs', '-1MiB', '1e3'])('rejects %j', (text) => {
    expect(() => parseSize(text)).toThrow(/is not a size/);
  });

  it('formats with the largest exact binary unit', () => {
    expect(formatSize(64 * 2 ** 20)).toBe('64MiB');
    expect(formatSize(1536)).toBe('1536');
    expect(formatSize(3 * 1024)).toBe('3KiB');
  });
});
