import { describe, expect, it } from "vitest";
import { CATCH_UP, liveHlsSettings, shouldCatchUp } from "./liveHlsSettings.js";

describe("the live player's catch-up", () => {
  const at = (latency: number, buffered: number, catchingUp = false) => shouldCatchUp({ latency, target: 0.6, buffered, catchingUp }, CATCH_UP);

  it("speeds up when it sits more than 0.1 s behind PART-HOLD-BACK with something buffered", () => {
    expect(at(0.75, 0.5)).toBe(true);
    expect(at(0.65, 0.5)).toBe(false);
  });

  it("keeps going until it is within 20 ms of the target, so the rate does not flap at the threshold", () => {
    expect(at(0.65, 0.5, true)).toBe(true);
    expect(at(0.61, 0.5, true)).toBe(false);
  });

  it("never speeds up with 0.2 s or less buffered ahead, nor before hls.js knows the live edge", () => {
    expect(at(1.5, 0.2)).toBe(false);
    expect(shouldCatchUp({ latency: 1.5, target: null, buffered: 1, catchingUp: false }, CATCH_UP)).toBe(false);
    expect(shouldCatchUp({ latency: 0, target: 0.6, buffered: 1, catchingUp: false }, CATCH_UP)).toBe(false);
  });

  it("leaves hls.js's own rate control off: it would reset the rate whenever less than 1 s is buffered", () => {
    expect(liveHlsSettings.maxLiveSyncPlaybackRate).toBe(1);
    expect(liveHlsSettings.lowLatencyMode).toBe(true);
  });
});
