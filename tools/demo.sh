#!/usr/bin/env bash
# `npm run demo`: the field case (a VM bridged over a host's Wi-Fi adapter: IPv4 works,
# IPv6 does not) rebuilt with network namespaces, watched by neighwatch, explained.
# Needs root (network namespaces). Options: --wired, --dir DIR, --prefix P, --port N
# (see docs/lab.md).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $(id -u) -ne 0 ]]; then
  echo "demo: network namespaces need root: run as root (or: sudo npm run demo)" >&2
  exit 1
fi
echo "== Setting up (system packages, npm dependencies, build; quick when already done)"
bash tools/bootstrap.sh >/tmp/neighwatch-bootstrap.log 2>&1 || {
  echo "demo: setup failed; last lines of /tmp/neighwatch-bootstrap.log:" >&2
  tail -n 30 /tmp/neighwatch-bootstrap.log >&2
  exit 1
}
exec npx tsx tools/lab/src/demo.ts "$@"
