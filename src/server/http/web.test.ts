import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer } from "../../../test/support/server.js";

// The page shells and bundles as a browser receives them (needs `npm run build:web`, which `pretest` runs).
type TestServer = Awaited<ReturnType<typeof startTestServer>>;
let server: TestServer;
const manifest = JSON.parse(fs.readFileSync(path.resolve("dist/web/manifest.json"), "utf8")) as {
  entries: Record<string, { js: string; preload: string[]; css: string[] }>;
};

beforeAll(async () => {
  server = await startTestServer({ demo: false });
  // Without a shop every page leads to /setup (the first run); the shells are what a set-up install serves.
  const done = await fetch(`${server.url}/api/auth/setup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      admin: { email: "admin@web.test", password: "admin password 1", displayName: "Web Admin" },
      shop: {
        name: "Web Shop",
        legalName: "Web Shop GmbH",
        vatId: "DE 123 456 789",
        address: { line1: "Hauptstr. 1", postalCode: "10115", city: "Berlin", country: "DE" },
      },
    }),
  });
  expect(done.status).toBe(201);
}, 180_000);
afterAll(() => server?.close());

describe("web pages and assets", () => {
  it.each([
    ["/", "home", 200],
    // No such show: the viewer's shell all the same (its script says so), with 404 for crawlers and link previews.
    ["/shows/some-show", "viewer", 404],
    ["/studio/shw_1", "studio", 200],
    ["/login", "login", 200],
  ])("serves %s as an uncached shell that loads the %s bundle", async (url, entry, status) => {
    const res = await fetch(server.url + url, { headers: { "accept-language": "de-DE,de;q=0.9" } });
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).toContain(`<html lang="de">`);
    expect(html).toContain(`<script type="module" src="${manifest.entries[entry].js}"></script>`);
  });

  it("serves hashed bundles immutable and pre-compressed", async () => {
    const js = manifest.entries.viewer.js;
    const br = await fetch(server.url + js, { headers: { "accept-encoding": "gzip, br" } });
    expect(br.status).toBe(200);
    expect(br.headers.get("content-encoding")).toBe("br");
    expect(br.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(br.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    const plain = await fetch(server.url + js, { headers: { "accept-encoding": "identity" } });
    expect(plain.headers.get("content-encoding")).toBeNull();
    // fetch decodes br transparently, so both bodies are the same module text.
    expect(await br.text()).toBe(await plain.text());
  });

  it("refuses paths outside the assets directory and unknown files", async () => {
    for (const p of ["/assets/../manifest.json", "/assets/%2e%2e/manifest.json", "/assets/nope-AAAAAAAA.js"]) {
      const res = await fetch(server.url + p);
      expect(res.status, p).toBe(404);
    }
  });
});
