import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/server/platform/clock.js";
import { createBuyer } from "../support/accounts.js";
import { backends } from "../support/db.js";
import { login, request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";

// What WhatsApp, Facebook or X see when a show's link is pasted: the page fetched without JavaScript (issue #15,
// journey 4). Needs `npm run build:web` (the shell loads the viewer bundle).
const PUBLIC = "https://live.shop.example";

/** The head's tags by name/property, HTML entities decoded as a preview crawler reads them. */
function tags(html: string): Record<string, string> {
  const decode = (s: string) =>
    s
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&amp;/g, "&");
  const head = html.slice(0, html.indexOf("</head>"));
  const out: Record<string, string> = {};
  for (const m of head.matchAll(/<meta (?:name|property)="([^"]+)" content="([^"]*)">/g)) out[m[1]!] = decode(m[2]!);
  const title = /<title>([^<]*)<\/title>/.exec(head);
  if (title) out.title = decode(title[1]!);
  const canonical = /<link rel="canonical" href="([^"]*)">/.exec(head);
  if (canonical) out.canonical = decode(canonical[1]!);
  return out;
}

describe.each(backends)("link previews of show pages on %s", (backend) => {
  const clock = new ManualClock("2026-12-03T17:00:00Z");
  let server: TestServer;
  let merchantId = "";
  let hostId = "";
  const page = async (path: string) => {
    const res = await fetch(server.url + path, { headers: { "user-agent": "WhatsApp/2.23.20.0", accept: "text/html" } });
    return { status: res.status, html: await res.text() };
  };
  // A show in the given language (new shows are German by default, like the column).
  const newShow = async (slug: string, title: string, lang: "de" | "en", scheduledAt: Date | null = null) => {
    const show = await server.services.shows.createShow({ merchantId, hostAccountId: hostId, slug, title, commissionRateBp: 1000, scheduledAt });
    await server.db.db.updateTable("shows").set({ language: lang }).where("id", "=", show.id).execute();
    return show;
  };
  // Past the preview cache's 15 s, so the next fetch reads the show again.
  const later = () => clock.advance(16_000);

  beforeAll(async () => {
    server = await startTestServer({ synthetic: false, backend, clock, sweepers: false, env: { PUBLIC_URL: PUBLIC } });
    const demo = await server.services.shows.show(server.demo.showId);
    merchantId = demo.merchantId;
    hostId = demo.hostAccountId;
  }, 300_000);
  afterAll(async () => server?.close());

  it("shows a live show's title, 'LIVE now', its cover and the pinned item's show price, absolute from PUBLIC_URL", async () => {
    await server.services.shows.setStatus(server.demo.showId, "live");
    await server.db.db.updateTable("shows").set({ cover_image_id: "img_cover1", language: "en" }).where("id", "=", server.demo.showId).execute();
    const demo = await server.services.shows.show(server.demo.showId);
    const pinned = (await server.services.offers.activeOffers(demo.id)).find((o) => o.pinned)!;
    expect(pinned).toBeDefined();
    const price = new Intl.NumberFormat("en-GB", { style: "currency", currency: "EUR" }).format(pinned.showPrice / 100);

    const { status, html } = await page(`/shows/${demo.slug}`);
    expect(status).toBe(200);
    const t = tags(html);
    expect(t.title).toBe(`LIVE now: ${demo.title} · Showcart`);
    expect(t["og:title"]).toBe(`LIVE now: ${demo.title}`);
    expect(t["og:type"]).toBe("video.other");
    expect(t["og:site_name"]).toBe("Showcart");
    expect(t["og:url"]).toBe(`${PUBLIC}/shows/${demo.slug}`);
    expect(t.canonical).toBe(`${PUBLIC}/shows/${demo.slug}`);
    expect(t["og:image"]).toBe(`${PUBLIC}/media/shows/${demo.id}/img_cover1-800.webp`);
    expect(t["og:image:alt"]).toBe(demo.title);
    expect(t["og:description"]).toContain(`${demo.hostName} is live for`);
    expect(t["og:description"]).toContain(`Now on sale: ${pinned.title} for ${price}.`);
    expect(t.description).toBe(t["og:description"]);
    expect(t["twitter:card"]).toBe("summary_large_image");
    expect(t["twitter:image"]).toBe(t["og:image"]);
    // The shell still loads the app after the tags.
    expect(html).toMatch(/<script type="module" src="\/assets\/[^"]+"><\/script>/);
  });

  it("escapes a title with markup and quotes, and keeps it out of every attribute's way", async () => {
    const evil = `Tom's "Deals" </title><script>alert(1)</script>`;
    const show = await newShow("evil-title", evil, "en", new Date("2026-12-10T18:00:00Z"));
    await server.db.db.updateTable("shows").set({ description: `<img src=x onerror=alert(2)> "quoted" & more` }).where("id", "=", show.id).execute();
    const { status, html } = await page("/shows/evil-title");
    expect(status).toBe(200);
    const head = html.slice(0, html.indexOf("</head>"));
    expect(head).not.toContain("<script>alert");
    expect(head).not.toContain("<img");
    expect(head.match(/<title>/g)).toHaveLength(1);
    expect(head).toContain(`<title>Tom&#39;s &quot;Deals&quot; &lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt; · Showcart</title>`);
    const t = tags(html);
    expect(t["og:title"]).toBe(evil);
    expect(t["og:description"]).toContain(`<img src=x onerror=alert(2)> "quoted" & more`);
  });

  it("gives a scheduled show its start on the shop's clock in the show's language", async () => {
    await newShow("adventsverkauf", "Adventsverkauf", "de", new Date("2026-12-10T18:00:00Z"));
    const t = tags((await page("/shows/adventsverkauf")).html);
    expect(t["og:title"]).toBe("Adventsverkauf");
    expect(t["og:locale"]).toBe("de_DE");
    // The shop's default zone is Europe/Berlin: 18:00 UTC is 19:00 MEZ.
    expect(t["og:description"]).toMatch(/^Live am Do\., 10\. Dez\. 2026, 19:00 MEZ mit .+ für .+\.$/);
    // No cover and nothing on sale yet: a summary card without a picture.
    expect(t["og:image"]).toBeUndefined();
    expect(t["twitter:card"]).toBe("summary");

    const english = tags((await page("/shows/evil-title")).html);
    expect(english["og:description"]).toMatch(/^Live on Thu, 10 Dec 2026, 19:00 CET with /);
    expect(english["og:locale"]).toBe("en_US");
  });

  it("turns into the replay with its poster once the show is over, after the cache's 15 s", async () => {
    const show = await newShow("yesterdays-drop", "Yesterday's drop", "en");
    await server.services.shows.setStatus(show.id, "live");
    expect(tags((await page("/shows/yesterdays-drop")).html)["og:title"]).toBe("LIVE now: Yesterday's drop");

    await server.services.shows.setStatus(show.id, "ended");
    await server.db.db
      .insertInto("recordings")
      .values({
        id: "rec_preview1",
        show_id: show.id,
        status: "ready",
        started_at: new Date("2026-12-03T16:00:00Z"),
        ended_at: new Date("2026-12-03T16:30:00Z"),
        duration_ms: 1_800_000,
        path: `recordings/${show.id}/rec_preview1`,
        has_poster: true,
        has_preview: true,
      })
      .execute();
    // Within the cache's 15 s a link flood still gets the answer it had.
    expect(tags((await page("/shows/yesterdays-drop")).html)["og:title"]).toBe("LIVE now: Yesterday's drop");
    later();
    const t = tags((await page("/shows/yesterdays-drop")).html);
    expect(t["og:title"]).toBe("Replay: Yesterday's drop");
    expect(t["og:description"]).toMatch(/^Watch the replay with .+ and shop it\.$/);
    const replay = (await request(server.url, "GET", `/api/shows/${show.id}`)).body.show.replay;
    expect(replay.posterUrl).toBeTruthy();
    expect(t["og:image"]).toBe(PUBLIC + replay.posterUrl);
    // Reached by id, the canonical page is still the slug's.
    expect(tags((await page(`/shows/${show.id}`)).html).canonical).toBe(`${PUBLIC}/shows/yesterdays-drop`);
  });

  it("keeps a host's share code on og:url (Facebook links there), never on the canonical link", async () => {
    const hostCookie = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
    const link = await request(server.url, "GET", `/api/studio/shows/${server.demo.showId}/share-link`, { cookie: hostCookie });
    expect(link.status).toBe(200);
    const slug = (await server.services.shows.show(server.demo.showId)).slug;
    const t = tags((await page(`/shows/${slug}?ref=${link.body.code}&utm_source=x`)).html);
    expect(t["og:url"]).toBe(`${PUBLIC}/shows/${slug}?ref=${link.body.code}`);
    expect(t.canonical).toBe(`${PUBLIC}/shows/${slug}`);
  });

  it("gives the share sheet the host's share link, and everyone else the show's plain address", async () => {
    const slug = (await server.services.shows.show(server.demo.showId)).slug;
    const plain = `${PUBLIC}/shows/${slug}`;
    const anon = await request(server.url, "GET", `/api/shows/${slug}/share`);
    expect(anon.status).toBe(200);
    expect(anon.body.share).toEqual({ url: plain, code: null, title: expect.any(String) });
    expect(anon.headers.get("cache-control")).toBe("private, no-store");

    const hostCookie = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
    const studio = await request(server.url, "GET", `/api/studio/shows/${server.demo.showId}/share-link`, { cookie: hostCookie });
    const host = await request(server.url, "GET", `/api/shows/${server.demo.showId}/share`, { cookie: hostCookie });
    expect(host.body.share).toMatchObject({ url: `${plain}?ref=${studio.body.code}`, code: studio.body.code });

    // The shop's owner and a buyer host nothing: no code of theirs to carry.
    const merchantCookie = await login(server.url, server.demo.merchantEmail, server.demo.hostPassword);
    expect((await request(server.url, "GET", `/api/shows/${slug}/share`, { cookie: merchantCookie })).body.share.url).toBe(plain);
    const buyer = await createBuyer(server, "sharer@example.com", "share-password-1");
    expect((await request(server.url, "GET", `/api/shows/${slug}/share`, { cookie: buyer.cookie })).body.share).toMatchObject({ url: plain, code: null });

    const missing = await request(server.url, "GET", "/api/shows/no-such-show/share");
    expect([missing.status, missing.body.error.code]).toEqual([404, "not_found"]);
  });

  it("answers an unknown show with the plain shell, 404 and noindex", async () => {
    const { status, html } = await page("/shows/no-such-show");
    expect(status).toBe(404);
    const t = tags(html);
    expect(t.title).toBe("Showcart");
    expect(t.robots).toBe("noindex");
    expect(t["og:title"]).toBeUndefined();
    // Still the viewer's shell: the page script says what is missing.
    expect(html).toMatch(/<script type="module" src="\/assets\/[^"]+"><\/script>/);
  });
});
