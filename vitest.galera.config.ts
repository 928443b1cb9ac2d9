import { configDefaults, defineConfig } from 'vitest/config';

// `npm run test:galera`: against the real three-node cluster started by
// scripts/galera-cluster.sh. Files run one after another: they change the
// state of shared nodes (desync, isolation, SIGSTOP).
// test/galera/mariadb11/ holds what only MariaDB 11.x has (parsec, zero-config TLS): it runs only
// against a cluster started with GP_MARIADB=11.8, and never on 10.11.
const mariadb11 = process.env['GP_MARIADB'] === '11.8';

export default defineConfig({
  test: {
    include: ['test/galera/**/*.test.ts'],
    exclude: mariadb11 ? configDefaults.exclude : [...configDefaults.exclude, 'test/galera/mariadb11/**'],
    fileParallelism: false,
    sequence: { concurrent: false },
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
