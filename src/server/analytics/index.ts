export type { AnalyticsTables } from "./schema.js";
export { AnalyticsRecorder, SAMPLE_MS, type RecorderDeps } from "./recorder.js";
export { AnalyticsReports, sumOverNodes, checkRange } from "./report.js";
export { ReportMailer } from "./mail.js";
export { registerAnalyticsRoutes, ANALYTICS_BEACON_LIMIT } from "./routes.js";
export { analyticsModule, sampleAndPush, type AnalyticsLaterDoors } from "./plugin.js";
export { createAnalyticsModule } from "./factory.js";
