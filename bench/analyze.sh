#!/usr/bin/env bash
# Benchmark of `neighwatch analyze --format json` against tcpdump and tshark reading the same
# 1,000,000-frame capture, in the same run, interleaved, best of 3 by CPU time (user + sys
# from /usr/bin/time: steadier than wall clock on a shared machine), with the wall clock and
# peak RSS of that run. Results: bench/out/analyze-results.txt (and stdout).
#
#   bash bench/analyze.sh [FRAMES]
#
# Needs tcpdump, tshark and GNU time (apt-get install tcpdump tshark time).
set -euo pipefail
cd "$(dirname "$0")/.."
frames="${1:-1000000}"
file="bench/out/mixed-$((frames / 1000))k.pcap"
[ "$frames" = 1000000 ] && file=bench/out/mixed-1m.pcap
mkdir -p bench/out

if [ ! -s "$file" ]; then
  if [ -f bench/gen-capture.ts ]; then
    npx tsx bench/gen-capture.ts --frames "$frames" -o "$file"
  else
    npx tsx bench/analyze-gen.ts --frames "$frames" -o "$file"
  fi
fi
node tools/build.mjs cli

declare -A cmd=(
  [neighwatch]="node bin/neighwatch.cjs analyze --format json $file"
  [tcpdump]="tcpdump -nn -r $file"
  [tshark]="tshark -r $file"
)
order=(neighwatch tcpdump tshark)
declare -A best=() cpu=() rss=()
for run in 1 2 3; do
  for tool in "${order[@]}"; do
    if ! command -v "${cmd[$tool]%% *}" > /dev/null; then continue; fi
    # %e wall seconds, %U user, %S system, %M peak RSS (KB)
    read -r wall user sys kb < <(/usr/bin/time -f "%e %U %S %M" -o /dev/stdout bash -c "${cmd[$tool]} > /dev/null 2> /dev/null" | tail -1)
    used=$(awk "BEGIN{printf \"%.2f\", $user + $sys}")
    if [ -z "${cpu[$tool]:-}" ] || awk "BEGIN{exit !($used < ${cpu[$tool]})}"; then
      best[$tool]=$wall
      cpu[$tool]=$used
      rss[$tool]=$((kb / 1024))
    fi
  done
done

{
  echo "capture: $file ($(stat -c %s "$file") bytes, $frames frames), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
  printf '%-11s %9s %9s %9s  %s\n' tool 'wall s' 'cpu s' 'RSS MB' command
  for tool in "${order[@]}"; do
    [ -n "${best[$tool]:-}" ] || continue
    printf '%-11s %9s %9s %9s  %s > /dev/null\n' "$tool" "${best[$tool]}" "${cpu[$tool]}" "${rss[$tool]}" "${cmd[$tool]}"
  done
  if [ -n "${best[tcpdump]:-}" ]; then
    awk "BEGIN{printf \"ratio neighwatch/tcpdump: wall %.2f, cpu %.2f\n\", ${best[neighwatch]} / ${best[tcpdump]}, ${cpu[neighwatch]} / ${cpu[tcpdump]}}"
  fi
  if [ -n "${best[tshark]:-}" ]; then
    awk "BEGIN{printf \"ratio neighwatch/tshark:  wall %.2f, cpu %.2f\n\", ${best[neighwatch]} / ${best[tshark]}, ${cpu[neighwatch]} / ${cpu[tshark]}}"
  fi
} | tee bench/out/analyze-results.txt
