import { describe, expect, it } from 'vitest';
import { binding, mismatch, node, T0 } from '../testing/fixtures';
import { bindingsListing, mismatchesListing, nodesListing } from '../query/views';
import { csvField, instant, renderCsv, renderJson, renderListing, renderTable, terminalContext, type Listing } from './listing';

const plain = { tty: false, color: false, width: Infinity };

/** Minimal RFC 4180 reader, to check what we write parses back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    }
    else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  return rows;
}

describe('table', () => {
  const listing: Listing = {
    columns: [
      { key: 'name', header: 'NAME' },
      { key: 'n', header: 'N', align: 'right' },
      { key: 'note', header: 'NOTE', shrink: true },
    ],
    rows: [
      { name: 'vm', n: 3, note: 'short' },
      { name: 'router', n: 12345, note: 'a rather long note that will not fit on a narrow terminal at all' },
    ],
  };

  it('aligns columns, right-aligns numbers, no colour off a terminal', () => {
    const lines = renderTable(listing, plain).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME {4}\s+N {2}NOTE$/);
    expect(lines[1]).toBe('vm          3  short');
    expect(lines[2].startsWith('router  12345  a rather long note')).toBe(true);
    expect(renderTable(listing, plain)).not.toContain('\x1b[');
  });

  it('cuts shrinkable columns to the terminal width, with an ellipsis', () => {
    const out = renderTable(listing, { tty: true, color: false, width: 40 });
    for (const line of out.trimEnd().split('\n')) expect([...line].length).toBeLessThanOrEqual(40);
    expect(out).toContain('…');
  });

  it('aligns and cuts by characters, not UTF-16 units, for names beyond ASCII', () => {
    const wide: typeof listing = {
      ...listing,
      rows: [
        { name: 'vm', n: 1, note: 'x' },
        { name: 'küche-🖥', n: 2, note: 'née ✓ ok' },
      ],
    };
    const lines = renderTable(wide, plain).trimEnd().split('\n');
    expect(lines[1]).toBe('vm       1  x');
    expect(lines[2]).toBe('küche-🖥  2  née ✓ ok');
    const astral = renderTable({ ...wide, rows: [{ name: 'vm', n: 1, note: '🖥'.repeat(15) }] }, { tty: true, color: false, width: 18 });
    expect(astral.trimEnd().split('\n')[1]).toBe(`vm    1  ${'🖥'.repeat(8)}…`);
  });

  it('colours only when asked', () => {
    const rows = mismatchesListing([mismatch()]);
    expect(renderTable(rows, { tty: true, color: true, width: 200 })).toContain('\x1b[31mopen\x1b[39m');
    expect(renderTable(rows, { tty: true, color: false, width: 200 })).not.toContain('\x1b[');
  });

  it('prints list cells one item per line', () => {
    const out = renderTable(mismatchesListing([mismatch()]), plain);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(3); // header + two MAC lines
    expect(lines[1]).toContain('c4:17:fe:12:7d:75');
    expect(lines[2].trim()).toBe('00:03:ff:13:7d:75');
  });

  it('says so when there is nothing', () => {
    expect(renderTable({ columns: [], rows: [], empty: 'no mismatches match' }, plain)).toBe('no mismatches match\n');
  });

  it('honours NO_COLOR and plain pipes', () => {
    const tty = { isTTY: true, columns: 100 } as NodeJS.WriteStream;
    expect(terminalContext(tty, {})).toEqual({ tty: true, color: true, width: 100 });
    expect(terminalContext(tty, { NO_COLOR: '1' }).color).toBe(false);
    expect(terminalContext({ isTTY: false } as NodeJS.WriteStream, {})).toEqual({ tty: false, color: false, width: Infinity });
  });
});

describe('csv', () => {
  it('quotes per RFC 4180 and parses back', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('plain')).toBe('plain');
    const m = mismatch({ summary: 'NS from c4:17:fe:12:7d:75, "stale" SLLAO\nsecond line' });
    const rows = parseCsv(renderCsv(mismatchesListing([m], 'csv')));
    expect(rows[0]).toEqual(['id', 'kind', 'state', 'subject', 'ip', 'macs', 'node', 'vantagePoints', 'firstSeen', 'lastSeen', 'count', 'summary', 'suppressed']);
    expect(rows[1][0]).toBe('1');
    expect(rows[1][1]).toBe('LLADDR_MISMATCH');
    expect(rows[1][11]).toBe(m.summary);
    expect(rows[1][8]).toBe(new Date(T0 / 1000).toISOString());
  });

  it('writes one row per binding with ISO UTC times', () => {
    const rows = parseCsv(renderListing(bindingsListing([binding(), binding({ ip: '192.0.2.20', source: 'BINDING_SOURCE_NEIGHBOR_CACHE' })]), 'csv', plain));
    expect(rows).toHaveLength(3);
    expect(rows[2]).toEqual(['192.0.2.20', 'c4:17:fe:12:7d:75', 'router', 'br0', 'neighbor-cache', '2026-11-20T10:00:00.000Z', '2026-11-20T11:00:00.000Z', '7']);
  });
});

describe('json', () => {
  it('carries the rows, times as ISO UTC, enums as stable names', () => {
    const parsed = JSON.parse(renderListing(mismatchesListing([mismatch()], 'json'), 'json', plain));
    expect(parsed).toEqual([
      expect.objectContaining({
        id: 1,
        kind: 'LLADDR_MISMATCH',
        state: 'open',
        ip: 'fe80::203:ffff:fe13:7d75',
        macs: ['c4:17:fe:12:7d:75', '00:03:ff:13:7d:75'],
        vantagePoints: ['router/br0'],
        firstSeen: '2026-11-20T10:00:00.000Z',
        lastSeen: '2026-11-20T11:00:00.000Z',
        count: 12,
      }),
    ]);
  });

  it('prints nodes with nested interfaces and null for never', () => {
    const parsed = JSON.parse(renderListing(nodesListing([node({ connected: false, lastSeenUs: 0 })], 'json'), 'json', plain));
    expect(parsed[0].lastSeen).toBeNull();
    expect(parsed[0].interfaces[0]).toEqual({ name: 'br0', mac: '58:6d:8f:78:ad:40', kind: 'bridge', bridgeMaster: null, up: true, addresses: ['192.0.2.1/24', '2001:db8::1/64'] });
  });

  it('is only JSON', () => {
    const text = renderJson({ at: instant(T0) });
    expect(JSON.parse(text)).toEqual({ at: '2026-11-20T10:00:00.000Z' });
    expect(text.endsWith('\n')).toBe(true);
  });
});

describe('nodes table', () => {
  it('says connected or when last seen, with offset and drops', () => {
    const now = T0 / 1000 + 3 * 3_600_000;
    const out = renderTable(
      nodesListing([node(), node({ name: 'vm', connected: false, spoolDropped: 17, clockOffsetUs: 2_500_000 })], 'table', now),
      plain,
    );
    expect(out).toMatch(/router\s+0\.1\.0\s+connected\s+-1\.2ms\s+0\s+br0 58:6d:8f:78:ad:40 192\.0\.2\.1\/24 2001:db8::1\/64/);
    expect(out).toMatch(/vm\s+0\.1\.0\s+last seen 3h ago\s+\+2\.500s\s+17/);
  });
});

describe('narrow terminals', () => {
  it('drops the least useful columns, then cuts the summary, to fit', () => {
    const rows = mismatchesListing([mismatch({ summary: 'x'.repeat(200) })]);
    const out = renderTable(rows, { tty: true, color: false, width: 100 });
    const lines = out.trimEnd().split('\n');
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(100);
    expect(lines[0]).toContain('SUMMARY');
    expect(lines[0]).not.toContain('SEEN AT');
    expect(lines[0]).toContain('IP');
    // Wide enough: everything stays.
    expect(renderTable(rows, { tty: true, color: false, width: 400 }).split('\n')[0]).toContain('SEEN AT');
  });
});
