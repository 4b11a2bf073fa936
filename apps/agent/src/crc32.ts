/**
 * CRC-32 (IEEE 802.3, the zlib/PNG polynomial), for spool records. Node ≥ 20.15 has it
 * built in (`zlib.crc32`, native); older 20.x fall back to the table-driven version.
 */
import * as zlib from 'node:zlib';

let table: Int32Array | undefined;

function crc32Table(): Int32Array {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
}

/** Table-driven CRC-32 of `data`, continuing from `initial` (the CRC of what came before). */
export function crc32Portable(data: Uint8Array, initial = 0): number {
  table ??= crc32Table();
  let crc = ~initial;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}

const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** CRC-32 of `data`, continuing from `initial`: crc32(b, crc32(a)) = crc32(a ‖ b). */
export function crc32(data: Uint8Array, initial = 0): number {
  return native ? native(data, initial) >>> 0 : crc32Portable(data, initial);
}
