#!/usr/bin/env bash
# The whole test suite, as the README and CI run it: set up what is needed (idempotent),
# then lint, unit tests, system tests (real processes, real SQLite files, real packets in
# network namespaces: needs root) and the lab's end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/bootstrap.sh
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
npx nx run-many -t lint --outputStyle=static
npx nx run-many -t test --outputStyle=static --parallel=1
