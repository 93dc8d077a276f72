import type { FastifyPluginAsync, FastifyPluginOptions } from "fastify";

/**
 * A plugin whose hooks and decorators belong to the whole app instead of its own scope (what `fastify-plugin` does,
 * through Fastify's `skip-override` mark). Only for rules other modules' routes must obey: the session and
 * cross-site checks, idempotency, the order access rule, the share-link cookie on the page routes. It must be
 * registered before the plugins whose routes it covers (a plugin's scope copies the app's hooks when it loads).
 */
export function appWide<Options extends FastifyPluginOptions>(plugin: FastifyPluginAsync<Options>): FastifyPluginAsync<Options> {
  return Object.assign(plugin, { [Symbol.for("skip-override")]: true });
}
