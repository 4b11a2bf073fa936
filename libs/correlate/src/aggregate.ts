/**
 * Folds finding occurrences into one row per (kind, subject): first and last seen, count,
 * every MAC and vantage point involved, and bounded evidence (the first N references per
 * vantage point). `analyze` uses it in memory; the collector's store does the same in SQL.
 */
import type { AggregatedFinding, Finding } from '@neighwatch/model';
import { EVIDENCE_PER_VANTAGE } from './constants';

export interface AggregatorOptions {
  /** Evidence references kept per vantage point in each row (default EVIDENCE_PER_VANTAGE). */
  evidencePerVantage?: number;
}

interface Row {
  finding: AggregatedFinding;
  /** Evidence kept so far per vantage point ("node\0iface"). */
  kept: Map<string, number>;
}

function addUnique(list: string[], values: readonly string[] | undefined): void {
  if (values === undefined) return;
  for (const value of values) if (!list.includes(value)) list.push(value);
}

export class FindingAggregator {
  private readonly evidencePerVantage: number;
  private readonly byKey = new Map<string, Row>();

  constructor(options: AggregatorOptions = {}) {
    this.evidencePerVantage = options.evidencePerVantage ?? EVIDENCE_PER_VANTAGE;
  }

  add(finding: Finding): void {
    const key = `${finding.kind}\0${finding.subject}`;
    let row = this.byKey.get(key);
    if (row === undefined) {
      row = {
        finding: {
          kind: finding.kind,
          subject: finding.subject,
          ip: finding.ip,
          node: finding.node,
          macs: [],
          vantagePoints: [],
          firstSeenUs: finding.timeUs,
          lastSeenUs: finding.timeUs,
          count: 0,
          evidence: [],
          rewrittenFields: [],
          staleFields: [],
          summary: finding.summary,
        },
        kept: new Map(),
      };
      this.byKey.set(key, row);
    }
    const agg = row.finding;
    agg.count++;
    if (finding.timeUs < agg.firstSeenUs) agg.firstSeenUs = finding.timeUs;
    if (finding.timeUs > agg.lastSeenUs) agg.lastSeenUs = finding.timeUs;
    if (agg.node === null && finding.node !== null) agg.node = finding.node;
    if (agg.ip === null && finding.ip !== null) agg.ip = finding.ip;
    addUnique(agg.macs, finding.macs);
    addUnique(agg.rewrittenFields, finding.rewrittenFields);
    addUnique(agg.staleFields, finding.staleFields);
    for (const point of finding.vantagePoints) {
      if (!agg.vantagePoints.some((p) => p.node === point.node && p.iface === point.iface)) {
        agg.vantagePoints.push({ node: point.node, iface: point.iface });
      }
    }
    for (const ref of finding.evidence) {
      const vantage = `${ref.node}\0${ref.iface}`;
      const kept = row.kept.get(vantage) ?? 0;
      if (kept >= this.evidencePerVantage) continue;
      if (agg.evidence.some((e) => e.ref === ref.ref && e.node === ref.node && e.iface === ref.iface)) continue;
      row.kept.set(vantage, kept + 1);
      agg.evidence.push({ node: ref.node, iface: ref.iface, ref: ref.ref, timeUs: ref.timeUs });
    }
  }

  addAll(findings: Iterable<Finding>): void {
    for (const finding of findings) this.add(finding);
  }

  get size(): number {
    return this.byKey.size;
  }

  /** The rows, in order of first occurrence. */
  rows(): AggregatedFinding[] {
    return [...this.byKey.values()].map((r) => r.finding).sort((a, b) => a.firstSeenUs - b.firstSeenUs);
  }
}
