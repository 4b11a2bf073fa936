// Prisma CLI configuration (Prisma 7 reads the datasource URL from here, not from the
// schema). The collector itself never reads this file: openStore() gets its file from the
// collector's configuration and applies the migrations on its own (docs/storage.md).
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'file:./neighwatch.db' },
});
