import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Patient: on a loaded machine (other jobs on the two cores) setups and races take several times longer; a slow
    // run should be slow, not red. A hung test still fails, just later.
    testTimeout: 120_000,
    hookTimeout: 240_000,
    // Two files at a time on two cores. Three were faster (857 s against ~975 s) but left the machine at load 7–8, and
    // a clean-clone CI run had whep.e2e's LL-HLS never start within 60 s (docs/operations.md, "Test suite").
    maxWorkers: 2,
    pool: "forks",
    // One migrated PGlite data directory that every test database starts from (initdb is the slow part).
    globalSetup: ["test/support/pglite-template.ts"],
  },
});
