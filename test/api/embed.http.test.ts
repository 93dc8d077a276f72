import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_EMBED_ORIGINS } from "../../src/protocol/embed.js";
import { backends } from "../support/db.js";
import { login, request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";

const frameAncestors = (csp: string | null) => /frame-ancestors ([^;]+)/.exec(csp ?? "")?.[1];

/** The embeddable player's server side: the shop's allowed origins, the embed page's CSP, oEmbed and embed.js. */
describe.each(backends)("embeddable player (%s)", (backend) => {
  let server: TestServer;
  let owner: string;
  let staff: string;
  let admin: string;
  let otherOwner: string;
  let demoMerchant: string;

  beforeAll(async () => {
    server = await startTestServer({ backend, synthetic: false });
    const { accounts, catalog, shows } = server.services;
    demoMerchant = (await shows.show(server.demo.showId)).merchantId;
    const other = await catalog.createMerchant("Other Shop");
    const pw = "embed-password-1";
    await accounts.createAccount({ email: "staff@embed.test", password: pw, displayName: "Staff", role: "staff", merchantId: demoMerchant });
    await accounts.createAccount({ email: "admin@embed.test", password: pw, displayName: "Admin", role: "admin", merchantId: null });
    await accounts.createAccount({ email: "owner@other-embed.test", password: pw, displayName: "Other", role: "merchant", merchantId: other.id });
    owner = await login(server.url, server.demo.merchantEmail, server.demo.hostPassword);
    staff = await login(server.url, "staff@embed.test", pw);
    admin = await login(server.url, "admin@embed.test", pw);
    otherOwner = await login(server.url, "owner@other-embed.test", pw);
  }, 120_000);
  afterAll(() => server?.close());

  it("stores the owner's origins normalised and in order; staff read them, other shops do not see them", async () => {
    const put = await request(server.url, "PUT", "/api/admin/shop/embed", {
      cookie: owner,
      body: { origins: ["https://Shop.Example/", "http://localhost:8080", "https://shop.example:443", "https://www.shop.example"] },
    });
    expect(put.status).toBe(200);
    expect(put.body.origins).toEqual(["https://shop.example", "http://localhost:8080", "https://www.shop.example"]);
    expect(put.headers.get("cache-control")).toBe("no-store");

    const read = await request(server.url, "GET", "/api/admin/shop/embed", { cookie: staff });
    expect(read.body).toEqual({ origins: ["https://shop.example", "http://localhost:8080", "https://www.shop.example"] });
    expect((await request(server.url, "GET", "/api/admin/shop/embed", { cookie: otherOwner })).body).toEqual({ origins: [] });
    expect((await request(server.url, "GET", `/api/admin/shop/embed?merchantId=${demoMerchant}`, { cookie: admin })).body.origins).toHaveLength(3);
  });

  it("lets staff read but not change the list, and answers an admin's unknown shop with 404", async () => {
    const denied = await request(server.url, "PUT", "/api/admin/shop/embed", { cookie: staff, body: { origins: [] } });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe("forbidden");
    const unknown = await request(server.url, "PUT", "/api/admin/shop/embed?merchantId=mer_nope", { cookie: admin, body: { origins: [] } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("not_found");
    const noShop = await request(server.url, "PUT", "/api/admin/shop/embed", { cookie: admin, body: { origins: [] } });
    expect(noShop.status).toBe(400);
    expect(noShop.body.error.code).toBe("invalid_query");
    expect((await request(server.url, "GET", "/api/admin/shop/embed")).status).toBe(401);
  });

  it.each([
    ["a path", ["https://shop.example/live"]],
    ["a query", ["https://shop.example/?x=1"]],
    ["a fragment", ["https://shop.example#top"]],
    ["credentials", ["https://user:pw@shop.example"]],
    ["a wildcard", ["https://*.shop.example"]],
    ["plain http on a public host", ["http://shop.example"]],
    ["another scheme", ["ftp://shop.example"]],
    ["not a URL", ["shop.example"]],
    ["the null origin", ["null"]],
    ["CSP syntax", ["https://shop.example; script-src *"]],
    ["too many", Array.from({ length: MAX_EMBED_ORIGINS + 1 }, (_, i) => `https://s${i}.example`)],
    ["not strings", [42]],
    ["not a list", "https://shop.example"],
  ])("refuses %s with invalid_body and keeps the list", async (_what, origins) => {
    const res = await request(server.url, "PUT", "/api/admin/shop/embed", { cookie: owner, body: { origins } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_body");
    expect((await request(server.url, "GET", "/api/admin/shop/embed", { cookie: owner })).body.origins).toHaveLength(3);
  });

  it("refuses unknown keys and a body that is not JSON", async () => {
    const extra = await request(server.url, "PUT", "/api/admin/shop/embed", { cookie: owner, body: { origins: [], sandbox: true } });
    expect(extra.body.error.code).toBe("invalid_body");
    const broken = await request(server.url, "PUT", "/api/admin/shop/embed", { cookie: owner, raw: "{origins" });
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe("invalid_json");
  });

  it("lets only the shop's sites frame /embed/<slug>; every other page keeps frame-ancestors 'none'", async () => {
    const embed = await fetch(`${server.url}/embed/demo`);
    expect(embed.status).toBe(200);
    expect(frameAncestors(embed.headers.get("content-security-policy"))).toBe("https://shop.example http://localhost:8080 https://www.shop.example");
    for (const path of ["/shows/demo", "/", "/admin", "/embed/no-such-show", "/embed/%00", "/embed/DEMO"]) {
      const res = await fetch(server.url + path);
      expect(res.status, path).toBe(200);
      expect(frameAncestors(res.headers.get("content-security-policy")), path).toBe("'none'");
    }
    // The show page points CMSs to oEmbed.
    const html = await (await fetch(`${server.url}/shows/demo`)).text();
    expect(html).toContain(
      `<link rel="alternate" type="application/json+oembed" href="${server.url}/oembed?url=${encodeURIComponent(`${server.url}/shows/demo`)}&amp;format=json">`,
    );
  });

  it("answers oEmbed with a rich iframe for a show URL, within maxwidth/maxheight", async () => {
    const res = await request(server.url, "GET", `/oembed?url=${encodeURIComponent(`${server.url}/shows/demo?ref=abc`)}&format=json`);
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.body).toMatchObject({ version: "1.0", type: "rich", provider_name: "Showcart", provider_url: `${server.url}/`, width: 640, height: 800 });
    expect(res.body.title).toBeTruthy();
    expect(res.body.html).toMatch(new RegExp(`^<iframe src="${server.url}/embed/demo" width="640" height="800" `));
    const small = await request(server.url, "GET", `/oembed?url=${encodeURIComponent(`${server.url}/embed/demo`)}&maxwidth=320&maxheight=500`);
    expect(small.body).toMatchObject({ width: 320, height: 500 });
  });

  it.each([
    ["format=xml", (base: string) => `/oembed?url=${encodeURIComponent(`${base}/shows/demo`)}&format=xml`, 501, "oembed_format_unsupported"],
    ["no url", () => "/oembed?format=json", 400, "invalid_query"],
    ["a bad maxwidth", (base: string) => `/oembed?url=${encodeURIComponent(`${base}/shows/demo`)}&maxwidth=wide`, 400, "invalid_query"],
    ["an unknown parameter", (base: string) => `/oembed?url=${encodeURIComponent(`${base}/shows/demo`)}&callback=x`, 400, "invalid_query"],
    ["another site's URL", () => `/oembed?url=${encodeURIComponent("https://evil.example/shows/demo")}`, 404, "not_found"],
    ["a page that is not a show", (base: string) => `/oembed?url=${encodeURIComponent(`${base}/admin`)}`, 404, "not_found"],
    ["not a URL", () => "/oembed?url=demo", 404, "not_found"],
    ["an unknown show", (base: string) => `/oembed?url=${encodeURIComponent(`${base}/shows/no-such-show`)}`, 404, "not_found"],
  ])("answers oEmbed for %s with %i %s", async (_what, path, status, code) => {
    const res = await request(server.url, "GET", path(server.url));
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
  });

  it("answers oEmbed with embed_not_enabled once the shop allows no site, and the page with 'none'", async () => {
    expect((await request(server.url, "PUT", "/api/admin/shop/embed", { cookie: owner, body: { origins: [] } })).body.origins).toEqual([]);
    const res = await request(server.url, "GET", `/oembed?url=${encodeURIComponent(`${server.url}/shows/demo`)}`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("embed_not_enabled");
    const embed = await fetch(`${server.url}/embed/demo`);
    expect(frameAncestors(embed.headers.get("content-security-policy"))).toBe("'none'");
  });

  it("serves the loader script brotli-compressed, loadable from other sites' pages", async () => {
    const res = await fetch(`${server.url}/embed.js`, { headers: { "accept-encoding": "br" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(res.headers.get("content-encoding")).toBe("br");
    expect(res.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    // fetch decodes the brotli body.
    expect(await res.text()).toContain("showcart-show");
  });
});
