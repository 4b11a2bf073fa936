/**
 * `neighwatch watch` against a real collector: it prints a mismatch that appears after it
 * started, survives a collector restart (same address, same database) by reconnecting with
 * backoff, prints what appears after the restart, and prints nothing twice.
 */
import { execFileSync, spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectAgents, HOST, neighborSolicitation, playRound } from './testing/field-case';
import { Agent, CLI, ROOT, startCollector, tempDir, TOKENS, type Collector } from './testing/system';

let collector: Collector | undefined;
let watcher: ChildProcessWithoutNullStreams | undefined;
let temp: ReturnType<typeof tempDir>;

beforeAll(() => {
  execFileSync(process.execPath, ['tools/build.mjs', 'cli'], { cwd: ROOT });
  execFileSync(process.execPath, ['tools/build.mjs', 'collector'], { cwd: ROOT });
  temp = tempDir();
});

afterAll(async () => {
  if (watcher && watcher.exitCode === null) watcher.kill('SIGKILL');
  await collector?.stop();
  temp?.remove();
});

/** Output of a long-running process, with a way to wait for a line. */
function lines(stream: NodeJS.ReadableStream) {
  const all: string[] = [];
  let buffer = '';
  const waiters: { match: (l: string) => boolean; resolve: () => void }[] = [];
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffer += chunk;
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      all.push(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
    }
    for (const w of [...waiters]) {
      if (all.some(w.match)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  const until = (match: (l: string) => boolean, what: string, timeoutMs = 30_000) =>
    new Promise<void>((resolve, reject) => {
      if (all.some(match)) return resolve();
      const timer = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs} ms; got:\n${all.join('\n')}`)), timeoutMs);
      waiters.push({ match, resolve: () => (clearTimeout(timer), resolve()) });
    });
  return { all, until };
}

const OTHER = { ll: 'fe80::1234', mac: '00:03:ff:00:12:34' };

it('prints new mismatches as they happen, across a collector restart, without duplicates', async () => {
  collector = await startCollector(temp.dir);
  const address = collector.address;

  watcher = spawn(process.execPath, [CLI, 'watch', '--format', 'json', '--collector', address, '--token', TOKENS.read], { env: { ...process.env, NO_COLOR: '1' } });
  const out = lines(watcher.stdout);
  const err = lines(watcher.stderr);
  const exited = new Promise<number | null>((resolve) => watcher!.on('exit', (code) => resolve(code)));
  await err.until((l) => l.includes('watching collector at'), 'start line');

  // A mismatch that appears after watch started.
  const agents = await connectAgents(address);
  await playRound(agents, Date.now() * 1000);
  await out.until((l) => l.includes('"LLADDR_MISMATCH"'), 'LLADDR_MISMATCH event');
  agents.close();
  const beforeRestart = out.all.length;

  // Restart the collector on the same address and database.
  await collector.stop();
  await err.until((l) => /lost the collector|closed the stream/.test(l), 'disconnect notice');
  collector = await startCollector(temp.dir, address);
  await err.until((l) => l.includes('reconnected to'), 'reconnect notice');

  // A new mismatch after the restart: another address whose NS carries a MAC other than its Ethernet source.
  const router = new Agent(address, 'router');
  await router.hello();
  await router.observe([{ frame: neighborSolicitation(HOST.mac, OTHER.ll, 'fe80::5a6d:8fff:fe78:ad40', OTHER.mac), timeUs: Date.now() * 1000, iface: 'br0', direction: 'received' }]);
  router.close();
  await out.until((l) => l.includes(`"ip":"${OTHER.ll}"`), 'event after restart');

  watcher.kill('SIGINT');
  expect(await exited).toBe(0);

  const events = out.all.map((l) => JSON.parse(l) as { event: string; id: number; at: string; ip: string; kind: string });
  expect(events.length).toBeGreaterThan(beforeRestart);
  const keys = events.map((e) => `${e.id}/${e.event}/${e.at}`);
  expect(new Set(keys).size).toBe(keys.length);
  const ids = events.filter((e) => e.event === 'opened').map((e) => e.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(events.find((e) => e.ip === OTHER.ll)).toMatchObject({ event: 'opened', kind: 'LLADDR_MISMATCH' });
  // Only JSON on stdout; the notices went to stderr.
  expect(out.all.every((l) => l.startsWith('{'))).toBe(true);
});

it('exits 3 when no collector is there to watch, and 5 with a bad token', async () => {
  const unreachable = spawnSync(process.execPath, [CLI, 'watch', '--collector', '127.0.0.1:1', '--token', TOKENS.read], { encoding: 'utf8', timeout: 20_000 });
  expect(unreachable.status).toBe(3);
  expect(unreachable.stderr).toBe('neighwatch: collector at 127.0.0.1:1 refused the connection: is neighwatch-collector running?\n');
  const badToken = spawnSync(process.execPath, [CLI, 'watch', '--collector', collector!.address, '--token', 'wrong'], { encoding: 'utf8', timeout: 20_000 });
  expect(badToken.status).toBe(5);
});
