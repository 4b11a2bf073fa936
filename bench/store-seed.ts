/**
 * Fills a collector database through the store's own commit path, in bulk: mismatch
 * occurrences spread over a time range and distinct bindings. Used by store-ingest.ts for
 * query latency, and on its own to give the collector or the CLI a realistic database:
 *
 *   npx tsx bench/store-seed.ts <file.db> [occurrences=1000000] [bindings=100000] [days=30]
 */
import { fileURLToPath } from 'node:url';
import type { MismatchKind } from '@neighwatch/model';
import { openStore, type FindingRecord, type ObservationRecord, type Store } from '../libs/store/src/index.ts';
import { DAY, FRAME, mac, T0 } from '../libs/store/test/fixtures.ts';

export interface SeedOptions {
  occurrences: number;
  bindings: number;
  days: number;
  /** Distinct mismatches the occurrences belong to. */
  mismatches?: number;
  nodes?: number;
  /** Observations and findings per commitIngest unit. */
  unit?: number;
}

const KINDS: MismatchKind[] = ['LLADDR_MISMATCH', 'EUI64_MISMATCH', 'MAC_CHANGED', 'FLIP_FLOP', 'DUPLICATE_ADDRESS', 'REWRITTEN_IN_TRANSIT', 'SPLIT_STACK'];

/** Deterministic pseudo-random numbers (xorshift32), so every run seeds the same database. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

export async function seed(store: Store, o: SeedOptions): Promise<{ seconds: number; endUs: number }> {
  const started = process.hrtime.bigint();
  const mismatches = o.mismatches ?? 2000;
  const nodes = o.nodes ?? 20;
  const unit = o.unit ?? 20_000;
  const span = o.days * DAY;
  const random = rng(42);
  const seq = new Map<string, number>();
  const nextSeq = (node: string) => {
    const s = (seq.get(node) ?? 0) + 1;
    seq.set(node, s);
    return s;
  };

  // Bindings: one ARP reply per distinct (ip, mac) pair, spread over the range.
  for (let done = 0; done < o.bindings; ) {
    const observations: ObservationRecord[] = [];
    for (let i = 0; i < unit && done < o.bindings; i++, done++) {
      const node = `node-${done % nodes}`;
      const s = nextSeq(node);
      const time = T0 + Math.floor((done / o.bindings) * span);
      observations.push({
        sequence: s,
        frame: FRAME,
        frameLength: FRAME.length,
        observation: {
          node, iface: 'eth0', direction: 'received', timeUs: time, type: 'ARP_REPLY', ethSrc: mac(done), ethDst: mac(0), vlan: null,
          srcIp: `10.${(done >> 16) & 255}.${(done >> 8) & 255}.${done & 255}`, targetIp: '198.51.100.1', lladdr: mac(done),
          naFlags: 0, checksumOk: null, fingerprint: '0011223344556677', ref: s,
        },
      });
    }
    await store.commitIngest({ observations });
  }

  // Occurrences: findings in time order, each for one of `mismatches` subjects.
  for (let done = 0; done < o.occurrences; ) {
    const findings: FindingRecord[] = [];
    for (let i = 0; i < unit && done < o.occurrences; i++, done++) {
      const m = Math.floor(random() * random() * mismatches); // some recur far more than others
      const node = `node-${m % nodes}`;
      const time = T0 + Math.floor((done / o.occurrences) * span);
      findings.push({
        finding: {
          kind: KINDS[m % KINDS.length],
          subject: `2001:db8::${m.toString(16)}`,
          ip: `2001:db8::${m.toString(16)}`,
          macs: [mac(m), mac(m + 1)],
          node: null,
          vantagePoints: [{ node, iface: 'eth0' }],
          timeUs: time,
          evidence: [],
          summary: `seeded mismatch ${m}`,
        },
      });
    }
    await store.commitIngest({ observations: [], findings });
  }
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, endUs: T0 + span };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, occurrences = '1000000', bindings = '100000', days = '30'] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: npx tsx bench/store-seed.ts <file.db> [occurrences] [bindings] [days]\n');
    process.exit(2);
  }
  const store = await openStore({ file });
  const r = await seed(store, { occurrences: Number(occurrences), bindings: Number(bindings), days: Number(days) });
  await store.close();
  process.stdout.write(`seeded ${file} in ${r.seconds.toFixed(1)} s\n`);
}
