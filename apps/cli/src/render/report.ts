/**
 * `neighwatch report` in table, JSON and CSV. The collector computes the report (a past
 * range shows what was true then); this only lays it out. HTML is in html-report.ts.
 */
import type { CountBy__Output, Report__Output } from '@neighwatch/proto';
import { kindFromProto } from '../query/filters';
import { formatLocal } from '../query/time';
import { mismatchRow, MISMATCH_COLUMNS } from '../query/views';
import { csvField, csvText, instant, paint, renderTable, type Column, type TerminalContext } from './listing';

export type BucketName = 'hour' | 'day';
/** More bars than this would be thinner than a pixel on a page. */
const MAX_BUCKETS = 2000;
export const BUCKET_US: Record<BucketName, number> = { hour: 3_600_000_000, day: 86_400_000_000 };

export function bucketFromProto(bucket: string): BucketName {
  return bucket === 'REPORT_BUCKET_HOUR' ? 'hour' : 'day';
}


/** The report as `--format json` prints it; also the data the HTML page is drawn from. */
export function reportJson(report: Report__Output) {
  return {
    since: instant(report.sinceUs),
    until: instant(report.untilUs),
    generated: instant(report.generatedUs),
    bucket: bucketFromProto(String(report.bucket)),
    occurrences: report.occurrences,
    byKind: report.byKind.map((c) => ({ kind: kindFromProto(c.key), mismatches: c.mismatches, occurrences: c.occurrences })),
    byNode: report.byNode.map((c: CountBy__Output) => ({ node: c.key, mismatches: c.mismatches, occurrences: c.occurrences })),
    byIp: report.byIp.map((c: CountBy__Output) => ({ ip: c.key, mismatches: c.mismatches, occurrences: c.occurrences })),
    timeline: report.timeline.map((p) => ({ bucketStart: instant(p.bucketStartUs), kind: kindFromProto(p.kind), occurrences: p.occurrences })),
    top: report.top.map(mismatchRow),
    opened: report.opened.map(mismatchRow),
    resolved: report.resolved.map(mismatchRow),
    stillOpen: report.stillOpen.map(mismatchRow),
  };
}
export type ReportView = ReturnType<typeof reportJson>;

/** Timeline as one row per bucket with a column per kind present: what the chart stacks. */
export function timelineMatrix(view: ReportView): { kinds: string[]; buckets: { startUs: number; counts: Record<string, number>; total: number }[] } {
  const kindOrder = view.byKind.map((k) => k.kind);
  const kinds = [...new Set([...kindOrder, ...view.timeline.map((p) => p.kind)])].filter((k) =>
    view.timeline.some((p) => p.kind === k && p.occurrences > 0),
  );
  const byStart = new Map<number, Record<string, number>>();
  for (const p of view.timeline) {
    const row = byStart.get(p.bucketStart.us) ?? {};
    row[p.kind] = (row[p.kind] ?? 0) + p.occurrences;
    byStart.set(p.bucketStart.us, row);
  }
  const step = BUCKET_US[view.bucket];
  const starts = [...byStart.keys()].sort((a, b) => a - b);
  // Fill empty buckets so quiet periods show as gaps: from the range start (in the
  // server's bucket phase) to the range end, at most MAX_BUCKETS of them.
  const all = new Set(starts);
  if (starts.length) {
    const first = starts[0];
    const since = view.since.us || first;
    let t = first - Math.max(0, Math.floor((first - since) / step)) * step;
    const end = Math.max(starts[starts.length - 1], view.until.us ? view.until.us - 1 : 0);
    for (; t <= end && all.size < MAX_BUCKETS; t += step) all.add(t);
  }
  const filled = [...all].sort((a, b) => a - b);
  return {
    kinds,
    buckets: filled.map((startUs) => {
      const c = byStart.get(startUs) ?? {};
      return { startUs, counts: c, total: Object.values(c).reduce((a, b) => a + b, 0) };
    }),
  };
}

const COUNT_COLUMNS = (key: string, header: string): Column[] => [
  { key, header },
  { key: 'mismatches', header: 'MISMATCHES', align: 'right' },
  { key: 'occurrences', header: 'OCCURRENCES', align: 'right' },
];

export function reportText(report: Report__Output, ctx: TerminalContext): string {
  const view = reportJson(report);
  const out: string[] = [];
  const heading = (s: string) => paint(s, 'bold', ctx.color);
  const table = (columns: Column[], rows: Record<string, unknown>[], empty: string) =>
    rows.length ? renderTable({ columns, rows }, ctx).replace(/^/gm, '  ').trimEnd() : `  ${empty}`;
  out.push(heading(`Mismatch report ${formatLocal(view.since.us)} → ${formatLocal(view.until.us)}`));
  out.push(
    `  ${view.occurrences} occurrence${view.occurrences === 1 ? '' : 's'}; ${view.opened.length} opened, ${view.resolved.length} resolved, ${view.stillOpen.length} still open at the end`,
  );
  out.push('');
  out.push(heading('By kind'));
  out.push(table(COUNT_COLUMNS('kind', 'KIND'), view.byKind, 'none'));
  out.push('');
  out.push(heading('By node'));
  out.push(table(COUNT_COLUMNS('node', 'NODE'), view.byNode, 'none'));
  out.push('');
  out.push(heading('By IP'));
  out.push(table(COUNT_COLUMNS('ip', 'IP'), view.byIp, 'none'));
  out.push('');
  const matrix = timelineMatrix(view);
  out.push(heading(`Timeline (per ${view.bucket})`));
  if (!matrix.buckets.length) out.push('  no occurrences in this range');
  else {
    const max = Math.max(...matrix.buckets.map((b) => b.total), 1);
    const barWidth = 30;
    const rows = matrix.buckets.map((b) => ({
      bucket: formatLocal(b.startUs).slice(0, view.bucket === 'day' ? 10 : 16),
      total: b.total,
      ...Object.fromEntries(matrix.kinds.map((k) => [k, b.counts[k] ?? 0])),
      bar: '█'.repeat(Math.round((b.total / max) * barWidth)) || (b.total ? '▏' : ''),
    }));
    const columns: Column[] = [
      { key: 'bucket', header: view.bucket.toUpperCase() },
      { key: 'total', header: 'TOTAL', align: 'right' },
      ...matrix.kinds.map((k) => ({ key: k, header: k, align: 'right' as const })),
      { key: 'bar', header: '' },
    ];
    out.push(table(columns, rows, ''));
  }
  for (const [title, list] of [
    ['Top recurring mismatches', view.top],
    ['Opened in the range', view.opened],
    ['Resolved in the range', view.resolved],
    ['Still open at the end of the range', view.stillOpen],
  ] as const) {
    out.push('');
    out.push(heading(`${title} (${list.length})`));
    out.push(table(MISMATCH_COLUMNS, list, 'none'));
  }
  return `${out.join('\n')}\n`;
}

const CSV_HEADER = ['section', 'key', 'kind', 'time', 'id', 'state', 'mismatches', 'occurrences', 'summary'];

/** One CSV with a `section` column (range, total, by_kind, by_node, by_ip, timeline, top, opened, resolved, still_open). */
export function reportCsv(report: Report__Output): string {
  const view = reportJson(report);
  const lines = [CSV_HEADER.join(',')];
  const add = (values: Partial<Record<(typeof CSV_HEADER)[number], unknown>>) =>
    lines.push(CSV_HEADER.map((h) => csvField(csvText(values[h]))).join(','));
  add({ section: 'range', key: 'since', time: view.since });
  add({ section: 'range', key: 'until', time: view.until });
  add({ section: 'total', key: 'occurrences', occurrences: view.occurrences });
  for (const k of view.byKind) add({ section: 'by_kind', key: k.kind, kind: k.kind, mismatches: k.mismatches, occurrences: k.occurrences });
  for (const n of view.byNode) add({ section: 'by_node', key: n.node, mismatches: n.mismatches, occurrences: n.occurrences });
  for (const i of view.byIp) add({ section: 'by_ip', key: i.ip, mismatches: i.mismatches, occurrences: i.occurrences });
  for (const p of view.timeline) add({ section: 'timeline', key: view.bucket, kind: p.kind, time: p.bucketStart, occurrences: p.occurrences });
  for (const [section, list] of [
    ['top', view.top],
    ['opened', view.opened],
    ['resolved', view.resolved],
    ['still_open', view.stillOpen],
  ] as const) {
    for (const m of list) add({ section, key: m.subject, kind: m.kind, time: m.lastSeen, id: m.id, state: m.state, occurrences: m.count, summary: m.summary });
  }
  return `${lines.join('\r\n')}\r\n`;
}
