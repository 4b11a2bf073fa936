/**
 * Robustness: a million random and mutated frames through decode → classify → describe.
 * Nothing may throw or hang. The PRNG is seeded: a failure prints the seed, the iteration and
 * the frame; rerun with PACKET_FUZZ_SEED=<seed> to reproduce. PACKET_FUZZ_FRAMES overrides
 * the count.
 */
import { describe, expect, it } from 'vitest';
import * as packet from '../src/index';
import type { DecodedFrame } from '../src/index';
import { corpus } from './corpus';

// Bound once: vitest turns each imported binding into a property read per call.
const { FrameDecoder, classifyFrame, describeFrame, hexDump } = packet;

const FRAMES = Number(process.env.PACKET_FUZZ_FRAMES ?? 1_000_000);
const SEED_VALUE = Number(process.env.PACKET_FUZZ_SEED ?? Math.floor(Math.random() * 0xffffffff));

/** mulberry32: small, fast, good enough to drive mutations. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Offsets of length-ish fields worth corrupting: VLAN/EtherType, IPv6 payload length and next header, option lengths, ARP lengths. */
function lengthFields(f: DecodedFrame): number[] {
  const out: number[] = [];
  if (f.ethernet) out.push(12, 13);
  for (const v of f.vlans) out.push(v.offset + 2, v.offset + 3);
  if (f.arp) out.push(f.arp.offset + 4, f.arp.offset + 5, f.arp.offset + 7);
  if (f.ipv6) out.push(f.ipv6.offset + 4, f.ipv6.offset + 5, f.ipv6.offset + 6);
  for (const e of f.ipv6Extensions) out.push(e.offset, e.offset + 1);
  for (const o of f.ndpOptions) out.push(o.offset, o.offset + 1);
  if (f.sll) out.push(f.sll.offset + (f.sll.name === 'sll' ? 14 : 0), f.sll.offset + (f.sll.name === 'sll' ? 5 : 11));
  return out;
}

const VALID_KINDS = new Set(['truncated', 'malformed', 'unsupported']);

describe('fuzz: decode + classify + describe', () => {
  it(`survives ${FRAMES.toLocaleString('en')} random and mutated frames (seed ${SEED_VALUE})`, () => {
    console.log(`packet fuzz seed ${SEED_VALUE} (reproduce: PACKET_FUZZ_SEED=${SEED_VALUE} npx vitest run --project packet fuzz)`);
    const rnd = prng(SEED_VALUE);
    const int = (n: number) => Math.floor(rnd() * n);
    const base = corpus();
    const decoder = new FrameDecoder();
    const fields = base.map((c) => lengthFields(new FrameDecoder().decode(c.bytes, c.linkType)));
    const linkTypes = [1, 1, 1, 113, 276, 0, 101];
    const started = Date.now();
    const cpu0 = process.cpuUsage();
    let classified = 0;
    let errors = 0;
    for (let i = 0; i < FRAMES; i++) {
      let bytes: Uint8Array;
      let linkType: number;
      const pick = int(base.length);
      const mode = int(10);
      if (mode === 0) {
        bytes = new Uint8Array(int(200));
        for (let j = 0; j < bytes.length; j++) bytes[j] = int(256);
        linkType = linkTypes[int(linkTypes.length)];
      } else {
        const src = base[pick];
        linkType = int(50) === 0 ? linkTypes[int(linkTypes.length)] : src.linkType;
        bytes = src.bytes.slice();
        const rounds = 1 + int(3);
        for (let r = 0; r < rounds; r++) {
          switch (int(6)) {
            case 0: // bit flips
              for (let k = 1 + int(4); k > 0 && bytes.length > 0; k--) bytes[int(bytes.length)] ^= 1 << int(8);
              break;
            case 1: // byte replacement
              for (let k = 1 + int(4); k > 0 && bytes.length > 0; k--) bytes[int(bytes.length)] = int(256);
              break;
            case 2: // truncation
              bytes = bytes.subarray(0, int(bytes.length + 1));
              break;
            case 3: {
              // extension with random bytes
              const grown = new Uint8Array(bytes.length + 1 + int(64));
              grown.set(bytes);
              for (let j = bytes.length; j < grown.length; j++) grown[j] = int(256);
              bytes = grown;
              break;
            }
            case 4: {
              // length-field corruption
              const candidates = fields[pick];
              if (candidates.length > 0) {
                const at = candidates[int(candidates.length)];
                if (at < bytes.length) bytes[at] = [0, 1, 2, 0xff, 0x80, int(256)][int(6)];
              }
              break;
            }
            default: {
              // delete or duplicate a span
              if (bytes.length < 2) break;
              const a = int(bytes.length);
              const len = 1 + int(Math.min(16, bytes.length - a));
              if (int(2) === 0) {
                const out = new Uint8Array(bytes.length - len);
                out.set(bytes.subarray(0, a));
                out.set(bytes.subarray(a + len), a);
                bytes = out;
              } else {
                const out = new Uint8Array(bytes.length + len);
                out.set(bytes.subarray(0, a + len));
                out.set(bytes.subarray(a), a + len);
                bytes = out;
              }
            }
          }
        }
      }
      try {
        const f = decoder.decode(bytes, linkType);
        if (f.error) {
          errors++;
          if (!VALID_KINDS.has(f.error.kind) || f.error.offset < 0 || f.error.offset > bytes.length) {
            throw new Error(`bad error ${JSON.stringify(f.error)}`);
          }
        }
        for (const l of f.layers) if (l.offset < 0 || l.offset > bytes.length) throw new Error(`layer ${l.name} at ${l.offset}`);
        const r = classifyFrame(f);
        if (r) {
          classified++;
          if (!/^[0-9a-f]{16}$/.test(r.fingerprint) || r.srcIp.length === 0) throw new Error(`bad record ${JSON.stringify(r)}`);
        }
        describeFrame(bytes, linkType);
        if ((i & 0xff) === 0) hexDump(bytes);
      } catch (err) {
        throw new Error(
          `seed ${SEED_VALUE}, frame ${i}, link type ${linkType}: ${(err as Error).stack}\n${Buffer.from(bytes).toString('hex')}`,
        );
      }
    }
    const seconds = (Date.now() - started) / 1000;
    const cpu = process.cpuUsage(cpu0);
    console.log(
      `packet fuzz: ${FRAMES} frames in ${seconds.toFixed(1)} s (${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU), ${classified} classified, ${errors} decode errors`,
    );
    // The mix must exercise both paths, or the fuzzer is not testing anything.
    expect(classified).toBeGreaterThan(FRAMES / 20);
    expect(errors).toBeGreaterThan(FRAMES / 20);
  }, 120_000);
});
