#!/usr/bin/env bash
# Footprint of neighwatch-agent at 1,000 ARP/NDP frames/s and under a 50,000 frames/s ARP
# storm, in network namespaces (needs root). See bench/agent-footprint.ts; results in
# bench/agent.md.
#
#   bash bench/agent-footprint.sh [--steady-seconds 30] [--storm-seconds 10] [--storm-rate 50000]
#     [--agent-args "--capture-buffer-size 8MiB"] [--agent-node-args "--cpu-prof --cpu-prof-dir=/tmp/prof"]
#     [--agent-node-options "--max-semi-space-size=2"] [--agent-bin /path/to/other/bin/neighwatch-agent.js]
set -euo pipefail
cd "$(dirname "$0")/.."
exec npx tsx --tsconfig tsconfig.base.json bench/agent-footprint.ts "$@"
