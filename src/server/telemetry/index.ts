export { PlaybackAggregator, quantile, type PlaybackSummary } from "./aggregator.js";
export { registerTelemetryRoutes, type TelemetryRouteDeps } from "./routes.js";
export { telemetryModule } from "./plugin.js";
export { createTelemetryModule } from "./factory.js";
