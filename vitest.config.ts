import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Argon2 at E4's 64 MiB on the pure-JS backend takes a few hundred milliseconds per call.
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
