import { configDefaults, defineConfig } from "vitest/config";
import { LongestFirstSequencer } from "./test/support/sequencer.js";

// Files that change process-wide state for their own tests (vi.mock of a module the server imports, stubbed
// globals): each runs in a fresh process. Every other file shares its worker process with the files
// before it (isolate: false), so the server's module graph is loaded once per worker instead of once per file: ten
// HTTP test files took 36 CPU-seconds that way against 58 isolated (docs/operations.md, "Test suite").
const ISOLATED = ["test/api/abuse-limits.http.test.ts", "src/web/i18n/messages.test.ts"];

export default defineConfig({
  test: {
    // Patient: on a loaded machine (other jobs on the two cores) setups and races take several times longer; a slow
    // run should be slow, not red. A hung test still fails, just later.
    testTimeout: 120_000,
    hookTimeout: 240_000,
    // Three files at a time on two cores: most files wait on browsers, ffmpeg and servers more than they work. On
    // 2026-12-07: 523.5 s quiet against 600.6–609.6 s with two, and green with one core hogged (659.4 s, after a test
    // of real-time gaps that was red once under it was fixed). Tried on 2026-12-05 too, when a clean-clone CI run had
    // whep.e2e's LL-HLS never start within 60 s (docs/operations.md, "Test suite").
    maxWorkers: 3,
    pool: "forks",
    // One migrated PGlite data directory that every test database starts from (initdb is the slow part), and with
    // TEST_DATABASE_URL one migrated PostgreSQL database that every PostgreSQL test database is copied from.
    globalSetup: ["test/support/pglite-template.ts", "test/support/pg-template.ts"],
    // SUITE_CPU_LOG=<file>: wall and CPU per test file, to see which files wait rather than work (docs/operations.md).
    setupFiles: process.env.SUITE_CPU_LOG ? ["test/support/suite-cpu-log.ts"] : [],
    sequence: { sequencer: LongestFirstSequencer },
    projects: [
      { extends: true, test: { name: "isolated", include: ISOLATED } },
      {
        extends: true,
        test: { name: "shared", include: ["src/**/*.test.ts", "test/**/*.test.ts"], exclude: [...configDefaults.exclude, ...ISOLATED], isolate: false },
      },
    ],
  },
});
