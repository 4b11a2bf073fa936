/**
 * Address text for the collector's edges: wire bytes → text for the correlator and the
 * Query service, and query-filter text → canonical text. MACs are lower-case with
 * colons; IPv6 follows RFC 5952 (longest run of zero groups, leftmost on a tie, only
 * when it spans two or more groups, lower-case hex).
 */

const HEX = '0123456789abcdef';

export function formatMac(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    if (i) out += ':';
    out += HEX[bytes[i] >> 4] + HEX[bytes[i] & 15];
  }
  return out;
}

export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  if (bytes.length === 16) return formatIPv6(bytes);
  throw new RangeError(`an IP address has 4 or 16 bytes, not ${bytes.length}`);
}

function formatIPv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (g: number) => g.toString(16);
  if (bestLen < 2) return groups.map(hex).join(':');
  const head = groups.slice(0, bestStart).map(hex).join(':');
  const tail = groups.slice(bestStart + bestLen).map(hex).join(':');
  return `${head}::${tail}`;
}

const MAC_TEXT = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i;

/** Canonical MAC text, or null when `text` is not a MAC (aa:bb:cc:dd:ee:ff or aa-bb-…). */
export function parseMac(text: string): string | null {
  if (!MAC_TEXT.test(text)) return null;
  return text.toLowerCase().replaceAll('-', ':');
}

/** IP text → bytes (4 or 16), or null when it is neither a dotted quad nor IPv6 text. */
export function parseIpBytes(text: string): Uint8Array | null {
  if (text.includes(':')) return parseIPv6(text);
  return parseIPv4(text);
}

/** Canonical IP text (RFC 5952 for IPv6), or null. */
export function parseIp(text: string): string | null {
  const bytes = parseIpBytes(text);
  return bytes ? formatIp(bytes) : null;
}

function parseIPv4(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(parts[i])) return null;
    const v = Number(parts[i]);
    if (v > 255) return null;
    out[i] = v;
  }
  return out;
}

function parseIPv6(text: string): Uint8Array | null {
  if (text.length > 45) return null;
  let head = text;
  let tail = '';
  const doubleColon = text.indexOf('::');
  if (doubleColon !== -1) {
    if (text.indexOf('::', doubleColon + 1) !== -1) return null;
    head = text.slice(0, doubleColon);
    tail = text.slice(doubleColon + 2);
  }
  const groups = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i];
      if (i === pieces.length - 1 && p.includes('.')) {
        const v4 = parseIPv4(p);
        if (!v4) return null;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-f]{1,4}$/i.test(p)) return null;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const h = groups(head);
  const t = groups(tail);
  if (!h || !t) return null;
  const missing = 8 - h.length - t.length;
  if (doubleColon === -1 ? missing !== 0 : missing < 1) return null;
  const all = [...h, ...new Array<number>(doubleColon === -1 ? 0 : missing).fill(0), ...t];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = all[i] >> 8;
    out[2 * i + 1] = all[i] & 0xff;
  }
  return out;
}
