/**
 * Modified EUI-64 interface identifiers (RFC 4291 §2.5.1, Appendix A) read from IPv6
 * addresses in RFC 5952 text, which is how observations carry them. The MAC 00:03:ff:13:7d:75
 * gives the interface ID 0203:ffff:fe13:7d75: ff:fe inserted in the middle, and the
 * universal/local bit (0x02 of the first byte) inverted.
 */

const HEX = '0123456789abcdef';

function hexByte(value: number): string {
  return HEX[(value >> 4) & 0xf] + HEX[value & 0xf];
}

/** Parses one group of up to 4 hex digits; NaN when it is not one. */
function parseGroup(text: string): number {
  if (text.length === 0 || text.length > 4) return NaN;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let digit: number;
    if (c >= 48 && c <= 57) digit = c - 48;
    else if (c >= 97 && c <= 102) digit = c - 87;
    else if (c >= 65 && c <= 70) digit = c - 55;
    else return NaN;
    value = value * 16 + digit;
  }
  return value;
}

/** The last four 16-bit groups of an IPv6 address (its interface ID), or null if unparsable. */
function interfaceIdGroups(ip: string): number[] | null {
  if (ip.indexOf('.') >= 0) return null; // IPv4-mapped or -embedded forms carry no EUI-64
  const gap = ip.indexOf('::');
  let groups: string[];
  if (gap < 0) {
    groups = ip.split(':');
  } else {
    const head = gap === 0 ? [] : ip.slice(0, gap).split(':');
    const tail = gap + 2 === ip.length ? [] : ip.slice(gap + 2).split(':');
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return null;
    groups = head.concat(new Array<string>(missing).fill('0'), tail);
  }
  if (groups.length !== 8) return null;
  const iid = new Array<number>(4);
  for (let i = 0; i < 4; i++) {
    const value = parseGroup(groups[4 + i]);
    if (Number.isNaN(value)) return null;
    iid[i] = value;
  }
  return iid;
}

/**
 * The MAC an IPv6 address's modified EUI-64 interface ID was derived from, lower-case with
 * colons; null when the interface ID is not of that form (privacy/stable-random IDs, manual
 * addresses, ::).
 */
export function macFromEui64(ip: string): string | null {
  // RFC 5952 text of an EUI-64 ID always contains "ff:fe" (…xxff:fexx…): a cheap pre-check
  // that rejects most random interface IDs without parsing.
  if (ip.indexOf('ff:fe') < 0 && ip.indexOf('FF:FE') < 0) return null;
  const iid = interfaceIdGroups(ip);
  if (iid === null) return null;
  if ((iid[1] & 0xff) !== 0xff || iid[2] >> 8 !== 0xfe) return null;
  return (
    hexByte((iid[0] >> 8) ^ 0x02) +
    ':' +
    hexByte(iid[0] & 0xff) +
    ':' +
    hexByte(iid[1] >> 8) +
    ':' +
    hexByte(iid[2] & 0xff) +
    ':' +
    hexByte(iid[3] >> 8) +
    ':' +
    hexByte(iid[3] & 0xff)
  );
}

/** Bound on the memo below: addresses on one link are few; the bound only stops growth. */
const MEMO_LIMIT = 65_536;

/**
 * `macFromEui64` with a memo: the same few addresses repeat on a link, and the hot path
 * asks for every NDP observation. Cleared wholesale when it reaches its bound.
 */
export class Eui64Memo {
  private readonly memo = new Map<string, string | null>();

  macOf(ip: string): string | null {
    const known = this.memo.get(ip);
    if (known !== undefined) return known;
    const mac = macFromEui64(ip);
    if (this.memo.size >= MEMO_LIMIT) this.memo.clear();
    this.memo.set(ip, mac);
    return mac;
  }
}
