/**
 * Commands end to end inside the process, against a fake Query API (the system tests run
 * the real collector): local validation before any call, paging, formats, exit codes.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata, status, type ClientReadableStream } from '@grpc/grpc-js';
import { Command } from 'commander';
import { readCapture } from '@neighwatch/packet';
import type { ListMismatchesRequest, MismatchEvent__Output, WatchRequest } from '@neighwatch/proto';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { detail, FIELD_CASE_EXPLANATION, HOST_MAC, mismatch, T0, VM_MAC } from '../testing/fixtures';
import { nsAtRouter, nsAtVm } from '../testing/frames';
import { queryCommands, type Deps } from './commands';
import type { QueryApi } from './connection';
import { CliError, exitCodeFor, fromGrpcError } from './errors';
import { BACKOFF_MAX_MS, IDLE_RECONNECT_MS } from './watch';

function harness(api: Partial<QueryApi>, tty = false) {
  const out: string[] = [];
  const err: string[] = [];
  const connect = vi.fn(() => ({ settings: { collector: '127.0.0.1:50051', token: undefined, tls: null, timeoutMs: 1000 }, close: () => {}, ...api }) as QueryApi);
  const deps: Deps = { sinks: () => ({ out: (t) => void out.push(t), err: (t) => void err.push(t), terminal: { tty, color: false, width: tty ? 80 : Infinity } }), connect, now: () => T0 / 1000 };
  const run = async (...args: string[]) => {
    const program = new Command('neighwatch');
    for (const c of queryCommands(deps)) program.addCommand(c);
    const quiet = (c: Command) => {
      c.exitOverride().configureOutput({ writeErr: (t) => void err.push(t), writeOut: (t) => void out.push(t) });
      c.commands.forEach(quiet);
    };
    quiet(program);
    try {
      await program.parseAsync(['node', 'neighwatch', ...args]);
      return 0;
    } catch (error) {
      if (error instanceof CliError) err.push(error.message);
      return exitCodeFor(error);
    }
  };
  return { run, out: () => out.join(''), err: () => err.join(''), connect };
}

describe('local validation (exit 2, nothing sent)', () => {
  it.each([
    ['mismatches', '--kind', 'NOPE'],
    ['mismatches', '--state', 'closed'],
    ['mismatches', '--since', 'yesterday'],
    ['mismatches', '--ip', '300.1.1.1'],
    ['bindings', '--mac', 'zz:zz'],
    ['mismatches', '--since', '1h', '--until', '2h'],
    ['mismatch', 'show', 'abc'],
    ['mismatches', '--format', 'xml'],
    ['report', '--since', '1d', '--format', 'pdf'],
    ['evidence', '7'],
  ])('%s %s %s', async (...args) => {
    const h = harness({});
    expect(await h.run(...args)).toBe(2);
    expect(h.connect).not.toHaveBeenCalled();
  });
});

describe('mismatches', () => {
  it('follows the cursor up to --limit, and says more exist', async () => {
    const requests: ListMismatchesRequest[] = [];
    const h = harness({
      listMismatches: async (request) => {
        requests.push(request);
        const start = request.page?.cursor ? Number(request.page.cursor) : 1;
        const n = Number(request.page?.limit);
        return { mismatches: Array.from({ length: n }, (_, i) => mismatch({ id: start + i })), nextCursor: String(start + n), suppressed: 3 };
      },
    });
    expect(await h.run('mismatches', '--limit', '15000', '--format', 'json', '--kind', 'lladdr-mismatch', '--ip', 'FE80::203:FFFF:FE13:7D75')).toBe(0);
    const rows = JSON.parse(h.out());
    expect(rows).toHaveLength(15000);
    expect(rows[14999].id).toBe(15000);
    expect(requests.map((r) => [r.page?.limit, r.page?.cursor])).toEqual([
      [10000, ''],
      [5000, '10001'],
    ]);
    expect(requests[0]).toMatchObject({ kinds: ['MISMATCH_KIND_LLADDR_MISMATCH'], ip: 'fe80::203:ffff:fe13:7d75', state: 'MISMATCH_STATE_UNSPECIFIED' });
    expect(h.err()).toContain('more mismatches match than the 15000 shown');
    expect(h.err()).toContain('3 more matched but are allowlisted');
  });

  it('maps collector failures to exit codes', async () => {
    const fail = (code: status, details: string) =>
      harness({
        listMismatches: () =>
          Promise.reject(fromGrpcError(Object.assign(new Error(details), { code, details, metadata: new Metadata() }), { collector: '127.0.0.1:50051' })),
      });
    const unauth = fail(status.UNAUTHENTICATED, 'bad token');
    expect(await unauth.run('mismatches')).toBe(5);
    expect(unauth.err()).toContain('NEIGHWATCH_TOKEN');
    expect(await fail(status.UNAVAILABLE, 'connect ECONNREFUSED').run('mismatches')).toBe(3);
  });
});

describe('mismatch show', () => {
  it('prints the explanation and each frame decoded with its hex dump', async () => {
    const h = harness({ getMismatch: async () => detail([nsAtRouter(), nsAtVm()]) });
    expect(await h.run('mismatch', 'show', '1')).toBe(0);
    const text = h.out();
    expect(text).toContain('Mismatch #1');
    expect(text).toContain(FIELD_CASE_EXPLANATION.slice(0, 40));
    expect(text).toContain('Evidence (2 frames)');
    expect(text).toContain(`${HOST_MAC} > 33:33:ff:78:ad:40`);
    expect(text).toMatch(/source link-address option .*00:03:ff:13:7d:75/);
    expect(text).toMatch(/0x0000:\s+3333 ff78 ad40/);
  });

  it('gives JSON with decoded text and hex frames', async () => {
    const h = harness({ getMismatch: async () => detail([nsAtRouter()]) });
    expect(await h.run('mismatch', 'show', '1', '--format', 'json')).toBe(0);
    const json = JSON.parse(h.out());
    expect(json.explanation).toBe(FIELD_CASE_EXPLANATION);
    expect(json.evidence[0]).toMatchObject({ vantagePoint: { node: 'router', interface: 'br0' }, type: 'NDP_NS', direction: 'received' });
    expect(Buffer.from(json.evidence[0].frame, 'hex')).toEqual(Buffer.from(nsAtRouter()));
  });
});

describe('mismatch ack', () => {
  it('sends who and why', async () => {
    const ack = vi.fn(async () => mismatch({ state: 'MISMATCH_STATE_ACKNOWLEDGED' }));
    const h = harness({ acknowledgeMismatch: ack });
    expect(await h.run('mismatch', 'ack', '1', '--note', 'INC-1', '--by', 'alice@ws')).toBe(0);
    expect(ack).toHaveBeenCalledWith({ id: 1, by: 'alice@ws', note: 'INC-1' });
    expect(h.out()).toBe('mismatch 1 acknowledged by alice@ws: INC-1\n');
  });
});

describe('evidence', () => {
  it('writes every frame, in time order, to a pcap that reads back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nw-cli-'));
    const file = join(dir, 'e.pcap');
    const h = harness({ getMismatch: async () => detail([nsAtRouter(), nsAtVm()]) });
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    expect(await h.run('evidence', '1', '-o', file)).toBe(0);
    const records: { t: number; src: string }[] = [];
    const summary = await readCapture(file, (r) => void records.push({ t: r.timestampUs, src: Buffer.from(r.data.slice(6, 12)).toString('hex') }));
    expect(summary.error ?? null).toBeNull();
    expect(records).toEqual([
      { t: T0, src: HOST_MAC.replace(/:/g, '') },
      { t: T0 + 20, src: VM_MAC.replace(/:/g, '') },
    ]);
    expect(h.err()).toContain('2 frames from 2 vantage points');
  });
});

describe('binary output', () => {
  it('will not write a pcap to a terminal', async () => {
    const h = harness({ getMismatch: async () => detail([nsAtRouter()]) }, true);
    expect(await h.run('evidence', '1', '-o', '-')).toBe(2);
    expect(h.err()).toContain('stdout is a terminal');
    expect(h.connect).not.toHaveBeenCalled();
  });
});

describe('watch', () => {
  afterEach(() => vi.useRealTimers());

  /** A fake server stream that plays `script` then fails or ends. */
  function stream(events: MismatchEvent__Output[], then: 'unavailable' | 'hang') {
    const s = new EventEmitter() as EventEmitter & { cancel: () => void };
    s.cancel = () => setImmediate(() => s.emit('error', Object.assign(new Error('cancelled'), { code: status.CANCELLED, details: 'Cancelled', metadata: new Metadata() })));
    setImmediate(() => {
      for (const e of events) s.emit('data', e);
      if (then === 'unavailable') s.emit('error', Object.assign(new Error('gone'), { code: status.UNAVAILABLE, details: 'Connection dropped', metadata: new Metadata() }));
    });
    return s as unknown as ClientReadableStream<MismatchEvent__Output>;
  }
  const event = (id: number, atUs: number): MismatchEvent__Output => ({ type: 'MISMATCH_EVENT_TYPE_OPENED', atUs, mismatch: mismatch({ id }) });

  it('resumes after the stream breaks, from the last event, printing nothing twice', async () => {
    const requests: WatchRequest[] = [];
    let calls = 0;
    const h = harness({
      listMismatches: async () => ({ mismatches: [], nextCursor: '', suppressed: 0 }),
      waitForReady: async () => {},
      watch: (request) => {
        requests.push(request);
        calls++;
        if (calls === 1) return stream([event(1, T0 + 1), event(2, T0 + 2)], 'unavailable');
        // The collector replays from since_us inclusively: event 2 again, then event 3.
        setTimeout(() => process.emit('SIGINT'), 50);
        return stream([event(2, T0 + 2), event(3, T0 + 3)], 'hang');
      },
    });
    const sigint = () => {};
    process.on('SIGINT', sigint); // keep vitest alive when the test raises SIGINT
    try {
      expect(await h.run('watch', '--format', 'json', '--since', '1h')).toBe(0);
    } finally {
      process.off('SIGINT', sigint);
    }
    const printed = h.out().trim().split('\n').map((l) => JSON.parse(l));
    expect(printed.map((e) => e.id)).toEqual([1, 2, 3]);
    expect(printed[0]).toMatchObject({ event: 'opened', kind: 'LLADDR_MISMATCH' });
    expect(requests[0].sinceUs).toBe(T0 - 3_600_000_000);
    expect(requests[1].sinceUs).toBe(T0 + 2);
    expect(h.err()).toContain('lost the collector');
  });

  it('reopens a stream that stays silent past the idle limit', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let calls = 0;
    const h = harness({
      listMismatches: async () => ({ mismatches: [], nextCursor: '', suppressed: 0 }),
      waitForReady: async () => {},
      watch: () => {
        calls++;
        if (calls === 2) setImmediate(() => process.emit('SIGINT'));
        return stream([], 'hang');
      },
    });
    const sigint = () => {};
    process.on('SIGINT', sigint);
    try {
      const done = h.run('watch');
      await vi.waitFor(() => expect(calls).toBe(1));
      await vi.advanceTimersByTimeAsync(IDLE_RECONNECT_MS + BACKOFF_MAX_MS);
      expect(await done).toBe(0);
    } finally {
      process.off('SIGINT', sigint);
    }
    expect(calls).toBe(2);
    expect(h.err()).toContain('no event or heartbeat for 60s');
  });

  it('stops with exit 5 when the token is refused', async () => {
    const h = harness({
      listMismatches: async () => ({ mismatches: [], nextCursor: '', suppressed: 0 }),
      waitForReady: async () => {},
      watch: () => {
        const s = new EventEmitter();
        setImmediate(() => s.emit('error', Object.assign(new Error('x'), { code: status.UNAUTHENTICATED, details: 'unknown token', metadata: new Metadata() })));
        return s as unknown as ClientReadableStream<MismatchEvent__Output>;
      },
    });
    expect(await h.run('watch')).toBe(5);
  });

  it('exits 3 when the collector cannot be reached at the start', async () => {
    const h = harness({ listMismatches: () => Promise.reject(new CliError(3, 'collector at 127.0.0.1:50051 refused the connection')) });
    expect(await h.run('watch')).toBe(3);
  });
});

describe('completion', () => {
  it('lists commands, options, kinds and states', async () => {
    const h = harness({});
    expect(await h.run('completion', 'bash')).toBe(0);
    const bash = h.out();
    for (const word of ['mismatches', 'watch', '--kind', '--since', 'LLADDR_MISMATCH', 'SPLIT_STACK', 'acknowledged', 'complete -F _neighwatch neighwatch']) expect(bash).toContain(word);
    const z = harness({});
    expect(await z.run('completion', 'zsh')).toBe(0);
    expect(z.out()).toContain('#compdef neighwatch');
    expect(z.out()).toContain(':value:(open acknowledged resolved all)');
    expect(await harness({}).run('completion', 'fish')).toBe(2);
  });
});
