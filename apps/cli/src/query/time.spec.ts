import { describe, expect, it } from 'vitest';
import { CliError, ExitCode } from './errors';
import { formatAgo, formatIsoUtc, formatLocal, formatOffset, parseRelativeDuration, parseTimeArg } from './time';

const NOW = Date.UTC(2026, 10, 26, 12, 0, 0); // 2026-11-26T12:00:00Z

describe('parseTimeArg', () => {
  it.each([
    ['90s', 90_000],
    ['15m', 15 * 60_000],
    ['24h', 24 * 3_600_000],
    ['7d', 7 * 86_400_000],
    ['2w', 14 * 86_400_000],
    ['1h30m', 90 * 60_000],
    ['1.5h', 90 * 60_000],
    ['500ms', 500],
  ])('reads %s as a duration back from now', (text, ms) => {
    expect(parseTimeArg(text, '--since', NOW)).toBe((NOW - ms) * 1000);
  });

  it('reads now', () => {
    expect(parseTimeArg('now', '--until', NOW)).toBe(NOW * 1000);
  });

  it('reads UTC and offset timestamps as given, with fractions to the microsecond', () => {
    expect(parseTimeArg('2026-11-01T08:30:00Z', '--since', NOW)).toBe(Date.UTC(2026, 10, 1, 8, 30) * 1000);
    expect(parseTimeArg('2026-11-01T08:30:00.123456Z', '--since', NOW)).toBe(Date.UTC(2026, 10, 1, 8, 30) * 1000 + 123456);
    expect(parseTimeArg('2026-11-01T09:30:00+01:00', '--since', NOW)).toBe(Date.UTC(2026, 10, 1, 8, 30) * 1000);
    expect(parseTimeArg('2026-11-01T03:30-0500', '--since', NOW)).toBe(Date.UTC(2026, 10, 1, 8, 30) * 1000);
  });

  it('reads dates and zone-less timestamps in local time', () => {
    expect(parseTimeArg('2026-11-01', '--since', NOW)).toBe(new Date(2026, 10, 1).getTime() * 1000);
    expect(parseTimeArg('2026-11-01T08:30', '--since', NOW)).toBe(new Date(2026, 10, 1, 8, 30).getTime() * 1000);
    expect(parseTimeArg('2026-11-01 08:30:15', '--since', NOW)).toBe(new Date(2026, 10, 1, 8, 30, 15).getTime() * 1000);
  });

  it.each(['yesterday', '30', '2026-02-30', '2026-13-01', '2026-11-01T25:00Z', '7 days', '-7d', ''])(
    'rejects %j as a usage error naming the option and the syntax',
    (text) => {
      let error: unknown;
      try {
        parseTimeArg(text, '--since', NOW);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(CliError);
      expect((error as CliError).exitCode).toBe(ExitCode.usage);
      expect((error as CliError).message).toContain('--since');
      expect((error as CliError).message).toContain('24h');
    },
  );
});

describe('parseRelativeDuration', () => {
  it('returns null for what is not a duration', () => {
    expect(parseRelativeDuration('10')).toBeNull();
    expect(parseRelativeDuration('10x')).toBeNull();
    expect(parseRelativeDuration('10s')).toBe(10_000);
  });
});

describe('time output', () => {
  it('prints ISO 8601 UTC for JSON and CSV', () => {
    expect(formatIsoUtc(Date.UTC(2026, 10, 1, 8, 30, 5, 250) * 1000 + 999)).toBe('2026-11-01T08:30:05.250Z');
    expect(formatIsoUtc(0)).toBe('');
  });

  it('prints local time for a terminal', () => {
    const t = new Date(2026, 10, 1, 8, 5, 9);
    expect(formatLocal(t.getTime() * 1000)).toBe('2026-11-01 08:05:09');
  });

  it('says how long ago', () => {
    expect(formatAgo((NOW - 30_000) * 1000, NOW)).toBe('30s ago');
    expect(formatAgo((NOW - 20 * 60_000) * 1000, NOW)).toBe('20m ago');
    expect(formatAgo((NOW - 5 * 3_600_000) * 1000, NOW)).toBe('5h ago');
    expect(formatAgo((NOW - 3 * 86_400_000) * 1000, NOW)).toBe('3d ago');
  });

  it('prints clock offsets with sign and unit', () => {
    expect(formatOffset(0)).toBe('0');
    expect(formatOffset(250)).toBe('+250us');
    expect(formatOffset(-3_200)).toBe('-3.2ms');
    expect(formatOffset(1_250_000)).toBe('+1.250s');
  });
});
