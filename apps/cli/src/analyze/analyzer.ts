/**
 * `neighwatch analyze`: reads capture files and applies the single-vantage rules, one file
 * being one vantage point. The per-frame path is decode → classify (offsets, no text) →
 * text record only for ARP/NDP → correlate → hand the observation to the renderer.
 * Nothing per observation is kept: counts, bindings (bounded) and aggregated findings
 * (bounded evidence) are all that grows.
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { FindingAggregator, VantageCorrelator, type BindingSummary } from '@neighwatch/correlate';
import { MESSAGE_TYPES, type AggregatedFinding, type MessageType, type NeighborObservation } from '@neighwatch/model';
import {
  classifyInto,
  fieldsToRecord,
  fingerprintHex,
  formatIPv4,
  formatIPv6,
  formatMac,
  FrameDecoder,
  newNeighborFields,
  readCapture,
  type CaptureRecord,
  type DecodedFrame,
  type NeighborFields,
} from '@neighwatch/packet';

/** Frame numbers listed per finding (every occurrence is counted; the list stops here). */
export const FRAMES_PER_FINDING = 100;

/** How often (in frames) the progress callback runs. */
const PROGRESS_EVERY = 16_384;

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
  /**
   * (IP, MAC) pairs with count and first/last claim, as the correlator still tracks them at
   * the end (IPs claimed within the last 24 h of capture time, at most MAX_TRACKED_IPS).
   */
  bindings: BindingSummary[];
  findings: AggregatedFinding[];
  /** One line naming the file and the problem, or null when the whole file was read. */
  error: string | null;
}

/**
 * Receives each observation as it is decoded (the JSON and JSONL renderers). The object is
 * reused for the next frame: a sink copies what it keeps.
 */
export interface ObservationSink {
  observation(file: string, obs: NeighborObservation): void;
  /**
   * The same, with the frame and its classified fields, for sinks that write straight from
   * the frame bytes (`obs` is the observation of exactly these fields).
   */
  frameObservation?(file: string, obs: NeighborObservation, bytes: Uint8Array, fields: NeighborFields): void;
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
  if (sllPacketType === null || sllPacketType < 0) return 'unknown';
  return sllPacketType === 4 ? 'sent' : 'received';
}

/**
 * The observation of a classified frame with 6-byte link-layer addresses, its fields
 * formatted straight from the classifier's offsets with libs/packet's formatters (cached
 * address strings). One instance per file, refilled for every frame: neither the
 * correlator nor the renderers keep an observation, they copy what they need. The
 * Ethernet destination and the fingerprint, which the correlator does not read and the
 * renderer writes from the frame bytes, are formatted only when read.
 */
class FrameObservation implements NeighborObservation {
  node = 'capture';
  iface = '';
  direction: NeighborObservation['direction'] = 'unknown';
  timeUs = 0;
  type: MessageType = 'ARP_REQUEST';
  ethSrc = '';
  vlan: number | null = null;
  srcIp = '';
  targetIp: string | null = null;
  lladdr: string | null = null;
  naFlags = 0;
  checksumOk: boolean | null = null;
  ref = 0;
  private fingerprintHi = 0;
  private fingerprintLo = 0;
  private bytes: Uint8Array = new Uint8Array(0);
  private ethDstOffset = -1;

  get ethDst(): string {
    return this.ethDstOffset < 0 ? '' : formatMac(this.bytes, this.ethDstOffset);
  }

  get fingerprint(): string {
    return fingerprintHex(this.fingerprintHi, this.fingerprintLo);
  }

  fill(frame: DecodedFrame, fields: NeighborFields, iface: string, timeUs: number, ref: number): this {
    const b = frame.bytes;
    const v6 = fields.ipVersion === 6;
    this.iface = iface;
    this.direction = directionOf(fields.sllPacketType);
    this.timeUs = timeUs;
    this.type = fields.type!;
    this.ethSrc = formatMac(b, fields.ethSrcOffset);
    this.bytes = b;
    this.ethDstOffset = fields.ethDstOffset;
    this.vlan = fields.vlan < 0 ? null : fields.vlan;
    this.srcIp = v6 ? formatIPv6(b, fields.srcIpOffset) : formatIPv4(b, fields.srcIpOffset);
    this.targetIp = fields.targetIpOffset < 0 ? null : v6 ? formatIPv6(b, fields.targetIpOffset) : formatIPv4(b, fields.targetIpOffset);
    this.lladdr = fields.lladdrOffset < 0 ? null : formatMac(b, fields.lladdrOffset);
    this.naFlags = fields.naFlags;
    this.checksumOk = fields.checksumOk < 0 ? null : fields.checksumOk === 1;
    this.fingerprintHi = fields.fingerprintHi;
    this.fingerprintLo = fields.fingerprintLo;
    this.ref = ref;
    return this;
  }
}

/**
 * The observation of a classified frame whose link-layer addresses are not 6 bytes (rare:
 * non-Ethernet cooked captures), through `fieldsToRecord`'s general formatting.
 */
function generalObservationOf(frame: DecodedFrame, fields: NeighborFields, iface: string, timeUs: number, ref: number): NeighborObservation {
  const r = fieldsToRecord(frame, fields);
  return {
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
    ref,
  };
}

/**
 * Analyzes one capture file as one vantage point (node "capture", interface = the file's
 * name; in a pcapng file with several capture interfaces, each is its own vantage point,
 * "<name>#<interface id>"). Never throws for file problems: they come back in `error`,
 * after everything decodable before them.
 */
export async function analyzeFile(path: string, sink: ObservationSink | null, progress?: ProgressCallback): Promise<FileAnalysis> {
  // One vantage point per capture interface: a pcapng file may hold several links.
  const correlators: VantageCorrelator[] = [];
  const ifaceNames: string[] = [];
  const aggregator = new FindingAggregator({ evidencePerVantage: FRAMES_PER_FINDING });
  const decoder = new FrameDecoder();
  const fields = newNeighborFields();
  const reused = new FrameObservation();
  const messages = emptyMessages();
  const name = basename(path);
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

    const interfaceId = record.interfaceId;
    let correlator = correlators[interfaceId];
    if (correlator === undefined) {
      correlator = correlators[interfaceId] = new VantageCorrelator();
      ifaceNames[interfaceId] = interfaceId === 0 ? name : `${name}#${interfaceId}`;
    }
    const frame = decoder.decode(record.data, record.linkType);
    if (!classifyInto(frame, fields)) {
      // Any frame's source proves its MAC is live on the link (PHANTOM_LLADDR), but
      // formatting it costs: only when a claim is waiting for proof.
      if (frame.ethernet !== null && correlator.pendingPhantoms !== 0) {
        correlator.noteSource(formatMac(frame.bytes, frame.ethernet.srcOffset), timeUs);
      }
      return true;
    }
    const obs =
      fields.ethSrcLength !== 6 || (fields.lladdrOffset >= 0 && fields.lladdrLength !== 6)
        ? generalObservationOf(frame, fields, ifaceNames[interfaceId], timeUs, record.index)
        : reused.fill(frame, fields, ifaceNames[interfaceId], timeUs, record.index);
    observations++;
    messages[obs.type]++;
    if (obs.checksumOk === false) badChecksums++;
    if (sink !== null) {
      if (sink.frameObservation !== undefined) sink.frameObservation(path, obs, frame.bytes, fields);
      else sink.observation(path, obs);
      if (!sink.open) return false;
    }
    const found = correlator.observe(obs);
    for (let i = 0; i < found.length; i++) aggregator.add(found[i]);
    return true;
  };

  const summary = await readCapture(path, onRecord);
  const bindings: BindingSummary[] = [];
  for (const correlator of correlators) {
    if (correlator === undefined) continue;
    for (const finding of correlator.flush()) aggregator.add(finding);
    for (const binding of correlator.bindings()) bindings.push(binding);
  }

  return {
    file: path,
    frames,
    observations,
    messages,
    badChecksums,
    format: summary.format,
    firstUs,
    lastUs,
    bindings,
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
