import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

// `npm run test:galera`: against the real three-node cluster started by
// scripts/galera-cluster.sh. Files run one after another: they change the
// state of shared nodes (desync, isolation, SIGSTOP).
//
// test/galera/mariadb11/ holds what only MariaDB 11.x has (parsec, zero-config TLS): it runs only
// against an 11.8 cluster, never on 10.11. The line is GP_MARIADB as `galera-cluster.sh env` says it:
// the variable when set, else what the cluster's base dir last ran.
function serverLine(): string {
  if (process.env['GP_MARIADB']) return process.env['GP_MARIADB'];
  try {
    const env = execFileSync('bash', [fileURLToPath(new URL('scripts/galera-cluster.sh', import.meta.url)), 'env'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return /^export GP_MARIADB='([^']*)'$/m.exec(env)?.[1] ?? '10.11';
  } catch {
    return '10.11';
  }
}
const mariadb11 = serverLine() === '11.8';

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
