import { describe, expect, it } from "vitest";
import type { PlaybackReport } from "../../protocol/api.js";
import { ManualClock } from "../platform/clock.js";
import { PlaybackAggregator, quantile } from "./aggregator.js";

const report = (sessionId: string, r: Partial<PlaybackReport> = {}): PlaybackReport => ({
  sessionId,
  startupMs: 800,
  liveDelayMs: 2000,
  intervalMs: 5000,
  stalledMs: 0,
  stalls: 0,
  ...r,
});

describe("playback aggregator", () => {
  it("computes the median and p90 delay over one latest report per session", () => {
    const clock = new ManualClock();
    const agg = new PlaybackAggregator(clock);
    const delays = [1000, 1200, 1400, 1600, 1800, 2000, 2200, 2400, 2600, 9000];
    for (let i = 0; i < delays.length; i++) agg.record("shw_a", report(`session-${i}`, { liveDelayMs: 99_000 }));
    // A later report replaces the session's delay rather than adding a second sample.
    for (const [i, d] of delays.entries()) agg.record("shw_a", report(`session-${i}`, { liveDelayMs: d }));
    const s = agg.summary("shw_a")!;
    expect(s.viewersReporting).toBe(10);
    expect(s.medianDelayMs).toBe(1900);
    expect(s.p90DelayMs).toBe(2600);
    expect(agg.summary("shw_other")).toBeNull();
  });

  it("leaves delays out while playlists carry no PROGRAM-DATE-TIME (null) but still counts the viewer", () => {
    const agg = new PlaybackAggregator(new ManualClock());
    agg.record("shw_a", report("session-a", { liveDelayMs: null }));
    expect(agg.summary("shw_a")).toMatchObject({ viewersReporting: 1, medianDelayMs: null, p90DelayMs: null, medianStartupMs: 800 });
  });

  it("forgets sessions and intervals older than the 30 s window of the injected clock", () => {
    const clock = new ManualClock();
    const agg = new PlaybackAggregator(clock);
    agg.record("shw_a", report("old-session", { liveDelayMs: 10_000, stalledMs: 5000 }));
    clock.advance(20_000);
    agg.record("shw_a", report("new-session", { liveDelayMs: 1000, stalledMs: 0 }));
    expect(agg.summary("shw_a")).toMatchObject({ viewersReporting: 2, medianDelayMs: 5500, rebufferRatio: 0.5 });
    clock.advance(10_000);
    expect(agg.summary("shw_a")).toMatchObject({ viewersReporting: 1, medianDelayMs: 1000, rebufferRatio: 0 });
    clock.advance(20_001);
    expect(agg.summary("shw_a")).toBeNull();
    expect(agg.activeShows()).toEqual([]);
  });

  it("measures rebuffering as stalled over watched time within the window", () => {
    const clock = new ManualClock();
    const agg = new PlaybackAggregator(clock);
    agg.record("shw_a", report("a", { intervalMs: 5000, stalledMs: 1000, stalls: 2 }));
    agg.record("shw_a", report("b", { intervalMs: 5000, stalledMs: 0 }));
    clock.advance(5000);
    agg.record("shw_a", report("a", { intervalMs: 5000, stalledMs: 0, startupMs: null }));
    agg.record("shw_a", report("b", { intervalMs: 5000, stalledMs: 1000 }));
    const s = agg.summary("shw_a")!;
    expect(s.rebufferRatio).toBeCloseTo(0.1);
    // startupMs: null on later reports keeps the session's first measurement.
    expect(s.medianStartupMs).toBe(800);
  });

  it("stops admitting new sessions beyond the per-show bound", () => {
    const agg = new PlaybackAggregator(new ManualClock(), { maxSessionsPerShow: 3 });
    for (let i = 0; i < 10; i++) agg.record("shw_a", report(`session-${i}`));
    expect(agg.summary("shw_a")?.viewersReporting).toBe(3);
  });

  it("quantile: median of even counts is the mean of the middle pair, p90 nearest rank", () => {
    expect(quantile([], 0.5)).toBeNull();
    expect(quantile([5], 0.9)).toBe(5);
    expect(quantile([1, 3], 0.5)).toBe(2);
    expect(quantile([1, 2, 3], 0.5)).toBe(2);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9);
  });
});
