export type { EmbedTables } from "./schema.js";
export { EmbedService, type EmbedDeps } from "./service.js";
export { registerEmbedRoutes, embedIframeHtml, showSlugOf } from "./routes.js";
export { embedModule } from "./plugin.js";
export { createEmbedModule } from "./factory.js";
