import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpApp } from "../http/app.js";
import { ManualClock } from "../platform/clock.js";
import { RateLimits } from "../platform/rate-limit.js";
import { PlaybackAggregator } from "./aggregator.js";
import { registerTelemetryRoutes } from "./routes.js";

const good = { sessionId: "sess_12345678", startupMs: 900, liveDelayMs: 1800, intervalMs: 5000, stalledMs: 200, stalls: 1 };

describe("POST /api/shows/:showId/telemetry", () => {
  let app: FastifyInstance;
  const clock = new ManualClock();
  const aggregator = new PlaybackAggregator(clock);
  const post = (showId: string, body: unknown, raw?: string) =>
    app.inject({
      method: "POST",
      url: `/api/shows/${showId}/telemetry`,
      headers: { "content-type": "application/json" },
      payload: raw ?? JSON.stringify(body),
    });

  beforeAll(async () => {
    app = await createHttpApp({ logger: false });
    registerTelemetryRoutes(app, { aggregator, rateLimits: new RateLimits(), isLive: (id) => id === "shw_live" });
    await app.ready();
  });
  afterAll(() => app.close());

  it("accepts a valid report with 204 and aggregates it for a live show only", async () => {
    expect((await post("shw_live", good)).statusCode).toBe(204);
    expect((await post("shw_offline", good)).statusCode).toBe(204);
    expect(aggregator.summary("shw_live")).toMatchObject({ viewersReporting: 1, medianDelayMs: 1800, medianStartupMs: 900 });
    expect(aggregator.summary("shw_offline")).toBeNull();
  });

  it.each([
    ["a missing field", { ...good, stalls: undefined }],
    ["an unknown field", { ...good, extra: 1 }],
    ["a negative interval", { ...good, intervalMs: -1 }],
    ["an absurd delay", { ...good, liveDelayMs: 10 * 3600_000 }],
    ["stalls longer than the interval", { ...good, stalledMs: 6000 }],
    ["a fractional count", { ...good, stalls: 1.5 }],
    ["a short session id", { ...good, sessionId: "abc" }],
  ])("answers 400 invalid_body for %s", async (_what, body) => {
    clock.advance(1000);
    const res = await post("shw_live", body);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe("invalid_body");
  });

  it("answers 400 invalid_json for a body that is not JSON, 404 for a malformed show id", async () => {
    clock.advance(1000);
    expect((await post("shw_live", null, "{nope")).json().error.code).toBe("invalid_json");
    const res = await post("shw%20live", good);
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe("not_found");
  });

  it("rate limits one address: 40 per 10 s, then 429 rate_limited with Retry-After; another address still reports", async () => {
    // Each address counts apart (the earlier tests used a few of this address's points, so count from a fresh one).
    const from = (ip: string) =>
      app.inject({
        method: "POST",
        url: "/api/shows/shw_live/telemetry",
        remoteAddress: ip,
        headers: { "content-type": "application/json" },
        payload: JSON.stringify(good),
      });
    const codes: number[] = [];
    for (let i = 0; i < 45; i++) codes.push((await from("192.0.2.7")).statusCode);
    expect(codes.filter((c) => c === 204)).toHaveLength(40);
    const limited = await from("192.0.2.7");
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe("rate_limited");
    expect(limited.json().error.details.retryAfterMs).toBeGreaterThan(0);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect((await from("192.0.2.8")).statusCode).toBe(204);
  });
});
