import { describe, expect, it } from 'vitest';
import { mismatch, T0 } from '../testing/fixtures';
import { EventPrinter, eventKey, nextBackoff, BACKOFF_MAX_MS, BACKOFF_START_MS } from './watch';
import type { Sinks } from './output';

const sinks = (color = false) => {
  const out: string[] = [];
  const s: Sinks = { out: (t) => void out.push(t), err: () => {}, terminal: { tty: color, color, width: color ? 120 : Infinity } };
  return { s, text: () => out.join('') };
};
const opened = (id: number, atUs: number) => ({ type: 'MISMATCH_EVENT_TYPE_OPENED' as const, atUs, mismatch: mismatch({ id }) });

describe('watch output', () => {
  it('prints one log line per event in table format', () => {
    const { s, text } = sinks();
    const p = new EventPrinter('table', s);
    p.print(opened(3, T0));
    p.print({ ...opened(4, T0 + 1), type: 'MISMATCH_EVENT_TYPE_REOPENED' });
    const lines = text().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}opened {4}#3 {2}LLADDR_MISMATCH {2}fe80::203:ffff:fe13:7d75 {2}c4:17:fe:12:7d:75,00:03:ff:13:7d:75 {2}at router\/br0: NS from/);
    expect(lines[1]).toContain('reopened  #4');
  });

  it('prints the CSV header once, then one row per event', () => {
    const { s, text } = sinks();
    const p = new EventPrinter('csv', s);
    p.print(opened(3, T0));
    p.print(opened(4, T0 + 1));
    const lines = text().trimEnd().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[0].startsWith('at,event,id,kind')).toBe(true);
    expect(lines[1]).toMatch(/^2026-11-20T10:00:00\.000Z,opened,3,LLADDR_MISMATCH,/);
  });

  it('prints one JSON object per line', () => {
    const { s, text } = sinks();
    new EventPrinter('json', s).print(opened(3, T0));
    expect(JSON.parse(text())).toMatchObject({ event: 'opened', at: '2026-11-20T10:00:00.000Z', id: 3, kind: 'LLADDR_MISMATCH' });
  });
});

describe('reconnecting', () => {
  it('backs off exponentially up to a ceiling', () => {
    const steps = [0];
    for (let i = 0; i < 10; i++) steps.push(nextBackoff(steps[steps.length - 1]));
    expect(steps.slice(1, 4)).toEqual([BACKOFF_START_MS, BACKOFF_START_MS * 2, BACKOFF_START_MS * 4]);
    expect(Math.max(...steps)).toBe(BACKOFF_MAX_MS);
  });

  it('identifies an event by mismatch, type and time', () => {
    expect(eventKey(opened(3, T0))).toBe(eventKey(opened(3, T0)));
    expect(eventKey(opened(3, T0))).not.toBe(eventKey(opened(3, T0 + 1)));
    expect(eventKey(opened(3, T0))).not.toBe(eventKey({ ...opened(3, T0), type: 'MISMATCH_EVENT_TYPE_REOPENED' }));
  });
});
