import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The default report, then one line naming the suites skipped for a missing system binary.
    reporters: ['default', './test/skipped-binaries.ts'],
    // Argon2 at E4's 64 MiB on the pure-JS backend takes a few hundred milliseconds per call.
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
