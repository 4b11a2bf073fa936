/**
 * System tests: the built `neighwatch` binary run on capture files, its stdout parsed,
 * its stderr and exit code checked, as a user or a script would see them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const sample = join(root, 'apps/cli/samples/field-case.pcap');
let dir: string;

function neighwatch(...args: string[]) {
  const result = spawnSync(process.execPath, [join(root, 'bin/neighwatch.cjs'), ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  const build = spawnSync(process.execPath, ['tools/build.mjs', 'cli'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
  dir = mkdtempSync(join(tmpdir(), 'nw-analyze-system-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('neighwatch analyze (built binary)', () => {
  it('--format json: one document with the NS as the only observation and its two findings', () => {
    const { code, stdout, stderr } = neighwatch('analyze', '--format', 'json', sample);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const doc = JSON.parse(stdout);
    expect(doc.frames).toBe(4);
    expect(doc.observations).toHaveLength(1);
    expect(doc.observations[0]).toMatchObject({ index: 3, type: 'NDP_NS', ethSrc: 'c4:17:fe:12:7d:75', lladdr: '00:03:ff:13:7d:75', checksumOk: true });
    expect(doc.findings.map((f: { kind: string; frames: number[] }) => `${f.kind} ${f.frames.join(',')}`).sort()).toEqual([
      'EUI64_MISMATCH 3',
      'LLADDR_MISMATCH 3',
    ]);
  });

  it('--format jsonl: one JSON object per line, findings and summary marked', () => {
    const { code, stdout } = neighwatch('analyze', '--format', 'jsonl', sample);
    expect(code).toBe(0);
    const records = stdout.trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(records.map((r) => r.record)).toEqual(['observation', 'finding', 'finding', 'summary']);
    expect(records[3].frames).toBe(4);
  });

  it('default summary: counts, bindings and findings with frame numbers and meaning', () => {
    const { code, stdout, stderr } = neighwatch('analyze', sample);
    expect(code).toBe(0);
    expect(stderr).toBe(''); // no progress bar when stderr is not a terminal
    expect(stdout).toContain('4 frames');
    expect(stdout).toContain('1 ARP/NDP message');
    expect(stdout).toMatch(/fe80::203:ffff:fe13:7d75 +00:03:ff:13:7d:75 +1×/);
    expect(stdout).toMatch(/LLADDR_MISMATCH .*frame 3\)/);
    expect(stdout).toMatch(/EUI64_MISMATCH .*frame 3\)/);
    expect(stdout).toContain('Meaning:');
  });

  it('a missing file: one line naming it, exit 1', () => {
    const missing = join(dir, 'nope.pcap');
    const { code, stderr } = neighwatch('analyze', missing);
    expect(code).toBe(1);
    expect(stderr.trimEnd().split('\n')).toEqual([`neighwatch analyze: ${missing}: no such file`]);
  });

  it('a truncated file: one line, exit 1, and the frames before the cut still analyzed', () => {
    const whole = readFileSync(sample);
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, whole.subarray(0, whole.length - 30));
    const { code, stdout, stderr } = neighwatch('analyze', '--format', 'json', cut);
    expect(code).toBe(1);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toContain(cut);
    expect(stderr).toContain('truncated');
    const doc = JSON.parse(stdout);
    expect(doc.frames).toBe(3);
    expect(doc.findings).toHaveLength(2);
  });

  it('a file that is not a capture: one line, exit 1', () => {
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'these are notes, not packets\n');
    const { code, stderr } = neighwatch('analyze', text);
    expect(code).toBe(1);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toContain(`${text}: not a pcap or pcapng file`);
  });

  it('an unsupported link type: one line, exit 1', () => {
    const whole = Buffer.from(readFileSync(sample));
    whole.writeUInt32LE(105, 20); // IEEE 802.11
    const wifi = join(dir, 'wifi.pcap');
    writeFileSync(wifi, whole);
    const { code, stderr } = neighwatch('analyze', wifi);
    expect(code).toBe(1);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toContain(`${wifi}: unsupported link type 105`);
  });

  it('usage errors exit 2', () => {
    expect(neighwatch('analyze').code).toBe(2);
    expect(neighwatch('analyze', '--format', 'xml', sample).code).toBe(2);
    expect(neighwatch('analyze', '--bogus', sample).code).toBe(2);
  });

  it('stops quietly when the reader of its output goes away (| head)', () => {
    const ns = Buffer.from(readFileSync(sample)).subarray(24 + 16 + 74 + 16 + 74); // frame 3 onwards: header + NS
    const record = ns.subarray(0, 16 + ns.readUInt32LE(8));
    const many = join(dir, 'many.pcap');
    writeFileSync(many, Buffer.concat([readFileSync(sample).subarray(0, 24), ...Array.from({ length: 50_000 }, () => record)]));
    const result = spawnSync('sh', ['-c', `"${process.execPath}" bin/neighwatch.cjs analyze --format jsonl "${many}" | head -n 2`], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(0);
    expect(result.stdout.trimEnd().split('\n')).toHaveLength(2);
    expect(result.stderr).toBe('');
  });

  it('--help shows examples and exit codes', () => {
    const { code, stdout } = neighwatch('analyze', '--help');
    expect(code).toBe(0);
    expect(stdout).toContain('Examples:');
    expect(stdout).toContain('neighwatch analyze apps/cli/samples/field-case.pcap');
    expect(stdout).toContain('Exit codes:');
  });
});
