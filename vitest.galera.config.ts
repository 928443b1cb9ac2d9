import { defineConfig } from 'vitest/config';

// `npm run test:galera`: against the real three-node cluster started by
// scripts/galera-cluster.sh. Files run one after another: they change the
// state of shared nodes (desync, isolation, SIGSTOP).
export default defineConfig({
  test: {
    include: ['test/galera/**/*.test.ts'],
    fileParallelism: false,
    sequence: { concurrent: false },
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
