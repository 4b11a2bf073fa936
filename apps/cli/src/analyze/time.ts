/**
 * ISO 8601 UTC timestamps with microseconds ("2012-05-01T10:00:00.123456Z") for every
 * observation: the date part is formatted once per second of capture time, the fraction by
 * padding, so the hot path does no Date work.
 */
export class IsoTimeFormatter {
  private second = Number.NaN;
  private prefix = '';

  format(timeUs: number): string {
    const second = Math.floor(timeUs / 1_000_000);
    if (second !== this.second) {
      this.second = second;
      this.prefix = new Date(second * 1000).toISOString().slice(0, 19);
    }
    const fraction = timeUs - second * 1_000_000;
    return `${this.prefix}.${String(1_000_000 + fraction).slice(1)}Z`;
  }
}

const shared = new IsoTimeFormatter();

/** One-off formatting (summaries, findings). */
export function isoTime(timeUs: number): string {
  return shared.format(timeUs);
}
