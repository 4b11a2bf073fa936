/**
 * `neighwatch mismatch show`: one mismatch in full. The collector sends the facts and the
 * plain-words explanation; the evidence frames are decoded here, like `tcpdump -v -e`
 * with a `tcpdump -X` hex dump under each, so the report can be checked by eye.
 */
import { describeFrame, hexDump } from '@neighwatch/packet';
import type { MismatchDetail__Output } from '@neighwatch/proto';
import { stateFromProto, stripEnumPrefix } from '../query/filters';
import { formatLocal } from '../query/time';
import { mismatchRow } from '../query/views';
import { instant, paint, stateColor, type TerminalContext } from './listing';

export function detailJson(detail: MismatchDetail__Output) {
  return {
    mismatch: detail.mismatch ? mismatchRow(detail.mismatch) : null,
    explanation: detail.explanation,
    evidence: detail.evidence.map((e) => ({
      vantagePoint: e.vantagePoint ? { node: e.vantagePoint.node, interface: e.vantagePoint.interface } : null,
      direction: stripEnumPrefix(String(e.direction), 'DIRECTION_').toLowerCase(),
      time: instant(e.timeUs),
      type: stripEnumPrefix(String(e.type), 'MESSAGE_TYPE_'),
      frameLength: e.frameLength,
      capturedLength: e.frame.length,
      decoded: safeDescribe(e.frame),
      frame: Buffer.from(e.frame).toString('hex'),
    })),
    history: detail.history.map((h) => ({ state: stateFromProto(h.state), at: instant(h.atUs), by: h.by || null, note: h.note || null })),
  };
}

function safeDescribe(frame: Uint8Array): string {
  try {
    return describeFrame(frame);
  } catch (error) {
    return `(frame not decodable: ${(error as Error).message})`;
  }
}

/** Wraps prose at `width` columns, indenting every line. */
export function wrap(text: string, width: number, indent = '  '): string {
  const max = Math.max(20, Math.min(width, 100) - indent.length);
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > max) {
        out.push(indent + line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(indent + line);
  }
  return out.join('\n');
}

export function detailText(detail: MismatchDetail__Output, ctx: TerminalContext): string {
  const m = detail.mismatch;
  if (!m) return 'the collector returned no mismatch\n';
  const row = mismatchRow(m);
  const width = Number.isFinite(ctx.width) ? ctx.width : 100;
  const out: string[] = [];
  const heading = (s: string) => paint(s, 'bold', ctx.color);
  out.push(`${heading(`Mismatch #${row.id}`)}  ${paint(row.kind, 'cyan', ctx.color)}  ${paint(row.state, stateColor(row.state), ctx.color)}${row.suppressed ? '  (allowlisted)' : ''}`);
  if (row.summary) out.push(wrap(row.summary, width));
  out.push('');
  if (detail.explanation) {
    out.push(heading('What it means'));
    out.push(wrap(detail.explanation, width));
    out.push('');
  }
  const field = (label: string, value: string | undefined | null) => {
    if (value) out.push(`  ${label.padEnd(12)} ${value}`);
  };
  field('Subject', row.subject);
  field('IP', row.ip);
  field('MACs', row.macs.join(', '));
  field('Node', row.node);
  field('Seen at', row.vantagePoints.join(', '));
  field('First seen', formatLocal(m.firstSeenUs));
  field('Last seen', `${formatLocal(m.lastSeenUs)}  (${row.count} occurrence${row.count === 1 ? '' : 's'})`);
  field('Rewritten', row.rewrittenFields.join(', '));
  field('Left stale', row.staleFields.join(', '));
  if (detail.history.length) {
    out.push('');
    out.push(heading('History'));
    for (const h of detail.history) {
      const state = stateFromProto(h.state);
      const by = h.by ? ` by ${h.by}` : '';
      const note = h.note ? `: ${h.note}` : '';
      out.push(`  ${formatLocal(h.atUs)}  ${paint(state, stateColor(state), ctx.color)}${by}${note}`);
    }
  }
  out.push('');
  out.push(heading(`Evidence (${detail.evidence.length} frame${detail.evidence.length === 1 ? '' : 's'})`));
  if (detail.evidence.length === 0) out.push('  none kept');
  detail.evidence.forEach((e, i) => {
    const where = e.vantagePoint ? (e.vantagePoint.interface ? `${e.vantagePoint.node}/${e.vantagePoint.interface}` : e.vantagePoint.node) : '?';
    const direction = stripEnumPrefix(String(e.direction), 'DIRECTION_').toLowerCase();
    const type = stripEnumPrefix(String(e.type), 'MESSAGE_TYPE_');
    const captured = e.frame.length < e.frameLength ? `${e.frame.length} of ${e.frameLength} bytes` : `${e.frameLength || e.frame.length} bytes`;
    out.push('');
    out.push(`  [${i + 1}] ${paint(where, 'bold', ctx.color)}  ${direction === 'unspecified' ? '' : `${direction}  `}${formatLocal(e.timeUs)}  ${type}  ${captured}`);
    for (const line of safeDescribe(e.frame).split('\n')) out.push(`      ${line}`);
    for (const line of safeHex(e.frame).split('\n')) if (line) out.push(paint(`      ${line}`, 'dim', ctx.color));
  });
  if (detail.evidence.length) {
    out.push('');
    out.push(`  Save these frames for Wireshark: neighwatch evidence ${row.id} -o mismatch-${row.id}.pcap`);
  }
  return `${out.join('\n')}\n`;
}

function safeHex(frame: Uint8Array): string {
  try {
    return hexDump(frame);
  } catch {
    return '';
  }
}
