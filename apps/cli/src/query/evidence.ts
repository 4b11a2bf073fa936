/**
 * `neighwatch evidence ID -o FILE.pcap`: every evidence frame of a mismatch, from every
 * vantage point, in capture-time order, as a classic pcap (Ethernet link type, µs
 * timestamps, original lengths kept) that tcpdump and Wireshark open.
 */
import { encodePcap, LINKTYPE_ETHERNET } from '@neighwatch/packet';
import type { MismatchDetail__Output } from '@neighwatch/proto';
import { CliError, ExitCode } from './errors';
import { emit, type Sinks } from './output';

export function evidencePcap(detail: MismatchDetail__Output): { bytes: Uint8Array; count: number } {
  const frames = [...detail.evidence]
    .filter((e) => e.frame.length > 0)
    .sort((a, b) => a.timeUs - b.timeUs)
    .map((e) => ({ timestampUs: e.timeUs, data: e.frame, originalLength: Math.max(e.frameLength, e.frame.length) }));
  return { bytes: encodePcap(frames, { linkType: LINKTYPE_ETHERNET }), count: frames.length };
}

/** Writes the pcap; returns how many frames it holds. A mismatch without frames is an error (exit 1), not an empty file. */
export function writeEvidencePcap(detail: MismatchDetail__Output, file: string, sinks: Sinks): number {
  const { bytes, count } = evidencePcap(detail);
  if (count === 0) {
    throw new CliError(ExitCode.runtime, `mismatch ${detail.mismatch?.id ?? '?'} has no evidence frames kept on the collector: nothing written`);
  }
  if (file === '-') {
    process.stdout.write(bytes);
    return count;
  }
  emit(sinks, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), file);
  return count;
}
