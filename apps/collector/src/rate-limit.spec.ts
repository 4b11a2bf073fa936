import { describe, expect, it } from 'vitest';
import { TokenBucket } from './rate-limit';

describe('TokenBucket', () => {
  it('passes a burst up to capacity, then says how long to wait', () => {
    let now = 0;
    const bucket = new TokenBucket(1000, 2000, () => now);
    expect(bucket.take(1500)).toBe(0);
    expect(bucket.take(500)).toBe(0);
    expect(bucket.take(1000)).toBe(1000); // empty: 1000 tokens at 1000/s
    now = 500;
    expect(bucket.take(1000)).toBe(500); // 500 refilled, 500 more needed
    now = 1000;
    expect(bucket.take(1000)).toBe(0);
  });

  it('never refills beyond capacity, and a rejected take costs nothing', () => {
    let now = 0;
    const bucket = new TokenBucket(100, 200, () => now);
    now = 60_000;
    expect(bucket.take(200)).toBe(0);
    expect(bucket.take(1)).toBeGreaterThan(0);
    now += 10;
    expect(bucket.take(1)).toBe(0);
  });

  it('keeps one flooding agent from using another agent\'s budget', () => {
    const now = 0;
    const flood = new TokenBucket(100, 100, () => now);
    const quiet = new TokenBucket(100, 100, () => now);
    for (let i = 0; i < 10; i++) flood.take(100);
    expect(flood.take(100)).toBeGreaterThan(0);
    expect(quiet.take(100)).toBe(0);
  });
});
