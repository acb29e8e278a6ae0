import { configDefaults, defineConfig } from 'vitest/config';

// Tests that need a Docker engine (each product's own real-product test is its folder's docker.test.ts).
const DOCKER_TESTS = ['harness/stack/docker*.test.ts', 'harness/docker/**/*.test.ts', 'products/*/docker.test.ts'];

export default defineConfig({
  test: {
    // Tests never pull images: a missing one is reported as such, with no traffic to a registry.
    env: { IDP_HARNESS_NO_PULL: '1' },
    reporters: ['default', './harness/runner/summary-line.ts'],
    projects: [
      {
        // The harness's own tests: CA, embedded servers, renders, matrix, reports, CLI.
        test: {
          name: 'unit',
          include: ['harness/**/*.test.ts', 'products/**/*.test.ts', 'containers/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...DOCKER_TESTS],
          // A ceiling against hangs, not a speed target: some tests run the whole CLI on two busy cores.
          testTimeout: 180_000,
          hookTimeout: 120_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        // The scenario matrix. Stacks come from `idp-harness run` (which provides them) or, under plain
        // vitest, from the global setup (cells chosen by IDP_HARNESS_BACKEND / IDP_HARNESS_CELLS).
        test: {
          name: 'scenarios',
          include: ['scenarios/**/*.test.ts'],
          globalSetup: ['harness/runner/global-setup.ts'],
          // Scenarios of one cell share its photo server's OAuth settings: one file at a time; cells run concurrently inside a file.
          fileParallelism: false,
          // One worker module graph for every scenario file: one browser, one browser context per cell.
          isolate: false,
          maxConcurrency: 16,
          // A backstop against a hang, never a judge of speed: every browser wait has its own deadline, and a
          // scenario's time is mostly its logins waiting for the run's login slots behind the other cells' (a real
          // Keycloak cell's settings-linking passed 300 s so on two busy cores).
          testTimeout: 1_800_000,
          hookTimeout: 600_000,
          sequence: { groupOrder: 1 },
        },
      },
      {
        // Tests that drive the Docker engine. They run last and alone: creating networks makes Chromium
        // abort in-flight loads (net::ERR_NETWORK_CHANGED) in tests running beside them.
        test: {
          name: 'docker',
          include: DOCKER_TESTS,
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 900_000,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
