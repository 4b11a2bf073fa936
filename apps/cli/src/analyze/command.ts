/**
 * `neighwatch analyze FILE…`: offline analysis of pcap/pcapng files, each file one vantage
 * point, with the single-vantage mismatch kinds. Exit codes: 0 every file read whole,
 * 1 a file missing, truncated, not a capture or of an unsupported link type (everything
 * before the problem is still reported), 2 usage.
 */
import { Command, Option } from 'commander';
import { CliError, ExitCode } from '../query/errors';
import { analyzeFile, FRAMES_PER_FINDING, type FileAnalysis } from './analyzer';
import { FdOutput, type Output } from './output';
import { ProgressBar } from './progress';
import { FORMATS, JsonRenderer, renderSummary, type Format } from './render';

export interface AnalyzeOptions {
  format: Format;
  /** Show a progress bar on stderr (only when it is a terminal). */
  progress: boolean;
}

/**
 * Analyzes `files` in order and writes the chosen format to `out`. Problems with a file
 * become one line on `errors` each; returns the exit code (0 or 1).
 */
export async function runAnalyze(files: readonly string[], options: AnalyzeOptions, out: Output, errors: (line: string) => void): Promise<number> {
  const renderer = options.format === 'summary' ? null : new JsonRenderer(out, options.format, files);
  const bar = options.progress && ProgressBar.enabled(process.stderr) ? new ProgressBar(process.stderr) : null;
  renderer?.begin();
  const results: FileAnalysis[] = [];
  for (const file of files) {
    const result = await analyzeFile(file, renderer, bar?.update);
    bar?.done();
    results.push(result);
    if (result.error !== null) errors(result.error);
    if (out.closed) break;
  }
  if (renderer !== null) renderer.end(results);
  else renderSummary(out, results);
  return results.some((r) => r.error !== null) ? ExitCode.runtime : ExitCode.ok;
}

export function analyzeCommand(): Command {
  return new Command('analyze')
    .summary('find mismatches in capture files (pcap, pcapng)')
    .description(
      'Analyze ARP and NDP in pcap/pcapng files offline, each file as one vantage point, for the mismatch kinds one\n' +
        'capture can show: LLADDR_MISMATCH, EUI64_MISMATCH, PHANTOM_LLADDR, MAC_CHANGED, FLIP_FLOP, DUPLICATE_ADDRESS.\n' +
        'Link types: Ethernet, Linux cooked (v1, v2).',
    )
    .argument('<file...>', 'capture files (pcap or pcapng)')
    .addOption(new Option('-f, --format <format>', `output: ${FORMATS.join(', ')}`).default('summary'))
    .option('--no-progress', 'never draw the progress bar (drawn on a terminal for files that take over a second)')
    .allowExcessArguments(false)
    .addHelpText(
      'after',
      `
Output:
  summary  frames, ARP/NDP messages by type, bindings (IP → MAC), findings with the frame
           numbers that prove them and what they mean
  json     one document: {"observations":[…], "frames":N, "files":[…], "messages":{…},
           "bindings":[…], "findings":[…]}, observations streamed as they are decoded
  jsonl    one {"record":"observation",…} line per ARP/NDP frame, then "finding" lines,
           then one "summary" line
  Frame numbers count every frame in the file from 1 (as tcpdump and Wireshark do); a
  finding lists its first ${FRAMES_PER_FINDING} frames and counts all. With several files each is its own
  vantage point, and JSON records carry a "file" field.

Exit codes: 0 ok, 1 a file is missing, truncated, not a capture or of an unsupported link
type (one line on stderr per file; everything before the problem is still reported), 2 usage.

Examples:
  $ neighwatch analyze apps/cli/samples/field-case.pcap
  $ neighwatch analyze --format json capture.pcap | jq '.findings[] | {kind, ip, frames}'
  $ neighwatch analyze --format jsonl big.pcapng | grep '"record":"finding"'
  $ neighwatch analyze router.pcap host-uplink.pcap`,
    )
    .action(async (files: string[], opts: { format: string; progress: boolean }) => {
      if (!(FORMATS as readonly string[]).includes(opts.format)) {
        throw new CliError(ExitCode.usage, `--format ${opts.format}: expected one of ${FORMATS.join(', ')}`);
      }
      const out = new FdOutput(1);
      const code = await runAnalyze(files, { format: opts.format as Format, progress: opts.progress }, out, (line) =>
        process.stderr.write(`neighwatch analyze: ${line}\n`),
      );
      out.flush();
      if (code !== ExitCode.ok) process.exitCode = code;
    });
}
