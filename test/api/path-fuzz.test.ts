import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../support/db.js";
import { orderBody } from "../support/fixtures.js";
import { login, postOrder, request } from "../support/http.js";
import { rawRequest } from "../support/raw-http.js";
import { startTestServer, type TestServer } from "../support/server.js";

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);
const EVIL = "https://evil.example";

/** Every way we know to write a path so that a raw-URL check and the router might disagree. */
function encodings(path: string): [string, string][] {
  const segments = path.split("/").slice(1);
  const first = segments[0]!;
  const rest = segments.slice(1).join("/");
  const last = segments.at(-1)!;
  const head = segments.slice(0, -1).join("/");
  const pctFirst = (s: string) => (s ? `%${s.charCodeAt(0).toString(16)}${s.slice(1)}` : s);
  return [
    ["plain", path],
    ["%61pi", `/${pctFirst(first)}/${rest}`],
    ["%41PI (upper hex)", `/${pctFirst(first).toUpperCase()}/${rest}`],
    ["every segment encoded", `/${segments.map(pctFirst).join("/")}`],
    ["%2e dot segment", `/${first}/%2e/${rest}`],
    ["%2e%2e segment", `/x/%2e%2e/${first}/${rest}`],
    ["%2f for a slash", `/${first}%2f${rest}`],
    ["%2F for a slash", `/${first}%2F${rest}`],
    ["leading double slash", `/${path}`],
    ["inner double slash", `/${first}//${rest}`],
    ["upper case", path.toUpperCase()],
    ["mixed case", `/${first[0]!.toUpperCase()}${first.slice(1)}/${rest}`],
    ["trailing dot", `${path}.`],
    ["trailing %2e", `${path}%2e`],
    ["trailing slash", `${path}/`],
    ["; parameter on the prefix", `/${first};x=1/${rest}`],
    ["; parameter at the end", `${path};x=1`],
    ["/./ inside", `/${first}/./${rest}`],
    ["/./ in front", `/.${path}`],
    ["/x/../ in front", `/x/..${path}`],
    ["/x/../ inside", `/${head}/x/../${last}`],
    ["query string", `${path}?_method=GET`],
  ];
}

describe.each(backends)("state-changing routes under path encodings on %s", (backend) => {
  let server: TestServer;
  let admin: string;
  let ids: Record<string, string>;
  let routes: { method: string; url: string }[];

  beforeAll(async () => {
    server = await startTestServer({ backend, synthetic: false });
    await server.services.accounts.createAccount({
      email: "admin@fuzz.test",
      password: "a long password",
      displayName: "Admin",
      role: "admin",
      merchantId: null,
    });
    // A platform admin may do almost anything: a request that got through would really act.
    admin = await login(server.url, "admin@fuzz.test", "a long password");
    const show = await request(server.url, "GET", "/api/shows/demo");
    const offer = show.body.show.offers.find((o: { pinned: boolean }) => o.pinned);
    const placed = await postOrder(server.url, orderBody(offer.id));
    const studio = await request(server.url, "GET", `/api/studio/shows/${server.demo.showId}`, { cookie: admin });
    ids = { showId: server.demo.showId, offerId: offer.id, orderId: placed.body.order.id, productId: studio.body.products[0].id, slug: "demo" };
    // Sign-out last: a request that got through there would leave the rest of the sweep without a session.
    const last = (r: { url: string }) => (r.url.startsWith("/api/auth/") ? 1 : 0);
    routes = server.app.routeList.filter((r) => !SAFE.has(r.method)).sort((x, y) => last(x) - last(y));
  }, 180_000);
  afterAll(async () => server?.close(), 60_000);

  const fill = (url: string) => url.replace(/:(\w+)/g, (_m, name: string) => ids[name] ?? `${name.slice(0, 3)}_fuzz0000`).replace(/\*$/, "x");

  async function snapshot() {
    const [show, orders, me] = await Promise.all([
      request(server.url, "GET", "/api/shows/demo"),
      request(server.url, "GET", `/api/admin/orders?merchantId=${encodeURIComponent((await server.services.shows.show(server.demo.showId)).merchantId)}`, {
        cookie: admin,
      }),
      request(server.url, "GET", "/api/auth/me", { cookie: admin }),
    ]);
    return { show: show.body, orders: orders.body, me: me.status, streamKey: await server.services.shows.streamKey(server.demo.showId) };
  }

  it("accepts none of them with the session cookie and no CSRF header, however the path is written", async () => {
    expect(routes.length).toBeGreaterThan(50);
    const before = await snapshot();
    const accepted: string[] = [];
    const answers = new Map<number, number>();
    for (const route of routes) {
      for (const [name, path] of encodings(fill(route.url))) {
        const res = await rawRequest(server.url, route.method, path, { headers: { cookie: admin }, body: "{}" });
        answers.set(res.status, (answers.get(res.status) ?? 0) + 1);
        if (res.status < 400 || res.status >= 500) accepted.push(`${route.method} ${path} (${name}) → ${res.status} ${res.text.slice(0, 120)}`);
      }
    }
    expect(accepted).toEqual([]);
    // The router matched many of these (the plain path, %61pi …): those are the CSRF refusals, not 404s.
    expect(answers.get(403) ?? 0).toBeGreaterThanOrEqual(routes.length * 3);
    expect(await snapshot()).toEqual(before);
  }, 300_000);

  it("accepts none of them from a foreign Origin even with the CSRF header", async () => {
    const before = await snapshot();
    const accepted: string[] = [];
    for (const route of routes) {
      for (const [name, path] of encodings(fill(route.url))) {
        const res = await rawRequest(server.url, route.method, path, { headers: { cookie: admin, "x-showcart-csrf": "1", origin: EVIL }, body: "{}" });
        if (res.status < 400 || res.status >= 500) accepted.push(`${route.method} ${path} (${name}) → ${res.status} ${res.text.slice(0, 120)}`);
        else if (name === "plain") expect(res.json?.error?.code, `${route.method} ${path}`).toBe("origin_not_allowed");
      }
    }
    expect(accepted).toEqual([]);
    expect(await snapshot()).toEqual(before);
  }, 300_000);

  it("still takes the legitimate request: right path, CSRF header, our own Origin", async () => {
    const own = { cookie: admin, "x-showcart-csrf": "1", origin: server.url };
    const reveal = await rawRequest(server.url, "POST", `/api/studio/shows/${ids.showId}/stream-key/reveal`, { headers: own });
    expect([reveal.status, reveal.json?.streamKey]).toEqual([200, server.demo.streamKey]);
    const fulfil = await rawRequest(server.url, "POST", `/api/admin/orders/${ids.orderId}/fulfil`, {
      headers: own,
      body: JSON.stringify({ carrier: "DHL", trackingNumber: "FZ1" }),
    });
    expect([fulfil.status, fulfil.json?.order?.status]).toEqual([200, "fulfilled"]);
    const logout = await rawRequest(server.url, "POST", "/api/auth/logout", { headers: own, body: "{}" });
    expect(logout.status).toBe(200);
    expect((await request(server.url, "GET", "/api/auth/me", { cookie: admin })).status).toBe(401);
  });
});
