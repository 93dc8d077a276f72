export { RealtimeHub, type HubDeps } from "./hub.js";
export { RealtimeMetrics } from "./metrics.js";
export { registerRealtimeRoutes, type RealtimeRouteDeps } from "./routes.js";
export { LocalRoomStream, RedisRoomStream, type RedisRoomStreamOptions, type RoomStream } from "./stream.js";
export { realtimeModule } from "./plugin.js";
export { createRealtimeModule } from "./factory.js";
