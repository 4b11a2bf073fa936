import { describe, expect, it } from 'vitest';
import { DAY_US, mismatch, report, T0 } from '../testing/fixtures';
import { escapeHtml, niceScale, reportHtml, timelineSvg } from './html-report';
import { reportCsv, reportJson, reportText, timelineMatrix } from './report';

const plain = { tty: false, color: false, width: Infinity };

describe('report json', () => {
  it('names kinds and buckets as the CLI does, times ISO UTC', () => {
    const json = JSON.parse(JSON.stringify(reportJson(report())));
    expect(json.bucket).toBe('day');
    expect(json.since).toBe('2026-11-20T10:00:00.000Z');
    expect(json.byKind).toEqual([
      { kind: 'LLADDR_MISMATCH', mismatches: 1, occurrences: 12 },
      { kind: 'REWRITTEN_IN_TRANSIT', mismatches: 1, occurrences: 5 },
    ]);
    expect(json.byNode).toEqual([{ node: 'vm', mismatches: 2, occurrences: 17 }]);
    expect(json.timeline[0]).toEqual({ bucketStart: '2026-11-20T10:00:00.000Z', kind: 'LLADDR_MISMATCH', occurrences: 8 });
    expect(json.stillOpen.map((m: { id: number }) => m.id)).toEqual([1, 2]);
  });
});

describe('timeline matrix', () => {
  it('stacks kinds per bucket and fills quiet buckets with zero', () => {
    const m = timelineMatrix(reportJson(report()));
    expect(m.kinds).toEqual(['LLADDR_MISMATCH', 'REWRITTEN_IN_TRANSIT']);
    expect(m.buckets.map((b) => b.startUs)).toEqual([T0, T0 + DAY_US, T0 + 2 * DAY_US]);
    expect(m.buckets.map((b) => b.total)).toEqual([10, 0, 7]);
  });
  it('is empty without occurrences', () => {
    expect(timelineMatrix(reportJson(report({ timeline: [] }))).buckets).toEqual([]);
  });
});

describe('report table and csv', () => {
  it('prints every section', () => {
    const text = reportText(report(), plain);
    for (const heading of ['By kind', 'By node', 'By IP', 'Timeline (per day)', 'Top recurring mismatches (2)', 'Opened in the range (2)', 'Resolved in the range (0)', 'Still open at the end of the range (2)']) {
      expect(text).toContain(heading);
    }
    expect(text).toMatch(/LLADDR_MISMATCH\s+1\s+12/);
    expect(text).toContain('17 occurrences; 2 opened, 0 resolved, 2 still open');
  });

  it('puts every section in one CSV with a section column', () => {
    const lines = reportCsv(report()).trimEnd().split('\r\n');
    expect(lines[0]).toBe('section,key,kind,time,id,state,mismatches,occurrences,summary');
    const sections = lines.slice(1).map((l) => l.split(',')[0]);
    expect(sections.filter((s) => s === 'by_kind')).toHaveLength(2);
    expect(sections.filter((s) => s === 'timeline')).toHaveLength(4);
    expect(sections.filter((s) => s === 'still_open')).toHaveLength(2);
    expect(lines).toContain('by_kind,LLADDR_MISMATCH,LLADDR_MISMATCH,,,,1,12,');
  });
});

describe('html report', () => {
  const html = reportHtml(report(), T0 / 1000);

  it('is one self-contained page: no script, no external reference', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|@import|url\(|src=|href=/i);
    expect(html).toContain('<style>');
    expect(html).toContain('@media print');
  });

  it('draws one bar segment per bucket and kind, heights proportional to counts', () => {
    const bars = [...html.matchAll(/<rect class="bar"[^>]*height="([\d.]+)"[^>]*data-kind="([A-Z_0-9]+)"[^>]*data-count="(\d+)"/g)];
    expect(bars).toHaveLength(4);
    const perUnit = bars.map(([, h, , n]) => Number(h) / Number(n));
    for (const r of perUnit) expect(r).toBeCloseTo(perUnit[0], 1);
    expect(bars.map((b) => b[2])).toEqual(['LLADDR_MISMATCH', 'REWRITTEN_IN_TRANSIT', 'LLADDR_MISMATCH', 'REWRITTEN_IN_TRANSIT']);
  });

  it('has the tables the JSON report has', () => {
    const byKind = /<table id="by-kind">(.*?)<\/table>/s.exec(html)?.[1] ?? '';
    expect([...byKind.matchAll(/<tr><td>([A-Z_0-9]+)<\/td><td class="num">(\d+)<\/td><td class="num">(\d+)<\/td><\/tr>/g)].map((m) => [m[1], +m[2], +m[3]])).toEqual([
      ['LLADDR_MISMATCH', 1, 12],
      ['REWRITTEN_IN_TRANSIT', 1, 5],
    ]);
    const stillOpen = /<table id="still-open"[^>]*>(.*?)<\/table>/s.exec(html)?.[1] ?? '';
    expect(stillOpen.match(/<tr><td class="num">/g)).toHaveLength(2);
  });

  it('escapes what comes from the network', () => {
    const evil = reportHtml(report({ top: [mismatch({ summary: '<img src=x onerror=alert(1)>' })] }));
    expect(evil).not.toContain('<img');
    expect(evil).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(escapeHtml(`a&b"'`)).toBe('a&amp;b&quot;&#39;');
  });

  it('groups thousands in counts', () => {
    const big = reportHtml(report({ occurrences: 1_000_000 }));
    expect(big).toContain('<div class="v">1,000,000</div>');
    expect(reportHtml(report({ occurrences: 999 }))).toContain('<div class="v">999</div>');
    expect(reportHtml(report({ occurrences: 1234567 }))).toContain('<div class="v">1,234,567</div>');
  });

  it('says so when the range is quiet', () => {
    const svg = timelineSvg(reportJson(report({ timeline: [] })));
    expect(svg).toContain('no occurrences in this range');
    expect(svg).not.toContain('<rect');
  });

  it('picks round axis steps', () => {
    expect(niceScale(17)).toEqual({ top: 20, step: 5 });
    expect(niceScale(1000)).toEqual({ top: 1000, step: 250 });
    expect(niceScale(0)).toEqual({ top: 1, step: 1 });
  });
});
