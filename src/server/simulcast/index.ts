export { SimulcastService, publishUrl, relayArgs, type SimulcastDeps } from "./service.js";
export { SecretBox, loadSecretsKey, parseSecretsKey } from "./secret-box.js";
export { registerSimulcastRoutes } from "./routes.js";
export { simulcastModule } from "./plugin.js";
export { createSimulcastModule } from "./factory.js";
