/**
 * The report as one self-contained HTML page to attach to a ticket: inline CSS, an inline
 * SVG chart (stacked bars per bucket by kind), tables; no script, no font, no request to
 * anything. Prints readably (`@media print`: black on white, no split table rows).
 */
import type { Report__Output } from '@neighwatch/proto';
import { MISMATCH_KIND_LABELS, type MismatchKind } from '@neighwatch/model';
import { formatLocal } from '../query/time';
import type { MismatchRow } from '../query/views';
import { reportJson, timelineMatrix, type ReportView } from './report';

/** One colour per kind, distinguishable in print and for the common colour-vision deficiencies (Okabe–Ito). */
export const KIND_COLORS: Record<MismatchKind, string> = {
  LLADDR_MISMATCH: '#D55E00',
  EUI64_MISMATCH: '#E69F00',
  PHANTOM_LLADDR: '#CC79A7',
  MAC_CHANGED: '#0072B2',
  FLIP_FLOP: '#56B4E9',
  DUPLICATE_ADDRESS: '#F0E442',
  REWRITTEN_IN_TRANSIT: '#009E73',
  BINDING_CONFLICT: '#000000',
  SPLIT_STACK: '#999999',
};
/** Thousands grouped, as people read counts ("1,000,000"); toLocaleString is ~100× slower per call. */
const n = (value: number) => String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const colorOf = (kind: string) => KIND_COLORS[kind as MismatchKind] ?? '#666666';

export function escapeHtml(text: unknown): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

function zoneLabel(atMs: number): string {
  const offset = -new Date(atMs).getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `UTC${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

const CHART = { width: 960, height: 300, left: 56, right: 16, top: 16, bottom: 48 };

/** A "nice" axis maximum and tick step for `max` (1, 2, 2.5, 5 × 10^n). */
export function niceScale(max: number): { top: number; step: number } {
  if (max <= 0) return { top: 1, step: 1 };
  const rough = max / 4;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, ...(magnitude >= 10 ? [2.5] : []), 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude;
  return { top: Math.ceil(max / step) * step, step };
}

/** The stacked-bar chart as an SVG element (one <rect> per bucket and kind with data-* attributes). */
export function timelineSvg(view: ReportView): string {
  const { kinds, buckets } = timelineMatrix(view);
  const { width, height, left, right, top, bottom } = CHART;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const parts: string[] = [];
  parts.push(
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Occurrences per ${view.bucket} by kind">`,
  );
  if (!buckets.length) {
    parts.push(`<text x="${width / 2}" y="${height / 2}" text-anchor="middle" class="empty">no occurrences in this range</text></svg>`);
    return parts.join('');
  }
  const max = Math.max(...buckets.map((b) => b.total));
  const scale = niceScale(max);
  const y = (v: number) => top + plotH - (v / scale.top) * plotH;
  for (let v = 0; v <= scale.top; v += scale.step) {
    parts.push(`<line class="grid" x1="${left}" x2="${width - right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/>`);
    parts.push(`<text class="tick" x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${n(v)}</text>`);
  }
  const slot = plotW / buckets.length;
  const barW = Math.min(64, Math.max(1, slot * 0.8));
  const labelEvery = Math.max(1, Math.ceil(buckets.length / 12));
  buckets.forEach((b, i) => {
    const x = left + i * slot + (slot - barW) / 2;
    let base = 0;
    const label = formatLocal(b.startUs).slice(0, view.bucket === 'day' ? 10 : 16);
    for (const kind of kinds) {
      const n = b.counts[kind] ?? 0;
      if (!n) continue;
      const y0 = y(base);
      const y1 = y(base + n);
      parts.push(
        `<rect class="bar" x="${x.toFixed(2)}" y="${y1.toFixed(2)}" width="${barW.toFixed(2)}" height="${Math.max(0.5, y0 - y1).toFixed(2)}" fill="${colorOf(kind)}" data-kind="${escapeHtml(kind)}" data-bucket="${escapeHtml(label)}" data-count="${n}"><title>${escapeHtml(`${label} ${kind}: ${n}`)}</title></rect>`,
      );
      base += n;
    }
    if (i % labelEvery === 0) {
      const shortLabel = view.bucket === 'day' ? label.slice(5) : label.slice(5).replace(' ', ' ');
      parts.push(`<text class="tick" x="${(x + barW / 2).toFixed(1)}" y="${height - bottom + 16}" text-anchor="middle">${escapeHtml(shortLabel)}</text>`);
    }
  });
  parts.push(`<line class="axis" x1="${left}" x2="${width - right}" y1="${y(0)}" y2="${y(0)}"/>`);
  parts.push(`<text class="axis-label" x="${left + plotW / 2}" y="${height - 8}" text-anchor="middle">per ${view.bucket}</text>`);
  parts.push('</svg>');
  return parts.join('');
}

function legend(kinds: string[]): string {
  return `<ul class="legend">${kinds
    .map((k) => `<li><span class="swatch" style="background:${colorOf(k)}"></span>${escapeHtml(k)}</li>`)
    .join('')}</ul>`;
}

function countTable(title: string, keyHeader: string, rows: { key: string; mismatches: number; occurrences: number }[], id: string): string {
  const body = rows.length
    ? rows.map((r) => `<tr><td>${escapeHtml(r.key)}</td><td class="num">${n(r.mismatches)}</td><td class="num">${n(r.occurrences)}</td></tr>`).join('')
    : `<tr><td colspan="3" class="none">none</td></tr>`;
  return `<section class="counts"><h2>${escapeHtml(title)}</h2><table id="${id}"><thead><tr><th>${escapeHtml(keyHeader)}</th><th class="num">Mismatches</th><th class="num">Occurrences</th></tr></thead><tbody>${body}</tbody></table></section>`;
}

function mismatchTable(title: string, rows: MismatchRow[], id: string): string {
  const body = rows.length
    ? rows
        .map(
          (m) =>
            `<tr><td class="num">${m.id}</td><td><span class="swatch" style="background:${colorOf(m.kind)}"></span>${escapeHtml(m.kind)}</td><td class="state-${escapeHtml(m.state)}">${escapeHtml(m.state)}</td><td>${escapeHtml(m.ip ?? m.subject)}</td><td class="mono">${escapeHtml(m.macs.join(' '))}</td><td>${escapeHtml(m.vantagePoints.join(', '))}</td><td class="t">${escapeHtml(formatLocal(m.firstSeen.us))}</td><td class="t">${escapeHtml(formatLocal(m.lastSeen.us))}</td><td class="num">${n(m.count)}</td><td>${escapeHtml(m.summary)}</td></tr>`,
        )
        .join('')
    : `<tr><td colspan="10" class="none">none</td></tr>`;
  return `<section><h2>${escapeHtml(title)} <span class="n">(${rows.length})</span></h2><table id="${id}" class="mismatches"><thead><tr><th class="num">ID</th><th>Kind</th><th>State</th><th>IP</th><th>MACs</th><th>Seen at</th><th>First seen</th><th>Last seen</th><th class="num">Count</th><th>Summary</th></tr></thead><tbody>${body}</tbody></table></section>`;
}

const CSS = `
:root{color-scheme:light}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1a1a1a;background:#fff;margin:0;padding:24px 32px;max-width:1200px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555;margin:0 0 16px}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}
.card{border:1px solid #ddd;border-radius:6px;padding:10px 16px;min-width:140px}
.card .v{font-size:24px;font-weight:600}
.card .l{color:#555;font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.chart{max-width:100%;height:auto;display:block}
.chart .grid{stroke:#e5e5e5;stroke-width:1}
.chart .axis{stroke:#333;stroke-width:1}
.chart .tick,.chart .axis-label,.chart .empty{font:11px system-ui,sans-serif;fill:#444}
.legend{list-style:none;padding:0;margin:8px 0;display:flex;flex-wrap:wrap;gap:6px 18px;font-size:12px}
.swatch{display:inline-block;width:10px;height:10px;margin-right:6px;vertical-align:baseline;border:1px solid rgba(0,0,0,.25)}
.grid3{display:grid;grid-template-columns:repeat(auto-fit,minmax(340px,1fr));gap:0 24px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eee;vertical-align:top}
th{background:#f6f6f6;font-weight:600}
.num{text-align:right;font-variant-numeric:tabular-nums}
.t{white-space:nowrap;font-variant-numeric:tabular-nums}
.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
.none{color:#888;font-style:italic}
.state-open{color:#b00020;font-weight:600}
.state-acknowledged{color:#8a6d00}
.state-resolved{color:#1b7a1b}
.n{color:#777;font-weight:normal}
footer{margin-top:32px;color:#777;font-size:12px}
@media print{
  body{padding:0;max-width:none;font-size:11px}
  @page{size:A4 landscape;margin:12mm}
  h2{break-after:avoid}
  tr,.card,svg{break-inside:avoid}
  thead{display:table-header-group}
  th{background:none;border-bottom:1px solid #000}
  .swatch,.chart rect{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
`;

export function reportHtml(report: Report__Output, nowMs: number = Date.now()): string {
  const view = reportJson(report);
  const { kinds } = timelineMatrix(view);
  const range = `${formatLocal(view.since.us)} → ${formatLocal(view.until.us)}`;
  const zone = zoneLabel(nowMs);
  const title = `neighwatch mismatch report ${range}`;
  const card = (value: number, label: string, id: string) => `<div class="card" id="${id}"><div class="v">${n(value)}</div><div class="l">${escapeHtml(label)}</div></div>`;
  const kindRows = view.byKind.map((k) => ({ key: k.kind, mismatches: k.mismatches, occurrences: k.occurrences }));
  const legendKinds = kinds.length ? kinds : [];
  const kindDescriptions = view.byKind
    .map((k) => `<li><b>${escapeHtml(k.kind)}</b>: ${escapeHtml(MISMATCH_KIND_LABELS[k.kind as MismatchKind] ?? '')}</li>`)
    .join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="neighwatch">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>Mismatch report</h1>
<p class="meta">${escapeHtml(range)} (times in ${zone}); generated by the collector at ${escapeHtml(formatLocal(view.generated.us))}</p>
</header>
<div class="cards">${card(view.occurrences, 'occurrences', 'total-occurrences')}${card(view.opened.length, 'opened', 'total-opened')}${card(view.resolved.length, 'resolved', 'total-resolved')}${card(view.stillOpen.length, 'still open at the end', 'total-still-open')}</div>
<section id="timeline"><h2>Occurrences per ${view.bucket}, by kind</h2>${timelineSvg(view)}${legend(legendKinds)}</section>
<div class="grid3">
${countTable('By kind', 'Kind', kindRows, 'by-kind')}
${countTable('By node', 'Node', view.byNode.map((n) => ({ key: n.node, mismatches: n.mismatches, occurrences: n.occurrences })), 'by-node')}
${countTable('By IP', 'IP', view.byIp.map((n) => ({ key: n.ip, mismatches: n.mismatches, occurrences: n.occurrences })), 'by-ip')}
</div>
${mismatchTable('Top recurring mismatches', view.top, 'top')}
${mismatchTable('Opened in the range', view.opened, 'opened')}
${mismatchTable('Resolved in the range', view.resolved, 'resolved')}
${mismatchTable('Still open at the end of the range', view.stillOpen, 'still-open')}
${kindDescriptions ? `<section><h2>What the kinds mean</h2><ul>${kindDescriptions}</ul></section>` : ''}
<footer>neighwatch report; details of one mismatch: <code>neighwatch mismatch show ID</code>; its frames: <code>neighwatch evidence ID -o FILE.pcap</code></footer>
</body>
</html>
`;
}
