/**
 * Per-agent token bucket on observations per second. A batch takes as many tokens as
 * it has observations; when the bucket cannot cover it, the agent is told how long to
 * wait instead of the collector queueing its flood in front of everyone else.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  /**
   * @param ratePerSecond refill rate
   * @param capacity burst size; at least one full batch, or a maximal batch could never pass
   * @param nowMs the clock, injectable for tests
   */
  constructor(
    private readonly ratePerSecond: number,
    private readonly capacity: number,
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    this.tokens = capacity;
    this.last = nowMs();
  }

  private refill(): void {
    const now = this.nowMs();
    const elapsed = now - this.last;
    if (elapsed > 0) {
      this.tokens = Math.min(this.capacity, this.tokens + (elapsed * this.ratePerSecond) / 1000);
      this.last = now;
    }
  }

  /** Takes `n` tokens and returns 0, or takes none and returns the milliseconds to wait. */
  take(n: number): number {
    this.refill();
    if (n <= this.tokens) {
      this.tokens -= n;
      return 0;
    }
    const needed = Math.min(n, this.capacity) - this.tokens;
    return Math.max(1, Math.ceil((needed * 1000) / this.ratePerSecond));
  }
}
