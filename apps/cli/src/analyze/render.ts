/**
 * The three outputs of `analyze`: JSON (one document, streamed), JSONL (one record per line,
 * streamed) and a readable summary. Observations are written as they are decoded; counts,
 * bindings and findings once every file is read. See docs/analyze.md for the schema.
 */
import { explain } from '@neighwatch/correlate';
import { MESSAGE_TYPE_LABELS, MESSAGE_TYPES, MISMATCH_KIND_LABELS, type AggregatedFinding, type MessageType, type NeighborObservation } from '@neighwatch/model';
import { MAX_ASCII_FINGERPRINT, MAX_ASCII_IPV6, MAX_ASCII_MAC, writeIPv4Ascii, writeIPv6Ascii, type NeighborFields } from '@neighwatch/packet';
import { type FileAnalysis, type ObservationSink } from './analyzer';
import { RESERVE_MAX, type Output } from './output';
import { AsciiConst, putConst, putDigits6, putFingerprint, putInt, putMac } from './ascii-const';
import { isoTime, isoTimeFieldOf, TimeFieldBytes } from './time';

export type Format = 'summary' | 'json' | 'jsonl';
export const FORMATS: readonly Format[] = ['summary', 'json', 'jsonl'];

/** The end of the time, the type and the start of ethSrc, per type: one write instead of three. */
const TYPE_AND_ETH_SRC = Object.fromEntries(MESSAGE_TYPES.map((t) => [t, `Z","type":"${t}","ethSrc":`])) as Record<MessageType, string>;

const TYPE_AND_ETH_SRC_BYTES = Object.fromEntries(MESSAGE_TYPES.map((t) => [t, new AsciiConst(TYPE_AND_ETH_SRC[t])])) as Record<MessageType, AsciiConst>;
const EMPTY = new AsciiConst('');
const JSONL_HEAD = new AsciiConst('{"record":"observation","index":');
const JSON_FIRST_HEAD = new AsciiConst('\n{"index":');
const JSON_NEXT_HEAD = new AsciiConst(',\n{"index":');
const ETH_DST = new AsciiConst(',"ethDst":');
const VLAN = new AsciiConst(',"vlan":');
const NULL = new AsciiConst('null');
const SRC_IP = new AsciiConst(',"srcIp":"');
const TARGET_IP = new AsciiConst('","targetIp":');
const LLADDR = new AsciiConst(',"lladdr":');
const NA_FLAGS = new AsciiConst(',"naFlags":');
const CHECKSUM_NULL = new AsciiConst(',"checksumOk":null,"fingerprint":"');
const CHECKSUM_TRUE = new AsciiConst(',"checksumOk":true,"fingerprint":"');
const CHECKSUM_FALSE = new AsciiConst(',"checksumOk":false,"fingerprint":"');
const JSONL_TAIL = new AsciiConst('"}\n');
const JSON_TAIL = new AsciiConst('"}');
/**
 * Bytes of an observation line besides its address and fingerprint text: the constant
 * parts (≈ 200), the index and the other numbers (≤ 16 digits each), the time (≤ 40 with its
 * key) and quotes; generous, it only has to be an upper bound.
 */
const LINE_FIXED = 512;

function putText(b: Uint8Array, at: number, text: string): number {
  const n = text.length;
  for (let i = 0; i < n; i++) b[at + i] = text.charCodeAt(i);
  return at + n;
}

/** `text` between double quotes, or `null` when it is null or empty. */
function putQuoted(b: Uint8Array, v: DataView, at: number, text: string | null): number {
  if (text === null || text === '') return putConst(b, v, at, NULL);
  b[at] = 34;
  at = putText(b, at + 1, text);
  b[at] = 34;
  return at + 1;
}

function findingJson(finding: AggregatedFinding, file: string | null): Record<string, unknown> {
  return {
    ...(file === null ? {} : { file }),
    kind: finding.kind,
    subject: finding.subject,
    ip: finding.ip,
    macs: finding.macs,
    frames: finding.evidence.map((e) => e.ref),
    firstSeen: isoTime(finding.firstSeenUs),
    lastSeen: isoTime(finding.lastSeenUs),
    count: finding.count,
    summary: finding.summary,
    explanation: explain(finding),
  };
}

function fileJson(analysis: FileAnalysis): Record<string, unknown> {
  return {
    file: analysis.file,
    format: analysis.format,
    frames: analysis.frames,
    observationCount: analysis.observations,
    error: analysis.error,
  };
}

function messageTotals(results: FileAnalysis[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const type of MESSAGE_TYPES) {
    let n = 0;
    for (const r of results) n += r.messages[type];
    totals[type] = n;
  }
  return totals;
}

/**
 * Streams observations as JSON (`{"observations":[…],"frames":…,"findings":[…],…}`) or
 * JSONL (`{"record":"observation",…}` lines, then `"finding"` lines, then one `"summary"`).
 */
export class JsonRenderer implements ObservationSink {
  private readonly time = new TimeFieldBytes();
  private first = true;
  /** With several files each observation and finding names its file. */
  private readonly withFile: boolean;

  constructor(
    private readonly out: Output,
    private readonly mode: 'json' | 'jsonl',
    files: readonly string[],
  ) {
    this.withFile = files.length > 1;
  }

  get open(): boolean {
    return !this.out.closed;
  }

  begin(): void {
    if (this.mode === 'json') this.out.write('{"observations":[');
  }

  /**
   * One line per observation, written byte by byte into the output's buffer by one function
   * (no string is built for the line, and no call per field: at a million lines the per-call
   * overhead of a piecewise copy dominates). Addresses, types and fingerprints are ASCII and
   * never need escaping.
   */
  observation(file: string, obs: NeighborObservation): void {
    this.line(file, obs, null, null);
  }

  /**
   * The same line, its addresses and fingerprint written straight from the frame bytes at
   * the classifier's offsets (hex tables, no copy of the observation's text). `obs` must be
   * the observation of these fields; link-layer addresses that are not 6 bytes take the
   * text path.
   */
  frameObservation(file: string, obs: NeighborObservation, bytes: Uint8Array, fields: NeighborFields): void {
    if (fields.ethSrcLength !== 6 || (fields.lladdrOffset >= 0 && fields.lladdrLength !== 6)) this.line(file, obs, null, null);
    else this.line(file, obs, bytes, fields);
  }

  private line(file: string, obs: NeighborObservation, src: Uint8Array | null, fields: NeighborFields | null): void {
    const out = this.out;
    const jsonl = this.mode === 'jsonl';
    let head: AsciiConst;
    if (this.withFile) {
      out.write(`${jsonl ? '{"record":"observation",' : this.first ? '\n{' : ',\n{'}"file":${JSON.stringify(file)},"index":`);
      head = EMPTY;
    } else {
      head = jsonl ? JSONL_HEAD : this.first ? JSON_FIRST_HEAD : JSON_NEXT_HEAD;
    }
    this.first = false;
    const targetIp = obs.targetIp;
    const lladdr = obs.lladdr;
    // From the frame, every field has a bounded length; from text, the text says.
    const n =
      src !== null
        ? LINE_FIXED + 3 * MAX_ASCII_MAC + 2 * MAX_ASCII_IPV6 + MAX_ASCII_FINGERPRINT
        : LINE_FIXED +
          obs.ethSrc.length +
          obs.ethDst.length +
          obs.srcIp.length +
          (targetIp === null ? 0 : targetIp.length) +
          (lladdr === null ? 0 : lladdr.length) +
          obs.fingerprint.length;
    if (n > RESERVE_MAX) {
      this.observationPieces(obs, jsonl);
      return;
    }
    let at = out.reserve(n);
    const b = out.bytes;
    const v = out.view;
    at = putConst(b, v, at, head);
    at = putInt(b, v, at, obs.ref);
    at = putConst(b, v, at, this.time.bytes(obs.timeUs));
    at = putDigits6(v, at, this.time.fraction);
    at = putConst(b, v, at, TYPE_AND_ETH_SRC_BYTES[obs.type]);
    if (src !== null && fields !== null) {
      // Fast path: 6-byte link-layer addresses, every address from the frame.
      b[at] = 34;
      at = putMac(v, at + 1, src, fields.ethSrcOffset);
      b[at] = 34;
      at = putConst(b, v, at + 1, ETH_DST);
      if (fields.ethDstOffset < 0) at = putConst(b, v, at, NULL);
      else {
        b[at] = 34;
        at = putMac(v, at + 1, src, fields.ethDstOffset);
        b[at++] = 34;
      }
      at = putConst(b, v, at, VLAN);
      at = fields.vlan < 0 ? putConst(b, v, at, NULL) : putInt(b, v, at, fields.vlan);
      at = putConst(b, v, at, SRC_IP);
      const v6 = fields.ipVersion === 6;
      at = v6 ? writeIPv6Ascii(src, fields.srcIpOffset, b, at) : writeIPv4Ascii(src, fields.srcIpOffset, b, at);
      at = putConst(b, v, at, TARGET_IP);
      if (fields.targetIpOffset < 0) at = putConst(b, v, at, NULL);
      else {
        b[at] = 34;
        at = v6 ? writeIPv6Ascii(src, fields.targetIpOffset, b, at + 1) : writeIPv4Ascii(src, fields.targetIpOffset, b, at + 1);
        b[at++] = 34;
      }
      at = putConst(b, v, at, LLADDR);
      if (fields.lladdrOffset < 0) at = putConst(b, v, at, NULL);
      else {
        b[at] = 34;
        at = putMac(v, at + 1, src, fields.lladdrOffset);
        b[at++] = 34;
      }
      at = putConst(b, v, at, NA_FLAGS);
      at = putInt(b, v, at, fields.naFlags);
      const ok = fields.checksumOk;
      at = putConst(b, v, at, ok < 0 ? CHECKSUM_NULL : ok === 1 ? CHECKSUM_TRUE : CHECKSUM_FALSE);
      at = putFingerprint(v, at, fields.fingerprintHi, fields.fingerprintLo);
    } else {
      at = putQuoted(b, v, at, obs.ethSrc);
      at = putConst(b, v, at, ETH_DST);
      at = putQuoted(b, v, at, obs.ethDst);
      at = putConst(b, v, at, VLAN);
      const vlan = obs.vlan;
      at = vlan === null ? putConst(b, v, at, NULL) : putInt(b, v, at, vlan);
      at = putConst(b, v, at, SRC_IP);
      at = putText(b, at, obs.srcIp);
      at = putConst(b, v, at, TARGET_IP);
      at = putQuoted(b, v, at, targetIp);
      at = putConst(b, v, at, LLADDR);
      at = putQuoted(b, v, at, lladdr);
      at = putConst(b, v, at, NA_FLAGS);
      at = putInt(b, v, at, obs.naFlags);
      const ok = obs.checksumOk;
      at = putConst(b, v, at, ok === null ? CHECKSUM_NULL : ok ? CHECKSUM_TRUE : CHECKSUM_FALSE);
      at = putText(b, at, obs.fingerprint);
    }
    at = putConst(b, v, at, jsonl ? JSONL_TAIL : JSON_TAIL);
    out.commit(at);
  }

  /** The same line through the output's piecewise writers (fields too long for one reservation). */
  private observationPieces(obs: NeighborObservation, jsonl: boolean): void {
    const out = this.out;
    out.int(obs.ref);
    out.ascii(isoTimeFieldOf(obs.timeUs));
    out.ascii(TYPE_AND_ETH_SRC[obs.type]);
    out.quoted(obs.ethSrc);
    out.ascii(',"ethDst":');
    out.quoted(obs.ethDst);
    out.ascii(',"vlan":');
    if (obs.vlan === null) out.ascii('null');
    else out.int(obs.vlan);
    out.ascii(',"srcIp":"');
    out.ascii(obs.srcIp);
    out.ascii('","targetIp":');
    out.quoted(obs.targetIp);
    out.ascii(',"lladdr":');
    out.quoted(obs.lladdr);
    out.ascii(',"naFlags":');
    out.int(obs.naFlags);
    out.ascii(obs.checksumOk === null ? ',"checksumOk":null,"fingerprint":"' : obs.checksumOk ? ',"checksumOk":true,"fingerprint":"' : ',"checksumOk":false,"fingerprint":"');
    out.ascii(obs.fingerprint);
    out.ascii(jsonl ? '"}\n' : '"}');
  }

  end(results: FileAnalysis[]): void {
    const frames = results.reduce((n, r) => n + r.frames, 0);
    const findings = results.flatMap((r) => r.findings.map((f) => findingJson(f, this.withFile ? r.file : null)));
    const bindings = results.flatMap((r) =>
      r.bindings.map((b) => ({
        ...(this.withFile ? { file: r.file } : {}),
        ip: b.ip,
        vlan: b.vlan,
        mac: b.mac,
        count: b.count,
        firstSeen: isoTime(b.firstSeenUs),
        lastSeen: isoTime(b.lastSeenUs),
      })),
    );
    const totals = {
      frames,
      observationCount: results.reduce((n, r) => n + r.observations, 0),
      files: results.map(fileJson),
      messages: messageTotals(results),
    };
    if (this.mode === 'json') {
      this.out.write(this.first ? '],\n' : '\n],\n');
      const tail = JSON.stringify({ ...totals, bindings, findings });
      this.out.write(tail.slice(1)); // continues the object opened by begin()
      this.out.write('\n');
    } else {
      for (const finding of findings) this.out.write(JSON.stringify({ record: 'finding', ...finding }) + '\n');
      this.out.write(JSON.stringify({ record: 'summary', ...totals, bindings }) + '\n');
    }
    this.out.flush();
  }
}

function pad(value: string, width: number): string {
  return value.length >= width ? value : value + ' '.repeat(width - value.length);
}

function range(firstUs: number, lastUs: number): string {
  return firstUs === lastUs ? isoTime(firstUs) : `${isoTime(firstUs)} – ${isoTime(lastUs)}`;
}

/** Frame numbers shown per finding in the summary (JSON lists the first FRAMES_PER_FINDING). */
const SUMMARY_FRAMES = 10;

function framesText(finding: AggregatedFinding): string {
  const refs = finding.evidence.map((e) => e.ref).sort((a, b) => a - b);
  const shown = refs.slice(0, SUMMARY_FRAMES);
  const more = finding.count > shown.length ? ', …' : '';
  return `frame${refs.length === 1 ? '' : 's'} ${shown.join(', ')}${more}`;
}

/** Rows shown per table in the summary; JSON lists everything. */
const SUMMARY_ROWS = 50;

/** The readable summary, one section per file. */
export function renderSummary(out: Output, results: FileAnalysis[]): void {
  for (const r of results) {
    const lines: string[] = [];
    const span = r.firstUs !== null && r.lastUs !== null ? `, ${range(r.firstUs, r.lastUs)}` : '';
    lines.push(`${r.file}: ${r.frames} frame${r.frames === 1 ? '' : 's'}${r.format ? ` (${r.format}${span})` : ''}, ${r.observations} ARP/NDP message${r.observations === 1 ? '' : 's'}`);
    if (r.error !== null) lines.push(`  incomplete: ${r.error}`);
    const types = MESSAGE_TYPES.filter((t) => r.messages[t] > 0);
    if (types.length > 0) {
      lines.push('', 'Messages:');
      for (const t of types) lines.push(`  ${pad(MESSAGE_TYPE_LABELS[t], 24)} ${r.messages[t]}`);
      if (r.badChecksums > 0) lines.push(`  (${r.badChecksums} with a bad ICMPv6 checksum)`);
    }
    if (r.bindings.length > 0) {
      const rows = [...r.bindings].sort((a, b) => a.ip.localeCompare(b.ip) || (a.vlan ?? -1) - (b.vlan ?? -1) || a.firstSeenUs - b.firstSeenUs);
      lines.push('', 'Bindings (IP → MAC):');
      const label = (b: (typeof rows)[number]) => (b.vlan === null ? b.ip : `${b.ip} vlan ${b.vlan}`);
      const width = Math.min(48, Math.max(...rows.map((b) => label(b).length)));
      for (const b of rows.slice(0, SUMMARY_ROWS)) {
        lines.push(`  ${pad(label(b), width)}  ${b.mac}  ${pad(`${b.count}×`, 7)} ${range(b.firstSeenUs, b.lastSeenUs)}`);
      }
      const hidden = rows.length - SUMMARY_ROWS;
      if (hidden > 0) lines.push(`  … and ${hidden} more (all of them in --format json)`);
    }
    lines.push('', r.findings.length === 0 ? 'Findings: none' : `Findings (${r.findings.length}):`);
    for (const f of r.findings.slice(0, SUMMARY_ROWS)) {
      lines.push(`  ${f.kind}  ${f.ip ?? f.subject}  ${f.macs.join(', ')}  (${f.count}×, ${framesText(f)})`);
      lines.push(`    ${MISMATCH_KIND_LABELS[f.kind]}: ${f.summary}`);
      lines.push(`    Meaning: ${explain(f)}`);
    }
    if (r.findings.length > SUMMARY_ROWS) lines.push(`  … and ${r.findings.length - SUMMARY_ROWS} more (all of them in --format json)`);
    lines.push('');
    out.write(lines.join('\n') + '\n');
  }
  out.flush();
}
