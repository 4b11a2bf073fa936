#!/bin/sh
# Stand-in for Prisma's native schema engine (see generate.sh): the CLI only checks that an
# executable exists before `generate`/`validate`. Migrations run through
# @prisma/schema-engine-wasm instead (tools/prisma/migrate.ts).
echo "neighwatch: the native schema engine is not installed; use tools/prisma/migrate.ts for migrations" >&2
exit 1
