import { describe, expect, it } from "vitest";
import { liveDelayMs } from "./playbackTelemetry.js";

// The device's clock and the server's agree here (no API response observed: offset 0).
const video = {} as HTMLVideoElement;
const at = (msFromNow: number) => ({ playingDate: new Date(Date.now() + msFromNow) });

describe("live delay reported by the player", () => {
  it("is the server's time minus the playhead's PROGRAM-DATE-TIME, and 0 for a playhead that reads ahead of it", () => {
    const behind = liveDelayMs(video, at(-3000))!;
    expect(behind).toBeGreaterThanOrEqual(3000);
    expect(behind).toBeLessThan(3500);
    // Ahead of real time is measurement error (the clock estimate, a segment stamped late): at the live edge.
    expect(liveDelayMs(video, at(950))).toBe(0);
    // Far outside what a player can be: not reported.
    expect(liveDelayMs(video, at(120_000))).toBeNull();
    expect(liveDelayMs(video, at(-2 * 3_600_000))).toBeNull();
    expect(liveDelayMs(video, { playingDate: null })).toBeNull();
  });
});
