import { describe, expect, it } from "vitest";
import { utcToZonedLocal, zonedLocalToUtc } from "./time-zone.js";

describe("shop time zones", () => {
  it("turns a wall-clock time in the shop's zone into UTC, summer and winter", () => {
    expect(zonedLocalToUtc("2026-12-24T18:30", "Europe/Berlin")?.toISOString()).toBe("2026-12-24T17:30:00.000Z");
    expect(zonedLocalToUtc("2026-07-01T18:30", "Europe/Berlin")?.toISOString()).toBe("2026-07-01T16:30:00.000Z");
    expect(zonedLocalToUtc("2026-07-01T18:30", "America/New_York")?.toISOString()).toBe("2026-07-01T22:30:00.000Z");
  });
  it("puts a skipped time an hour later and takes the first of a repeated one", () => {
    expect(zonedLocalToUtc("2026-03-29T02:30", "Europe/Berlin")?.toISOString()).toBe("2026-03-29T01:30:00.000Z");
    expect(zonedLocalToUtc("2026-10-25T02:30", "Europe/Berlin")?.toISOString()).toBe("2026-10-25T00:30:00.000Z");
  });
  it("refuses what is not a time and shows UTC on the shop's wall clock", () => {
    expect(zonedLocalToUtc("2026-02-30T10:00", "UTC")).toBeNull();
    expect(zonedLocalToUtc("tomorrow", "UTC")).toBeNull();
    expect(utcToZonedLocal(new Date("2026-12-24T17:30:00Z"), "Europe/Berlin")).toBe("2026-12-24T18:30");
  });
});
