/**
 * What the capture-file reader delivers and how it fails. Shared by `pcap.ts`, `pcapng.ts`
 * and `capture.ts`.
 */

/** One captured frame from a pcap or pcapng file. */
export interface CaptureRecord {
  /** 1-based frame number, counting every packet record in the file (as tcpdump/Wireshark number them). */
  index: number;
  /** Microseconds since the epoch (floor). 0 for pcapng Simple Packet Blocks, which carry no time. */
  timestampUs: number;
  /** Whole seconds since the epoch and nanoseconds within the second (finer detail). */
  seconds: number;
  nanoseconds: number;
  /** pcap link type of the frame (per interface in pcapng). */
  linkType: number;
  /** pcapng interface id within its section; 0 for pcap. */
  interfaceId: number;
  /**
   * The captured bytes: a view into the reader's buffer, valid only until the next record
   * is delivered (the buffer is refilled). Copy (`data.slice()`) what you keep.
   */
  data: Uint8Array;
  /** Length of the frame on the wire (≥ data.length when the capture was cut by a snaplen). */
  originalLength: number;
  /** Byte offset of the record's header in the file (for error messages and evidence). */
  fileOffset: number;
}

export type CaptureErrorKind =
  /** The file does not exist. */
  | 'not-found'
  /** Reading failed (permissions, a directory, I/O error). */
  | 'io'
  /** The file has no bytes. */
  | 'empty'
  /** The first bytes are neither a pcap nor a pcapng header. */
  | 'not-a-capture'
  /** The file ends inside a header or record. */
  | 'truncated'
  /** A length or field is impossible (corrupt file). */
  | 'malformed'
  /** A link type the decoders cannot decode (see `anyLinkType`). */
  | 'unsupported-link-type'
  /** A pcap/pcapng version or variant this reader does not handle. */
  | 'unsupported-format';

/** A typed capture-file problem. Records before it were delivered. */
export class CaptureFileError extends Error {
  constructor(
    readonly kind: CaptureErrorKind,
    message: string,
    /** Byte offset in the file where the problem is (-1 when not applicable). */
    readonly offset: number = -1,
    /** Records delivered before the problem. */
    public recordsBefore: number = 0,
  ) {
    super(message);
    this.name = 'CaptureFileError';
  }
}

/** A format's parser over a byte window (see capture.ts for the chunked driver). */
export interface FormatParser {
  /** Bytes needed at a position to know the length of the next unit (record or block). */
  readonly headerLength: number;
  /** Total length of the unit at `pos` (headerLength bytes available), or -1 with `error` set. */
  unitLength(b: Uint8Array, pos: number, fileOffset: number): number;
  /**
   * Consumes a whole unit. Returns 1 when `rec` now holds a frame, 0 for a unit without one
   * (a pcapng interface block, statistics, …), -1 with `error` set.
   */
  consume(b: Uint8Array, pos: number, length: number, fileOffset: number, rec: CaptureRecord): number;
  error: CaptureFileError | null;
}
