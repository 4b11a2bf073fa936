/**
 * Known-legitimate look-alikes (Microsoft NLB's virtual MAC in ARP, bonding balance-alb,
 * VRRP/HSRP, proxy ARP/ND). A matching finding is still stored and counted, flagged as
 * suppressed, so a listing can say how many were hidden instead of hiding them silently.
 * Every entry needs a comment: in a year someone will ask why it is there.
 */
import { MISMATCH_KINDS, type Finding, type MismatchKind } from '@neighwatch/model';
import { parse as parseYaml } from 'yaml';
import { normalizeIp, normalizeMac } from '@neighwatch/packet';

export interface AllowEntry {
  kind?: MismatchKind;
  mac?: string;
  ip?: string;
  node?: string;
  comment: string;
}

const KEYS = ['kind', 'mac', 'ip', 'node', 'comment'];

/**
 * Parses the `allowlist` value: a list of mappings (config file), or the same as YAML/JSON
 * text (environment, flags). Throws a plain Error naming the entry and key.
 */
export function parseAllowlist(raw: unknown): AllowEntry[] {
  let value = raw;
  const fromText = (text: string): unknown => (text.trim() === '' ? [] : parseYaml(text));
  if (typeof raw === 'string') value = fromText(raw);
  // A flag given once or repeated arrives as a list of texts, each a list or one entry.
  else if (Array.isArray(raw) && raw.length && raw.every((r) => typeof r === 'string')) value = raw.flatMap((r) => fromText(r as string));
  if (!Array.isArray(value)) throw new Error('expected a list of {kind, mac, ip, node, comment} entries');
  return value.map((item, i) => {
    const at = `[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new Error(`${at}: expected a mapping`);
    const record = item as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!KEYS.includes(key)) throw new Error(`${at}.${key}: unknown key (expected ${KEYS.join(', ')})`);
    }
    const text = (key: string): string | undefined => {
      const v = record[key];
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'string' || v.trim() === '') throw new Error(`${at}.${key}: expected non-empty text`);
      return v.trim();
    };
    const entry: AllowEntry = { comment: '' };
    const comment = text('comment');
    if (!comment) throw new Error(`${at}.comment: required: say why this case is legitimate`);
    entry.comment = comment;
    const kind = text('kind');
    if (kind !== undefined) {
      if (!(MISMATCH_KINDS as string[]).includes(kind)) throw new Error(`${at}.kind: "${kind}" is not one of ${MISMATCH_KINDS.join(', ')}`);
      entry.kind = kind as MismatchKind;
    }
    const mac = text('mac');
    if (mac !== undefined) {
      const canonical = normalizeMac(mac);
      if (!canonical) throw new Error(`${at}.mac: "${mac}" is not a MAC address`);
      entry.mac = canonical;
    }
    const ip = text('ip');
    if (ip !== undefined) {
      const canonical = normalizeIp(ip);
      if (!canonical) throw new Error(`${at}.ip: "${ip}" is not an IP address`);
      entry.ip = canonical;
    }
    const node = text('node');
    if (node !== undefined) entry.node = node;
    if (!entry.kind && !entry.mac && !entry.ip && !entry.node) {
      throw new Error(`${at}: needs at least one of kind, mac, ip, node (an empty entry would hide everything)`);
    }
    return entry;
  });
}

/** Whether a finding matches an entry: every field the entry names must match. */
export function allowEntryMatches(entry: AllowEntry, finding: Finding): boolean {
  if (entry.kind && entry.kind !== finding.kind) return false;
  if (entry.ip && entry.ip !== finding.ip) return false;
  if (entry.mac && !finding.macs.includes(entry.mac)) return false;
  if (entry.node && entry.node !== finding.node && !finding.vantagePoints.some((v) => v.node === entry.node)) return false;
  return true;
}

export class Allowlist {
  constructor(readonly entries: readonly AllowEntry[]) {}

  /** The first entry that suppresses this finding, or null. */
  match(finding: Finding): AllowEntry | null {
    for (const entry of this.entries) if (allowEntryMatches(entry, finding)) return entry;
    return null;
  }
}
