import { getHeapSpaceStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { applyHeapFlags } from './heap';

const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_size;

describe('heap flags', () => {
  it('leave new-space flags given by the operator alone', () => {
    expect(applyHeapFlags([], '--max-semi-space-size=8')).toBe(false);
    expect(applyHeapFlags(['--semi-space-growth-factor=2'], '')).toBe(false);
    expect(applyHeapFlags([], '--max-heap-size=64 --enable-source-maps')).toBe(false);
  });

  it('keep the young generation from growing under an allocation burst', () => {
    expect(applyHeapFlags([], '--enable-source-maps')).toBe(true);
    const before = newSpace();
    let keep: { n: number; s: string }[] = [];
    for (let i = 0; i < 1_000_000; i++) {
      keep.push({ n: i, s: `x${i}` });
      if (keep.length > 2000) keep = [];
    }
    expect(keep.length).toBeGreaterThan(0);
    expect(newSpace()).toBeLessThanOrEqual(Math.max(before, 2 * 2 ** 20));
  });
});
