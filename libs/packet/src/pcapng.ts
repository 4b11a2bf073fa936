/**
 * pcapng files (draft-ietf-opsawg-pcapng): Section Header Blocks (either byte order; a file
 * may hold several sections, each with its own interfaces), Interface Description Blocks
 * (link type, snaplen, if_tsresol, if_tsoffset), Enhanced Packet Blocks, Simple Packet
 * Blocks and the obsolete Packet Block. Every other block type is skipped by its length.
 * Parses from a byte window; `capture.ts` drives it over file chunks.
 */
import { MAX_RECORD_LENGTH, readU16, readU32 } from './pcap';
import { CaptureFileError, type CaptureRecord, type FormatParser } from './record';

export const PCAPNG_SHB = 0x0a0d0d0a;
export const PCAPNG_IDB = 0x00000001;
export const PCAPNG_PB = 0x00000002;
export const PCAPNG_SPB = 0x00000003;
export const PCAPNG_EPB = 0x00000006;
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

interface Interface {
  linkType: number;
  snaplen: number;
  /** Timestamp units per second (10^6 unless if_tsresol says otherwise). */
  unitsPerSecond: number;
  /** if_tsoffset: seconds added to every timestamp. */
  offsetSeconds: number;
}

const TWO_16 = 65536;

/**
 * Splits a 64-bit timestamp (two 32-bit halves) in `units` per second into seconds and
 * nanoseconds without losing precision (long division in base 2^16: ns timestamps exceed
 * 2^53).
 */
export function splitTimestamp(hi: number, lo: number, units: number, out: { seconds: number; nanoseconds: number }): void {
  if (units <= 0xffffffff && Number.isInteger(units)) {
    const q1 = Math.floor(hi / units);
    let r = hi - q1 * units;
    let x = r * TWO_16 + (lo >>> 16);
    const q2 = Math.floor(x / units);
    r = x - q2 * units;
    x = r * TWO_16 + (lo & 0xffff);
    const q3 = Math.floor(x / units);
    r = x - q3 * units;
    out.seconds = q1 * 4294967296 + q2 * TWO_16 + q3;
    out.nanoseconds = Math.floor((r * 1e9) / units);
    return;
  }
  const ts = (BigInt(hi) << 32n) | BigInt(lo);
  const u = BigInt(Math.round(units));
  out.seconds = Number(ts / u);
  out.nanoseconds = Number(((ts % u) * 1_000_000_000n) / u);
}

export class PcapngParser implements FormatParser {
  readonly headerLength = 12;
  error: CaptureFileError | null = null;
  private littleEndian = true;
  private interfaces: Interface[] = [];
  /** Section number (1-based), for messages. */
  private section = 0;

  constructor(private readonly acceptLinkType: (linkType: number) => boolean) {}

  private fail(kind: CaptureFileError['kind'], message: string, offset: number): -1 {
    this.error = new CaptureFileError(kind, message, offset);
    return -1;
  }

  unitLength(b: Uint8Array, pos: number, fileOffset: number): number {
    const type = readU32(b, pos, this.littleEndian);
    if (type === PCAPNG_SHB) {
      const magic = readU32(b, pos + 8, false);
      if (magic === PCAPNG_BYTE_ORDER_MAGIC) this.littleEndian = false;
      else if (readU32(b, pos + 8, true) === PCAPNG_BYTE_ORDER_MAGIC) this.littleEndian = true;
      else return this.fail('malformed', `section header at byte ${fileOffset} has no byte-order magic`, fileOffset + 8);
    }
    const length = readU32(b, pos + 4, this.littleEndian);
    if (length < 12 || length % 4 !== 0 || length > MAX_RECORD_LENGTH) {
      return this.fail('malformed', `block at byte ${fileOffset} has impossible length ${length}`, fileOffset + 4);
    }
    return length;
  }

  consume(b: Uint8Array, pos: number, length: number, fileOffset: number, rec: CaptureRecord): number {
    const le = this.littleEndian;
    const type = readU32(b, pos, le);
    if (readU32(b, pos + length - 4, le) !== length) {
      return this.fail('malformed', `block at byte ${fileOffset}: trailing length does not match ${length}`, fileOffset + length - 4);
    }
    switch (type) {
      case PCAPNG_SHB: {
        if (length < 28) return this.fail('malformed', `section header at byte ${fileOffset} is ${length} bytes, needs 28`, fileOffset);
        const major = readU16(b, pos + 12, le);
        if (major !== 1) return this.fail('unsupported-format', `pcapng version ${major} at byte ${fileOffset} (only 1.x)`, fileOffset + 12);
        this.interfaces = [];
        this.section++;
        return 0;
      }
      case PCAPNG_IDB: {
        if (length < 20) return this.fail('malformed', `interface block at byte ${fileOffset} is ${length} bytes, needs 20`, fileOffset);
        const iface: Interface = {
          linkType: readU16(b, pos + 8, le),
          snaplen: readU32(b, pos + 12, le),
          unitsPerSecond: 1e6,
          offsetSeconds: 0,
        };
        let at = pos + 16;
        const end = pos + length - 4;
        while (at + 4 <= end) {
          const code = readU16(b, at, le);
          const olen = readU16(b, at + 2, le);
          if (code === 0) break;
          if (at + 4 + olen > end) return this.fail('malformed', `interface block at byte ${fileOffset}: option ${code} runs past the block`, fileOffset + (at - pos));
          if (code === OPT_IF_TSRESOL && olen >= 1) {
            const r = b[at + 4];
            const exp = r & 0x7f;
            iface.unitsPerSecond = r & 0x80 ? 2 ** exp : 10 ** exp;
          } else if (code === OPT_IF_TSOFFSET && olen === 8) {
            const hi = readU32(b, at + 4 + (le ? 4 : 0), le) | 0; // signed
            const lo = readU32(b, at + 4 + (le ? 0 : 4), le);
            iface.offsetSeconds = hi * 4294967296 + lo;
          }
          at += 4 + ((olen + 3) & ~3);
        }
        if (!this.acceptLinkType(iface.linkType)) {
          return this.fail(
            'unsupported-link-type',
            `interface ${this.interfaces.length} of section ${this.section} has link type ${iface.linkType} (decoded: Ethernet 1, Linux cooked 113 and 276)`,
            fileOffset + 8,
          );
        }
        this.interfaces.push(iface);
        return 0;
      }
      case PCAPNG_EPB:
      case PCAPNG_PB: {
        if (length < 32) return this.fail('malformed', `packet block at byte ${fileOffset} is ${length} bytes, needs 32`, fileOffset);
        const id = type === PCAPNG_EPB ? readU32(b, pos + 8, le) : readU16(b, pos + 8, le);
        const iface = this.interfaces[id];
        if (!iface) return this.fail('malformed', `packet block at byte ${fileOffset} names interface ${id}, which section ${this.section} does not describe`, fileOffset + 8);
        const captured = readU32(b, pos + 20, le);
        if (captured > length - 32) return this.fail('malformed', `packet block at byte ${fileOffset}: ${captured} captured bytes do not fit in ${length}`, fileOffset + 20);
        splitTimestamp(readU32(b, pos + 12, le), readU32(b, pos + 16, le), iface.unitsPerSecond, rec);
        rec.seconds += iface.offsetSeconds;
        rec.timestampUs = rec.seconds * 1e6 + Math.floor(rec.nanoseconds / 1000);
        rec.linkType = iface.linkType;
        rec.interfaceId = id;
        rec.data = b.subarray(pos + 28, pos + 28 + captured);
        rec.originalLength = readU32(b, pos + 24, le);
        rec.fileOffset = fileOffset;
        return 1;
      }
      case PCAPNG_SPB: {
        if (length < 16) return this.fail('malformed', `simple packet block at byte ${fileOffset} is ${length} bytes, needs 16`, fileOffset);
        const iface = this.interfaces[0];
        if (!iface) return this.fail('malformed', `simple packet block at byte ${fileOffset} before any interface block`, fileOffset);
        const original = readU32(b, pos + 8, le);
        let captured = Math.min(original, length - 16);
        if (iface.snaplen > 0) captured = Math.min(captured, iface.snaplen);
        rec.seconds = 0;
        rec.nanoseconds = 0;
        rec.timestampUs = 0;
        rec.linkType = iface.linkType;
        rec.interfaceId = 0;
        rec.data = b.subarray(pos + 12, pos + 12 + captured);
        rec.originalLength = original;
        rec.fileOffset = fileOffset;
        return 1;
      }
      default:
        return 0;
    }
  }
}
