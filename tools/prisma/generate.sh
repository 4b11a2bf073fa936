#!/usr/bin/env bash
# Generates the Prisma client into libs/store/src/generated/prisma without network.
#
# The Prisma CLI insists on a native schema-engine binary at start-up, which its install
# script cannot download here; `generate` itself runs in Wasm and never calls the engine,
# so any executable stand-in satisfies the start-up check.
set -euo pipefail
cd "$(dirname "$0")/../.."
standin="$(pwd)/tools/prisma/schema-engine-standin.sh"
export PRISMA_SCHEMA_ENGINE_BINARY="${PRISMA_SCHEMA_ENGINE_BINARY:-$standin}"
export PRISMA_HIDE_UPDATE_MESSAGE=1 CHECKPOINT_DISABLE=1
exec npx prisma generate --schema prisma/schema.prisma "$@"
