#!/usr/bin/env bash
# Builds a self-contained tarball of neighwatch-agent for hosts, VMs and routers that have
# Node.js (>= 20.11) and the libpcap runtime (Debian: libpcap0.8), but no compiler and no
# access to the npm registry:
#
#   neighwatch-agent-<version>-linux-<arch>/
#     bin/neighwatch-agent.js        entry point (node bin/neighwatch-agent.js --help)
#     dist/apps/agent/main.js        the bundled agent (workspace libraries inlined)
#     proto/neighwatch/v1/*.proto    the gRPC contract, loaded at run time
#     node_modules/                  the runtime packages and what they depend on; cap with
#                                    its prebuilt addon (build/Release/cap.node) only
#     deploy/neighwatch-agent.service, docs/agent.md, docs/deploy.md, agent.example.yaml
#
# The addon is built here, against this machine's Node ABI and libpcap: targets need the
# same Node.js major version (module ABI, recorded as "nodeAbi" in the bundle's package.json)
# and CPU architecture.
#
# usage: tools/bundle-agent.sh [OUTPUT.tar.gz]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

version=$(node -p "require('./package.json').version")
arch=$(node -p "process.arch")
name="neighwatch-agent-${version}-linux-${arch}"
output=${1:-"$root/dist/${name}.tar.gz"}
case $output in /*) ;; *) output="$root/$output" ;; esac

node tools/build.mjs agent
node tools/patch-cap.mjs --check || { echo "bundle-agent: node_modules/cap is not the patched, built cap: run npm ci (needs libpcap-dev)" >&2; exit 1; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
dest="$stage/$name"
mkdir -p "$dest/bin" "$dest/dist/apps/agent" "$dest/proto" "$dest/deploy" "$dest/docs" "$dest/node_modules"

cp bin/neighwatch-agent.js "$dest/bin/"
cp dist/apps/agent/main.js dist/apps/agent/main.js.map "$dest/dist/apps/agent/"
cp -r proto/neighwatch "$dest/proto/"
cp deploy/neighwatch-agent.service "$dest/deploy/"
cp docs/agent.md docs/deploy.md "$dest/docs/"
cat >"$dest/package.json" <<JSON
{ "name": "neighwatch-agent", "version": "$version", "private": true, "type": "module", "engines": { "node": "$(node -p "require('./package.json').engines.node")" }, "nodeAbi": "$(node -p 'process.versions.modules')" }
JSON
cat >"$dest/agent.example.yaml" <<'YAML'
# neighwatch-agent configuration: every key is documented by `neighwatch-agent --help`.
node: my-host
collector: collector.example.net:50051
tokenFile: /etc/neighwatch/agent.token
tls:
  ca: /etc/neighwatch/ca.pem
interfaces: []          # empty: every interface that is up, has a MAC and is not loopback
spoolDir: /var/lib/neighwatch-agent/spool
spoolMaxBytes: 64MiB
metricsListen: "off"    # e.g. 127.0.0.1:9464
YAML

# The packages the bundle imports (bare specifiers left external by esbuild), plus cap
# (loaded by the agent), and everything they depend on at run time.
node --input-type=module - "$dest/node_modules" <<'JS'
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const target = process.argv[2];
const bundle = readFileSync('dist/apps/agent/main.js', 'utf8');
const roots = new Set(['cap']);
for (const m of bundle.matchAll(/(?:from|import)\s*["']([^"'./][^"']*)["']/g)) {
  const spec = m[1];
  if (spec.startsWith('node:')) continue;
  roots.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
}
// Build-time only: nan is C++ headers for compiling cap.
const buildOnly = new Set(['nan']);
const copied = new Map();
function locate(name, from) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === dirname(dir)) return undefined;
  }
}
function copy(name, from) {
  const source = locate(name, from);
  if (!source) throw new Error(`bundle-agent: cannot find ${name} (from ${from})`);
  if (copied.has(source)) return;
  const relative = source.slice(process.cwd().length + 1);
  copied.set(source, relative);
  const to = join(target, relative.replace(/^node_modules\//, ''));
  if (name === 'cap') {
    for (const part of ['package.json', 'LICENSE', 'lib', 'build/Release/cap.node']) cpSync(join(source, part), join(to, part), { recursive: true });
  } else {
    cpSync(source, to, { recursive: true });
  }
  const pkg = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8'));
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
    if (buildOnly.has(dep)) continue;
    if (pkg.optionalDependencies?.[dep] && !locate(dep, source)) continue;
    copy(dep, source);
  }
}
for (const name of roots) copy(name, process.cwd());
process.stderr.write(`bundle-agent: ${copied.size} packages: ${[...roots].join(', ')} and their dependencies\n`);
JS

mkdir -p "$(dirname "$output")"
tar -C "$stage" -czf "$output" "$name"
echo "$output"
