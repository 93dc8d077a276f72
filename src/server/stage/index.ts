// The stage's door: co-hosts and guests (issue #19).
export type { StageTables } from "./schema.js";
export { StageService, type StageParticipant } from "./service.js";
export { StageMedia } from "./media.js";
export { compositorGraph, compositorArgs, PROGRAM } from "./compositor.js";
export { stageModule } from "./plugin.js";
export { createStageModule } from "./factory.js";
