import type { FastifyInstance } from "fastify";
import { idSchema, type PlaybackReport, playbackReportBody } from "../../protocol/api.js";
import { parseWith } from "../http/validate.js";
import { AppError } from "../platform/errors.js";
import type { RateLimits, RateRule } from "../platform/rate-limit.js";
import type { PlaybackAggregator } from "./aggregator.js";

export interface TelemetryRouteDeps {
  aggregator: PlaybackAggregator;
  rateLimits: RateLimits;
  /** Reports for shows that are not live are accepted and dropped (no database lookup per report). */
  isLive(showId: string): boolean;
  /** A live show's report was accepted (analytics: watch time and quality per minute). */
  reported?(showId: string, report: PlaybackReport): void;
}

// A player reports every ~5 s: 40 per 10 s per client address lets ~20 players share one address (NAT, offices)
// with room for a burst when a page reloads.
export const TELEMETRY_LIMIT: RateRule = { name: "telemetry-address", points: 40, windowSeconds: 10 };

export function registerTelemetryRoutes(app: FastifyInstance, deps: TelemetryRouteDeps) {
  const limit = deps.rateLimits.limit(TELEMETRY_LIMIT);

  app.post<{ Params: { showId: string } }>("/api/shows/:showId/telemetry", async (req, reply) => {
    await limit.take(req.ip);
    const showId = req.params.showId;
    if (!idSchema.safeParse(showId).success) throw new AppError("not_found", "No such show.");
    const report = parseWith(playbackReportBody, req.body);
    if (deps.isLive(showId)) {
      deps.aggregator.record(showId, report);
      deps.reported?.(showId, report);
    }
    return reply.status(204).send();
  });
}
