#!/usr/bin/env bash
# Idempotent setup for a fresh Debian 12 machine, run as root: system packages, npm
# dependencies, generated code and the build. `npm run demo`, `npm test` and .ci/run
# all start here, so nothing has to be installed by hand.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  libpcap-dev        # build-time headers for the npm `cap` addon
  tcpdump            # reading back exported evidence; lab diagnostics
  iproute2           # ip netns / veth / bridge for the lab and tests
  ebtables nftables  # the lab's Wi-Fi-style MAC NAT on the host's uplink
  iputils-ping arping ndisc6 radvd
  protobuf-compiler  # protoc, for contributors regenerating or linting the contract
  chromium           # headless rendering of the HTML report in tests
  procps psmisc      # ps/pkill for process supervision in tests
  libcap2-bin        # setpriv/capsh: run the agent as non-root with CAP_NET_RAW
  openssl            # test certificates for the TLS and mutual-TLS tests
  zsh                # the zsh completion script is loaded in a real zsh by the tests
)

missing=()
for p in "${packages[@]}"; do
  [[ "$p" == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "bootstrap: missing system packages: ${missing[*]} (run as root, or install them)" >&2
    exit 1
  fi
  echo "bootstrap: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || apt-get update
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm dependencies: only when package-lock.json changed since the last install.
stamp=node_modules/.neighwatch-install-stamp
if [[ ! -f $stamp || package-lock.json -nt $stamp || package.json -nt $stamp ]]; then
  if [[ -f package-lock.json ]]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
  touch "$stamp"
fi
# cap 0.2.1 patched for the agent (no abort on a vanished interface, snap length, stats):
# npm's postinstall does it; this covers a node_modules installed before the patch existed.
node tools/patch-cap.mjs

# Generated code (proto types, Prisma client) and the bundled binaries.
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
npx nx sync >/dev/null
npx nx run-many -t build --outputStyle=static
