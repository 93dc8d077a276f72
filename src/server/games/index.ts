// The games kernel: what giveaways, polls, mystery pools, coupon drops and auctions share.
export { GameAuditLog, type GameAuditEntry, type SqlHandle } from "./audit-log.js";
export { closeDueGames } from "./close-sweeper.js";
export { LiveCounts } from "./live-counts.js";
export { showGameIds } from "./show-games.js";
export {
  type GameRouteSpec,
  type StagedGameService,
  gameManager,
  merchantProduct,
  registerGameRoutes,
  registerStagedGameRoutes,
  registerStudioActions,
} from "./routes.js";
export { commitSeed, nodeFairnessCrypto, randomSeed } from "./seeds.js";
