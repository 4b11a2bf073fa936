#!/bin/sh
# Stand-in for Prisma's native schema engine (see generate.sh): the CLI only checks that an
# executable exists before `generate`/`validate`, and asks it for `--version` in
# `prisma -v`. Migrations run through @prisma/schema-engine-wasm instead
# (tools/prisma/migrate.ts, docs/storage.md).
if [ "$1" = "--version" ]; then
  echo "schema-engine-cli stand-in (migrations: tools/prisma/migrate.ts)"
  exit 0
fi
echo "neighwatch: the native schema engine is not installed; use tools/prisma/migrate.ts for migrations" >&2
exit 1
