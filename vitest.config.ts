import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Mirrors tsconfig.base.json "paths": each lib has one public face, src/index.ts.
const alias = {
  '@neighwatch/model': here('./libs/model/src/index.ts'),
  '@neighwatch/packet': here('./libs/packet/src/index.ts'),
  '@neighwatch/proto': here('./libs/proto/src/index.ts'),
  '@neighwatch/correlate': here('./libs/correlate/src/index.ts'),
  '@neighwatch/store': here('./libs/store/src/index.ts'),
  '@neighwatch/config': here('./libs/config/src/index.ts'),
};

const unit = (name: string, root: string) => ({
  resolve: { alias },
  test: { name, include: [`${root}/**/*.spec.ts`], environment: 'node' as const, testTimeout: 30_000 },
});

// Projects that start real processes or create network namespaces run their files one
// at a time: they share the machine's CPU and, for namespaces, the kernel's name space.
const system = (name: string, root: string, timeout = 120_000) => ({
  resolve: { alias },
  test: {
    name,
    include: [`${root}/**/*.test.ts`],
    environment: 'node' as const,
    testTimeout: timeout,
    hookTimeout: timeout,
    fileParallelism: false,
  },
});

export default defineConfig({
  test: {
    projects: [
      unit('model', 'libs/model'),
      unit('packet', 'libs/packet'),
      unit('proto', 'libs/proto'),
      unit('correlate', 'libs/correlate'),
      unit('store', 'libs/store'),
      unit('config', 'libs/config'),
      unit('agent', 'apps/agent'),
      unit('collector', 'apps/collector'),
      unit('cli', 'apps/cli'),
      unit('lab', 'tools/lab'),
      system('agent-system', 'apps/agent'),
      system('collector-system', 'apps/collector'),
      system('cli-system', 'apps/cli'),
      system('lab-e2e', 'tools/lab', 180_000),
    ],
  },
});
