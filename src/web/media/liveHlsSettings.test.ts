import { describe, expect, it } from "vitest";
import { CATCH_UP, liveHlsSettings, STUCK, shouldCatchUp, stuckWatch } from "./liveHlsSettings.js";

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

describe("the live player's stuck watch", () => {
  const ranges = (end: number | null): TimeRanges => ({
    length: end === null ? 0 : 1,
    start: () => 0,
    end: () => end ?? 0,
  });
  const setup = () => {
    let t = 0;
    const video = { currentTime: 0, buffered: ranges(null), paused: false, readyState: 0 };
    const page = { hidden: false };
    const watch = stuckWatch(
      video,
      STUCK,
      () => t,
      () => page.hidden,
    );
    const tick = (ms: number, advances: number) => {
      let fired = false;
      const steps = ms / 1000;
      for (let k = 0; k < steps; k++) {
        t += 1000;
        const due = Math.floor(((k + 1) * advances) / steps) - Math.floor((k * advances) / steps);
        for (let i = 0; i < due; i++) watch.advanced();
        fired = watch.check() || fired;
      }
      return fired;
    };
    return { video, page, watch, tick };
  };

  it("starts over when the playlist moves on for 12 s and nothing is buffered or played", () => {
    const { tick } = setup();
    expect(tick(11_000, 36)).toBe(false);
    expect(tick(1000, 4)).toBe(true);
    // Afresh after firing: the next start over needs another 12 s.
    expect(tick(11_000, 40)).toBe(false);
  });

  it("does not while media is appended or played, however long", () => {
    const { video, tick } = setup();
    for (let s = 1; s <= 30; s++) {
      video.buffered = ranges(s * 0.3);
      expect(tick(1000, 3)).toBe(false);
    }
    for (let s = 1; s <= 30; s++) {
      video.currentTime = s;
      expect(tick(1000, 3)).toBe(false);
    }
  });

  it("does not while fragments are requested, however slowly they come", () => {
    const { watch, tick } = setup();
    for (let s = 0; s < 6; s++) {
      watch.reset();
      expect(tick(10_000, 40)).toBe(false);
    }
  });

  it("does not in a hidden tab, nor while paused with data to play (autoplay refused)", () => {
    const { video, page, tick } = setup();
    page.hidden = true;
    expect(tick(60_000, 200)).toBe(false);
    page.hidden = false;
    video.paused = true;
    video.readyState = 4;
    expect(tick(60_000, 200)).toBe(false);
    // Paused with nothing to play (before any data arrived) is still watched.
    video.readyState = 0;
    expect(tick(12_000, 40)).toBe(true);
  });

  it("does not while the playlist stands still (an encoder reconnect), nor with a few late parts", () => {
    const { tick } = setup();
    expect(tick(60_000, 0)).toBe(false);
    expect(tick(30_000, 10)).toBe(false);
  });
});
