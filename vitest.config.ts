import { defineConfig } from 'vitest/config';

// `npm test`: unit and fake-server suites. The real-cluster suites live in
// test/galera and run with `npm run test:galera` (vitest.galera.config.ts).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/galera/**', 'test/packaging/**', 'node_modules/**', 'test/sea.test.ts', 'test/package.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
