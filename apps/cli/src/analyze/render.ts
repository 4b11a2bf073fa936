/**
 * The three outputs of `analyze`: JSON (one document, streamed), JSONL (one record per line,
 * streamed) and a readable summary. Observations are written as they are decoded; counts,
 * bindings and findings once every file is read. See docs/analyze.md for the schema.
 */
import { explain } from '@neighwatch/correlate';
import { MESSAGE_TYPE_LABELS, MESSAGE_TYPES, MISMATCH_KIND_LABELS, type AggregatedFinding, type MessageType, type NeighborObservation } from '@neighwatch/model';
import { type FileAnalysis, type ObservationSink } from './analyzer';
import type { Output } from './output';
import { IsoTimeFormatter, isoTime } from './time';

export type Format = 'summary' | 'json' | 'jsonl';
export const FORMATS: readonly Format[] = ['summary', 'json', 'jsonl'];

/** The end of the time, the type and the start of ethSrc, per type: one write instead of three. */
const TYPE_AND_ETH_SRC = Object.fromEntries(MESSAGE_TYPES.map((t) => [t, `Z","type":"${t}","ethSrc":`])) as Record<MessageType, string>;

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
  private readonly time = new IsoTimeFormatter();
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
   * One line per observation, copied piece by piece into the output buffer: no string is
   * built for the line (a million lines of concatenations would keep the garbage collector
   * busy). Addresses, types and fingerprints are ASCII and never need escaping.
   */
  observation(file: string, obs: NeighborObservation): void {
    const out = this.out;
    const jsonl = this.mode === 'jsonl';
    if (this.withFile) {
      out.write(`${jsonl ? '{"record":"observation",' : this.first ? '\n{' : ',\n{'}"file":${JSON.stringify(file)},"index":`);
    } else {
      out.ascii(jsonl ? '{"record":"observation","index":' : this.first ? '\n{"index":' : ',\n{"index":');
    }
    this.first = false;
    out.int(obs.ref);
    this.time.write(out, obs.timeUs, ',"time":"');
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
