import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../support/db.js";
import { startTestServer, type TestServer } from "../support/server.js";

// startServer's plugin list, in the order it must keep: whole-app rules first (a plugin's scope copies the app's hooks
// when it loads), the outbox before any module whose ready hook writes, recordings before media's ingest listens.
const PLUGINS = [
  "accounts",
  "idempotency",
  "order access",
  "outbox",
  "db-maintenance",
  "mail",
  "catalog",
  "shows",
  "offers",
  "orders",
  "payments",
  "buyers",
  "waitlist",
  "commissions",
  "webhooks",
  "push",
  "follows",
  "notifications",
  "auctions",
  "giveaways",
  "polls",
  "coupons",
  "mystery",
  "embed",
  "chat",
  "recordings",
  "simulcast",
  "media",
  "stage",
  "realtime",
  "telemetry",
  "analytics",
  "metrics",
  "openapi",
  "health",
  "demo",
  "web",
];

/** The names of the app's top-level plugins in Fastify's own tree, in load order. */
function topLevelPlugins(tree: string): string[] {
  return tree
    .split("\n")
    .map((line) => /^[├└]─[┬─] (.+) \d+ ms$/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined && PLUGINS.includes(name));
}

/** PGlite has no autovacuum: only there does the node run its own (db/maintenance.ts). */
function pluginsOf(backend: string): string[] {
  return backend === "pglite" ? PLUGINS : PLUGINS.filter((name) => name !== "db-maintenance");
}

describe.each(backends)("the composition root (%s)", (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ backend, demo: false, sweepers: false, logger: false });
  });
  afterAll(async () => server?.close());

  it("registers every module's plugin exactly once, in dependency order", () => {
    const plugins = pluginsOf(backend);
    expect(server.plugins).toEqual(plugins);
    expect(topLevelPlugins(server.app.printPlugins())).toEqual(plugins);
    for (const name of PLUGINS) expect(server.app.hasPlugin(name), name).toBe(plugins.includes(name));
  });

  it("takes no orders subscriber once the routes serve: every module subscribed in its factory", () => {
    expect(() => server.services.orders.on("paid", async () => undefined)).toThrow(/after the app was ready/);
  });

  it("sends a show's notices by email first, then Web Push (the channels in the order their factories ran)", () => {
    expect(server.services.notifier.channels).toEqual(["email", "push"]);
  });
});
