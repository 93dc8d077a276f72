import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Patient: on a loaded machine (other jobs on the two cores) setups and races take several times longer; a slow
    // run should be slow, not red. A hung test still fails, just later.
    testTimeout: 120_000,
    hookTimeout: 240_000,
    // Three files at a time on two cores: many files spend much of their time waiting (on ffmpeg producing real-time
    // video, a browser, npm, a sweep's interval), so a third overlaps those waits (docs/operations.md, "Test suite").
    maxWorkers: 3,
    pool: "forks",
    // One migrated PGlite data directory that every test database starts from (initdb is the slow part).
    globalSetup: ["test/support/pglite-template.ts"],
  },
});
