/**
 * Estimates an agent's clock offset (collector clock − agent clock) from the times the
 * agent stamps on what it sends. Each sample is `receive time − agent time`, which is the
 * true offset plus the one-way delay (network, queueing, event loop): never less than
 * the offset. So the smallest sample in a sliding window is the best estimate (the
 * minimum-delay filter NTP uses), and the window lets it follow drift and steps.
 */

/** Samples kept: at one batch per ~100 ms this spans the last few seconds to minutes. */
export const OFFSET_WINDOW_SAMPLES = 64;
/** Samples older than this are dropped even if fewer than the window arrived, so a clock step is followed. */
export const OFFSET_WINDOW_US = 10 * 60 * 1e6;

export class ClockOffsetEstimator {
  private readonly samples: { offsetUs: number; atUs: number }[] = [];
  private estimate = 0;

  /** Adds one sample: `agentTimeUs` stamped by the agent, received at `receivedUs` on our clock. */
  add(agentTimeUs: number, receivedUs: number): number {
    this.samples.push({ offsetUs: receivedUs - agentTimeUs, atUs: receivedUs });
    while (this.samples.length > OFFSET_WINDOW_SAMPLES || (this.samples.length > 1 && this.samples[0].atUs < receivedUs - OFFSET_WINDOW_US)) {
      this.samples.shift();
    }
    let min = Infinity;
    for (const s of this.samples) if (s.offsetUs < min) min = s.offsetUs;
    this.estimate = min;
    return min;
  }

  /** Collector clock − agent clock, microseconds; 0 before the first sample. */
  get offsetUs(): number {
    return this.estimate;
  }

  /** An agent timestamp on the collector's clock. */
  correct(agentTimeUs: number): number {
    return agentTimeUs + this.estimate;
  }
}
