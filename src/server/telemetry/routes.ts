import type { FastifyInstance } from "fastify";
import { idSchema, playbackReportBody } from "../../protocol/api.js";
import { parseWith } from "../http/validate.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import type { PlaybackAggregator } from "./aggregator.js";
import { KeyedRateLimiter } from "./rate-limit.js";

export interface TelemetryRouteDeps {
  aggregator: PlaybackAggregator;
  clock: Clock;
  /** Reports for shows that are not live are accepted and dropped (no database lookup per report). */
  isLive(showId: string): boolean;
}

// A player reports every ~5 s; 20 at once and 4/s sustained lets ~20 viewers share one address (NAT, offices).
const BURST = 20;
const PER_SECOND = 4;

export function registerTelemetryRoutes(app: FastifyInstance, deps: TelemetryRouteDeps) {
  const limiter = new KeyedRateLimiter(deps.clock, BURST, PER_SECOND);

  app.post<{ Params: { showId: string } }>("/api/shows/:showId/telemetry", async (req, reply) => {
    if (!limiter.tryTake(req.ip)) throw new AppError("rate_limited");
    const showId = req.params.showId;
    if (!idSchema.safeParse(showId).success) throw new AppError("not_found", "No such show.");
    const report = parseWith(playbackReportBody, req.body);
    if (deps.isLive(showId)) deps.aggregator.record(showId, report);
    return reply.status(204).send();
  });
}
