export type { RecordingsTables } from "./schema.js";
export { RecordingService, recordingView, recorderArgs, type RecordingDeps } from "./service.js";
export { registerRecordingRoutes } from "./routes.js";
export { recordingsModule } from "./plugin.js";
export { createRecordingsModule } from "./factory.js";
