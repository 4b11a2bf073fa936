/** Reading iputils `ping` summaries: what `lab traffic` reports per address family. */

export interface PingResult {
  family: 'IPv4' | 'IPv6';
  from: string;
  to: string;
  transmitted: number;
  received: number;
  /** 0–100, as ping prints it. */
  lossPercent: number;
}

const SUMMARY = /(\d+) packets transmitted, (\d+) (?:packets )?received(?:, \+\d+ errors)?(?:, \+\d+ duplicates)?, ([\d.]+)% packet loss/;

/** The counts from ping's summary line, or null when there is none (ping failed to start). */
export function parsePingSummary(output: string): { transmitted: number; received: number; lossPercent: number } | null {
  const match = SUMMARY.exec(output);
  if (!match) return null;
  return { transmitted: Number(match[1]), received: Number(match[2]), lossPercent: Number(match[3]) };
}

export function formatPingResults(results: readonly PingResult[]): string {
  return results
    .map((r) => `${r.family} from ${r.from} to ${r.to}: ${r.lossPercent} % loss (${r.received}/${r.transmitted} replies)`)
    .join('\n');
}
