import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Media and browser tests spawn ffmpeg/Chromium; two cores do not gain from many parallel files.
    maxWorkers: 2,
    pool: "forks",
  },
});
