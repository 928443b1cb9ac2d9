import { defineConfig } from 'vitest/config';

// `npm run test:dist`: the shipped artefacts. test/package.test.ts packs and installs the npm
// tarball; test/sea.test.ts runs the single executable (build it first: `npm run build:sea`);
// test/packaging/ checks the Debian package (build it first: `npm run build:deb`; root, the pristine
// root of scripts/pristine-root.sh and the running test cluster) and the Prometheus rules.
// Slower than `npm test`, which leaves these out.
export default defineConfig({
  test: {
    include: ['test/package.test.ts', 'test/sea.test.ts', 'test/packaging/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
