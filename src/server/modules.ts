import type { FastifyBaseLogger, FastifyInstance, FastifyPluginAsync, FastifyPluginOptions } from "fastify";
import type { Registry } from "prom-client";
import type { Config } from "./config.js";
import type { Db } from "./db/index.js";
import type { PageMetaRegistry } from "./http/page-meta.js";
import type { Sweepers } from "./http/sweepers.js";
import type { Bus } from "./platform/bus.js";
import type { Clock } from "./platform/clock.js";
import type { RateLimits } from "./platform/rate-limit.js";

/**
 * What every module's factory (`create<Module>Module(ctx, doors)`) may use: the platform pieces `startServer` opens
 * before any module. Other modules' doors come as the factory's second argument, so a factory cannot be called before
 * the modules it needs exist.
 */
export interface ModuleContext {
  config: Config;
  db: Db;
  dbKind: "pglite" | "postgres";
  busKind: "redis" | "memory";
  clock: Clock;
  bus: Bus;
  log: FastifyBaseLogger;
  /** Abuse limits, shared in Redis across nodes when there is one. */
  rateLimits: RateLimits;
  sweepers: Sweepers;
  /** The server's own Prometheus registry (several servers in one test process do not collide). */
  metrics: Registry;
  /** Link previews of the page routes: a module registers its pages' (route pattern → title, Open Graph tags). */
  pageMeta: PageMetaRegistry;
  /** The secrets key (keyed hashes, sealed secrets, access tokens); never logged. */
  secretsKey: Buffer;
  /** PUBLIC_URL (or http://localhost:PORT), without a trailing slash. */
  publicUrl: string;
}

/** A module's Fastify plugin with its options bound: `startServer` registers each once, in dependency order. */
export interface ModulePlugin {
  readonly name: string;
  register(app: FastifyInstance): void;
}

/** Fastify's plugin metadata (what `fastify-plugin` sets): its name shows in `app.printPlugins()` and `app.hasPlugin()`. */
const PLUGIN_META = Symbol.for("plugin-meta");

export function modulePlugin<Options extends FastifyPluginOptions>(name: string, plugin: FastifyPluginAsync<Options>, opts: Options): ModulePlugin {
  const meta = (plugin as { [PLUGIN_META]?: object })[PLUGIN_META];
  Object.assign(plugin, { [PLUGIN_META]: { ...meta, name } });
  return { name, register: (app) => void app.register(plugin, opts) };
}
