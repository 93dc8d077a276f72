import path from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

// The files that took longest in a full run (2026-12-05, both backends, workers shared, load 14–27; wall seconds:
// 164, 104, 95, 91, 78, 72, 62, 59). A clean clone has no duration cache, so vitest would start files largest first
// and some of these (ffmpeg-choice is 136th of 165 by size) late enough to end the run alone: they start first.
const LONGEST = [
  "test/api/image.test.ts",
  "src/server/orders/service.test.ts",
  "test/api/ffmpeg-choice.test.ts",
  "test/api/abuse-limits.http.test.ts",
  "src/server/simulcast/simulcast.test.ts",
  "test/e2e/edge.e2e.test.ts",
  "test/e2e/shop.e2e.test.ts",
  "test/e2e/whip.e2e.test.ts",
];

/** vitest's order (durations when cached, else size), with the files above moved to the front in that order. */
export class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const i = LONGEST.indexOf(path.relative(spec.project.config.root, spec.moduleId).split(path.sep).join("/"));
      return i === -1 ? LONGEST.length : i;
    };
    return sorted
      .map((spec, i) => ({ spec, i }))
      .sort((a, b) => rank(a.spec) - rank(b.spec) || a.i - b.i)
      .map(({ spec }) => spec);
  }
}
