import { defineConfig } from 'vitest/config';

// Unit and integration tests of the harness itself. The scenario matrix is added as its own project
// by the harness runner (see harness/runner).
export default defineConfig({
  test: {
    include: ['harness/**/*.test.ts', 'containers/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
