import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Patient: on a loaded machine (other jobs on the two cores) setups and races take several times longer; a slow
    // run should be slow, not red. A hung test still fails, just later.
    testTimeout: 120_000,
    hookTimeout: 240_000,
    // Media and browser tests spawn ffmpeg/Chromium; two cores do not gain from many parallel files.
    maxWorkers: 2,
    pool: "forks",
    // One migrated PGlite data directory that every test database starts from (initdb is the slow part).
    globalSetup: ["test/support/pglite-template.ts"],
  },
});
