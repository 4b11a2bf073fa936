/**
 * ISO 8601 UTC timestamps with microseconds ("2012-05-01T10:00:00.123456Z") for every
 * observation: the date part is formatted once per second of capture time, the fraction by
 * table look-up, so the hot path does no Date work.
 */
import { AsciiConst } from './ascii-const';
import type { Output } from './output';

/** "000" … "999": the fraction is two table look-ups instead of a number → string conversion. */
const THREE_DIGITS: readonly string[] = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

export class IsoTimeFormatter {
  private second = Number.NaN;
  private prefix = '';
  private before = '';
  private head = '';

  format(timeUs: number): string {
    const second = Math.floor(timeUs / 1_000_000);
    if (second !== this.second) {
      this.second = second;
      this.prefix = new Date(second * 1000).toISOString().slice(0, 19);
    }
    const fraction = timeUs - second * 1_000_000;
    const ms = Math.floor(fraction / 1000);
    return this.prefix + '.' + THREE_DIGITS[ms] + THREE_DIGITS[fraction - ms * 1000] + 'Z';
  }

  /**
   * The same timestamp written straight to `out` (the JSON hot path): `before` and the date
   * part are one cached string per second, then six digits, then `after`.
   */
  write(out: Output, timeUs: number, before: string): void {
    const second = Math.floor(timeUs / 1_000_000);
    if (second !== this.second || before !== this.before) {
      this.second = second;
      this.before = before;
      this.prefix = new Date(second * 1000).toISOString().slice(0, 19);
      this.head = `${before}${this.prefix}.`;
    }
    out.ascii(this.head);
    out.digits6(timeUs - second * 1_000_000);
  }
}

/** `,"time":"` then the date part and the dot: what `IsoTimeFormatter.bytes` caches per second. */
function timeFieldHead(second: number): string {
  return `,"time":"${new Date(second * 1000).toISOString().slice(0, 19)}.`;
}

/**
 * The JSON time field of an observation as bytes, cached per second of capture time:
 * `bytes(timeUs)` returns `,"time":"2012-05-01T10:00:00.` and leaves the microseconds in
 * `fraction` (the caller writes them as six digits, then `Z"`).
 */
export class TimeFieldBytes {
  private second = Number.NaN;
  private head = new AsciiConst('');
  fraction = 0;

  bytes(timeUs: number): AsciiConst {
    const second = Math.floor(timeUs / 1_000_000);
    if (second !== this.second) {
      this.second = second;
      this.head = new AsciiConst(timeFieldHead(second));
    }
    this.fraction = timeUs - second * 1_000_000;
    return this.head;
  }
}

/** `,"time":"` and the timestamp without its final `Z` (the slow path of the JSON line). */
export function isoTimeFieldOf(timeUs: number): string {
  const second = Math.floor(timeUs / 1_000_000);
  return timeFieldHead(second) + String(timeUs - second * 1_000_000).padStart(6, '0');
}

const shared = new IsoTimeFormatter();

/** One-off formatting (summaries, findings). */
export function isoTime(timeUs: number): string {
  return shared.format(timeUs);
}
