/**
 * `neighwatch analyze`: reads capture files and applies the single-vantage rules, one file
 * being one vantage point. The per-frame path is decode → classify (offsets, no text) →
 * text record only for ARP/NDP → correlate → hand the observation to the renderer.
 * Nothing per observation is kept: counts, bindings (bounded) and aggregated findings
 * (bounded evidence) are all that grows.
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { boundIp, boundMac, FindingAggregator, VantageCorrelator } from '@neighwatch/correlate';
import { MESSAGE_TYPES, type AggregatedFinding, type MessageType, type NeighborObservation } from '@neighwatch/model';
import {
  classifyInto,
  fieldsToRecord,
  formatMac,
  FrameDecoder,
  newNeighborFields,
  readCapture,
  type CaptureRecord,
} from '@neighwatch/packet';

/** Frame numbers listed per finding (every occurrence is counted; the list stops here). */
export const FRAMES_PER_FINDING = 100;

/** (IP, MAC) pairs listed in the bindings table; further pairs are counted, not listed. */
export const MAX_BINDING_ROWS = 100_000;

/** How often (in frames) the progress callback runs. */
const PROGRESS_EVERY = 16_384;

export interface BindingRow {
  ip: string;
  mac: string;
  count: number;
  firstSeenUs: number;
  lastSeenUs: number;
}

/** What one file amounts to. */
export interface FileAnalysis {
  file: string;
  /** Every frame record in the file (or before the problem). */
  frames: number;
  observations: number;
  /** ARP/NDP messages by type. */
  messages: Record<MessageType, number>;
  /** Frames whose NDP checksum does not verify. */
  badChecksums: number;
  format: 'pcap' | 'pcapng' | null;
  firstUs: number | null;
  lastUs: number | null;
  bindings: BindingRow[];
  /** Pairs beyond MAX_BINDING_ROWS, counted but not listed. */
  bindingsNotListed: number;
  findings: AggregatedFinding[];
  /** One line naming the file and the problem, or null when the whole file was read. */
  error: string | null;
}

/** Receives each observation as it is decoded (the JSON and JSONL renderers). */
export interface ObservationSink {
  observation(file: string, obs: NeighborObservation): void;
  /** False once output can no longer be written (the reader went away): stop reading. */
  readonly open: boolean;
}

export type ProgressCallback = (file: string, bytesDone: number, bytesTotal: number, frames: number) => void;

function emptyMessages(): Record<MessageType, number> {
  const counts = {} as Record<MessageType, number>;
  for (const type of MESSAGE_TYPES) counts[type] = 0;
  return counts;
}

/** The Linux cooked header says whether this host sent the frame (packet type 4). */
function directionOf(sllPacketType: number | null): NeighborObservation['direction'] {
  if (sllPacketType === null) return 'unknown';
  return sllPacketType === 4 ? 'sent' : 'received';
}

/** Bounded (IP, MAC) → count/first/last table for the summary. */
class BindingTable {
  private readonly byIp = new Map<string, Map<string, BindingRow>>();
  private rows = 0;
  notListed = 0;

  add(ip: string, mac: string, timeUs: number): void {
    let macs = this.byIp.get(ip);
    if (macs === undefined) {
      if (this.rows >= MAX_BINDING_ROWS) {
        this.notListed++;
        return;
      }
      this.byIp.set(ip, (macs = new Map()));
    }
    const row = macs.get(mac);
    if (row !== undefined) {
      row.count++;
      if (timeUs > row.lastSeenUs) row.lastSeenUs = timeUs;
      if (timeUs < row.firstSeenUs) row.firstSeenUs = timeUs;
      return;
    }
    if (this.rows >= MAX_BINDING_ROWS) {
      this.notListed++;
      return;
    }
    this.rows++;
    macs.set(mac, { ip, mac, count: 1, firstSeenUs: timeUs, lastSeenUs: timeUs });
  }

  list(): BindingRow[] {
    const out: BindingRow[] = [];
    for (const macs of this.byIp.values()) for (const row of macs.values()) out.push(row);
    return out;
  }
}

/**
 * Analyzes one capture file as one vantage point (node "capture", interface = the file's
 * name). Never throws for file problems: they come back in `error`, after everything
 * decodable before them.
 */
export async function analyzeFile(path: string, sink: ObservationSink | null, progress?: ProgressCallback): Promise<FileAnalysis> {
  const correlator = new VantageCorrelator();
  const aggregator = new FindingAggregator({ evidencePerVantage: FRAMES_PER_FINDING });
  const decoder = new FrameDecoder();
  const fields = newNeighborFields();
  const messages = emptyMessages();
  const bindings = new BindingTable();
  const iface = basename(path);
  let frames = 0;
  let observations = 0;
  let badChecksums = 0;
  let firstUs: number | null = null;
  let lastUs: number | null = null;
  let bytesTotal = 0;
  if (progress !== undefined) {
    try {
      bytesTotal = statSync(path).size;
    } catch {
      bytesTotal = 0; // readCapture reports the problem
    }
  }

  const onRecord = (record: CaptureRecord): boolean => {
    frames++;
    const timeUs = record.timestampUs;
    if (firstUs === null) firstUs = timeUs;
    lastUs = timeUs;
    if (progress !== undefined && (frames & (PROGRESS_EVERY - 1)) === 0) progress(path, record.fileOffset, bytesTotal, frames);

    const frame = decoder.decode(record.data, record.linkType);
    if (!classifyInto(frame, fields)) {
      // Any frame's source proves its MAC is live on the link (PHANTOM_LLADDR), but
      // formatting it costs: only when a claim is waiting for proof.
      if (frame.ethernet !== null && correlator.pendingPhantoms !== 0) {
        correlator.noteSource(formatMac(frame.bytes, frame.ethernet.srcOffset), timeUs);
      }
      return true;
    }
    const r = fieldsToRecord(frame, fields);
    const obs: NeighborObservation = {
      node: 'capture',
      iface,
      direction: directionOf(r.sllPacketType),
      timeUs,
      type: r.type,
      ethSrc: r.ethSrc,
      ethDst: r.ethDst,
      vlan: r.vlan,
      srcIp: r.srcIp,
      targetIp: r.targetIp,
      lladdr: r.lladdr,
      naFlags: r.naFlags,
      checksumOk: r.checksumOk,
      fingerprint: r.fingerprint,
      ref: record.index,
    };
    observations++;
    messages[obs.type]++;
    if (obs.checksumOk === false) badChecksums++;
    const ip = boundIp(obs);
    if (ip !== null) bindings.add(ip, boundMac(obs), timeUs);
    if (sink !== null) {
      sink.observation(path, obs);
      if (!sink.open) return false;
    }
    const found = correlator.observe(obs);
    for (let i = 0; i < found.length; i++) aggregator.add(found[i]);
    return true;
  };

  const summary = await readCapture(path, onRecord);
  for (const finding of correlator.flush()) aggregator.add(finding);

  return {
    file: path,
    frames,
    observations,
    messages,
    badChecksums,
    format: summary.format,
    firstUs,
    lastUs,
    bindings: bindings.list(),
    bindingsNotListed: bindings.notListed,
    findings: aggregator.rows(),
    error: summary.error === null ? null : describeError(path, summary.error.kind, summary.error.message, frames),
  };
}

/** One line naming the file and the problem, and what was still analyzed. */
function describeError(path: string, kind: string, message: string, frames: number): string {
  const text = message.startsWith(path) ? message.slice(path.length).replace(/^:\s*/, '') : message;
  let head: string;
  if (kind === 'not-found') head = 'no such file';
  else if (kind === 'truncated') head = `truncated: ${text}`;
  else if (kind === 'unsupported-link-type') head = `unsupported ${text}`;
  else head = text;
  const tail = frames > 0 ? ` (the ${frames} frame${frames === 1 ? '' : 's'} before it are analyzed)` : '';
  return `${path}: ${head}${tail}`;
}
