import { describe, expect, it } from 'vitest';
import { ClockOffsetEstimator, OFFSET_WINDOW_SAMPLES } from './clock';

describe('ClockOffsetEstimator', () => {
  it('takes the minimum-delay sample as the offset', () => {
    const clock = new ClockOffsetEstimator();
    const trueOffset = -2_000_000; // agent clock 2 s ahead
    const delays = [5000, 800, 12_000, 300, 2500];
    let t = 1_700_000_000_000_000;
    for (const d of delays) {
      t += 100_000;
      clock.add(t - trueOffset, t + d);
    }
    expect(clock.offsetUs).toBe(trueOffset + 300);
    expect(clock.correct(1_000_000_000)).toBe(1_000_000_000 + trueOffset + 300);
  });

  it('follows a clock step once the old samples leave the window', () => {
    const clock = new ClockOffsetEstimator();
    let t = 1_700_000_000_000_000;
    for (let i = 0; i < 10; i++) clock.add((t += 1_000_000), t + 100);
    expect(clock.offsetUs).toBe(100);
    // The agent's clock is stepped 5 s back: offsets grow to +5 s.
    for (let i = 0; i < OFFSET_WINDOW_SAMPLES; i++) clock.add((t += 1_000_000) - 5_000_000, t + 200);
    expect(clock.offsetUs).toBe(5_000_200);
  });

  it('is 0 before any sample', () => {
    expect(new ClockOffsetEstimator().offsetUs).toBe(0);
  });
});
