import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DiscoverAnswer, DiscoverOverview, DiscoverShow } from "../../src/protocol/api.js";
import { ManualClock } from "../../src/server/platform/clock.js";
import { createBuyer } from "../support/accounts.js";
import { backends } from "../support/db.js";
import { login, request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";

// GET /api/discover (home, shop and host pages) and the shop and host pages' heads, on a manual clock.
describe.each(backends)("discovery on %s", (backend) => {
  const clock = new ManualClock("2026-12-03T12:00:00Z");
  const hour = 3_600_000;
  let server: TestServer;
  let hostId = "";
  let merchantId = "";
  let doenerId = "";
  let doenerSlug = "";
  let merchantCookie = "";
  const ids: Record<string, string> = {};

  const discover = async (query: string) => {
    const res = await request(server.url, "GET", `/api/discover${query}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as DiscoverAnswer & DiscoverOverview;
  };
  const titles = (shows: DiscoverShow[]) => shows.map((s) => s.title);

  beforeAll(async () => {
    server = await startTestServer({ synthetic: false, backend, clock, sweepers: false });
    const { shows, catalog } = server.services;
    const demo = await shows.show(server.demo.showId);
    hostId = demo.hostAccountId;
    merchantId = demo.merchantId;
    merchantCookie = await login(server.url, server.demo.merchantEmail, server.demo.hostPassword);
    // A second shop whose name needs folding into its slug, and a third of the same name.
    const doener = await catalog.createMerchant("Käthe's Döner & Co.");
    doenerId = doener.id;
    await catalog.createMerchant("Käthe's Döner & Co.");
    const slugs = await server.db.db.selectFrom("merchants").select(["id", "slug"]).orderBy("created_at").execute();
    doenerSlug = slugs.find((m) => m.id === doenerId)!.slug;

    const make = async (key: string, title: string, opts: { merchant?: string; at?: number | null; status?: "live" | "offline" | "ended" } = {}) => {
      const show = await shows.createShow({
        merchantId: opts.merchant ?? merchantId,
        hostAccountId: hostId,
        slug: key,
        title,
        commissionRateBp: 1000,
        scheduledAt: opts.at === null || opts.at === undefined ? null : new Date(clock.now().getTime() + opts.at),
      });
      if (opts.status) await shows.setStatus(show.id, opts.status);
      ids[key] = show.id;
      return show.id;
    };
    await make("knits", "Winter knits", { at: -2 * hour, status: "live" });
    await make("vinyl", "Vinyl night 100%", { merchant: doenerId, at: -hour, status: "live" });
    for (let i = 1; i <= 9; i++) await make(`drop-${i}`, `Friday drop ${i}`, { at: i * hour });
    await make("draft", "Still planning", { at: null });
    await make("cancelled", "Called off", { at: 3 * hour });
    await server.db.db.updateTable("shows").set({ cancelled_at: clock.now() }).where("id", "=", ids.cancelled!).execute();
    await make("late", "Never came", { at: -7 * hour });
    await make("kebab-replay", "Kebab masterclass", { merchant: doenerId, at: -30 * hour, status: "ended" });
    await make("mugs-replay", "Mugs and more", { at: -20 * hour, status: "offline" });
    await make("no-recording", "Off air, nothing recorded", { at: -10 * hour, status: "offline" });
    await make("failed-recording", "Recorder failed", { at: -9 * hour, status: "ended" });
    const recording = (key: string, status: "ready" | "failed", n: number) =>
      server.db.db
        .insertInto("recordings")
        .values({
          id: `rec_test${n}`,
          show_id: ids[key]!,
          status,
          started_at: new Date(clock.now().getTime() - 40 * hour),
          ended_at: new Date(clock.now().getTime() - 39 * hour),
          duration_ms: status === "ready" ? 3_600_000 : null,
          path: `recordings/${ids[key]}/rec_test${n}`,
          has_poster: true,
          has_preview: false,
        })
        .execute();
    await recording("kebab-replay", "ready", 1);
    await recording("mugs-replay", "ready", 2);
    await recording("failed-recording", "failed", 3);
  }, 300_000);
  afterAll(async () => server?.close());

  it("gives each shop a slug from its name, folded, and a distinct one to a second shop of the same name", async () => {
    const rows = await server.db.db.selectFrom("merchants").select(["id", "slug", "name"]).execute();
    expect(doenerSlug).toBe("kathe-s-doner-co");
    const twin = rows.find((r) => r.name === "Käthe's Döner & Co." && r.id !== doenerId)!;
    expect(twin.slug).toMatch(/^kathe-s-doner-co-[a-z0-9]+$/);
    expect(rows.find((r) => r.id === merchantId)!.slug).toBe("showcart-demo-shop");
  });

  it("lists live now, upcoming (announced, soonest first) and replays (with a finished recording) on the first page", async () => {
    const { sections } = await discover("");
    expect(titles(sections.live.shows)).toEqual(["Vinyl night 100%", "Winter knits"]);
    const vinyl = sections.live.shows[0]!;
    expect(vinyl).toMatchObject({
      slug: "vinyl",
      status: "live",
      category: "other",
      shop: { id: doenerId, slug: doenerSlug, name: "Käthe's Döner & Co." },
      host: { id: hostId },
    });
    expect(titles(sections.upcoming.shows)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => `Friday drop ${i}`));
    expect(sections.upcoming.nextCursor).toBeNull();
    // Newest first; the offline show without a recording and the failed recording are not replays.
    expect(titles(sections.replays.shows)).toEqual(["Mugs and more", "Kebab masterclass"]);
    expect(sections.replays.shows[0]!.replay).toEqual({
      posterUrl: `/vod/${ids["mugs-replay"]}/rec_test2/poster.jpg`,
      previewUrl: null,
      durationSeconds: 3600,
    });
    const all = [...sections.live.shows, ...sections.upcoming.shows, ...sections.replays.shows].map((s) => s.slug);
    for (const hidden of ["draft", "cancelled", "late", "no-recording", "failed-recording"]) expect(all).not.toContain(hidden);
  });

  it("pages a section with its cursor: every show once, in order, and a null cursor on the last page", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await discover(`?section=upcoming&limit=4${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.section).toBe("upcoming");
      expect(page.shows.length).toBeLessThanOrEqual(4);
      seen.push(...titles(page.shows));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => `Friday drop ${i}`));

    const first = await discover("?section=replays&limit=1");
    const second = await discover(`?section=replays&limit=1&cursor=${first.nextCursor}`);
    expect([titles(first.shows), titles(second.shows), second.nextCursor]).toEqual([["Mugs and more"], ["Kebab masterclass"], null]);
  });

  it("searches titles, shop names and host names, case-insensitively, with % and _ taken literally", async () => {
    expect(titles((await discover("?section=live&q=VINYL")).shows)).toEqual(["Vinyl night 100%"]);
    expect(titles((await discover("?section=replays&q=d%C3%B6ner")).shows)).toEqual(["Kebab masterclass"]);
    expect((await discover("?section=upcoming&q=mia")).shows).toHaveLength(9);
    expect(titles((await discover("?section=live&q=100%25")).shows)).toEqual(["Vinyl night 100%"]);
    expect((await discover("?section=live&q=%25")).shows).toHaveLength(1);
    expect((await discover("?section=live&q=_")).shows).toHaveLength(0);
    const none = await discover("?q=nothing-like-this");
    expect([none.sections.live.shows, none.sections.upcoming.shows, none.sections.replays.shows]).toEqual([[], [], []]);
  });

  it("filters by category (set in the show form) and by shop or host", async () => {
    const patch = await request(server.url, "PATCH", `/api/admin/shows/${ids.knits}`, { cookie: merchantCookie, body: { category: "fashion" } });
    expect([patch.status, patch.body.show?.category]).toEqual([200, "fashion"]);
    expect((await request(server.url, "PATCH", `/api/admin/shows/${ids["drop-2"]}`, { cookie: merchantCookie, body: { category: "fashion" } })).status).toBe(
      200,
    );
    const fashion = await discover("?category=fashion");
    expect([titles(fashion.sections.live.shows), titles(fashion.sections.upcoming.shows), fashion.sections.replays.shows]).toEqual([
      ["Winter knits"],
      ["Friday drop 2"],
      [],
    ]);
    expect(titles((await discover("?section=live&category=fashion&q=vinyl")).shows)).toEqual([]);

    const shop = await discover(`?shop=${doenerSlug}`);
    expect([titles(shop.sections.live.shows), shop.sections.upcoming.shows, titles(shop.sections.replays.shows)]).toEqual([
      ["Vinyl night 100%"],
      [],
      ["Kebab masterclass"],
    ]);
    expect((await discover(`?section=upcoming&host=${hostId}`)).shows).toHaveLength(9);
    expect((await discover("?section=upcoming&host=acc_nobody")).shows).toHaveLength(0);
  });

  it("serves the shop and host pages' heads with follower counts", async () => {
    const buyer = await createBuyer(server, "fan@example.com", "discover-password-1");
    expect((await request(server.url, "PUT", `/api/follows/shop/${doenerId}`, { cookie: buyer.cookie })).status).toBe(200);
    const shop = await request(server.url, "GET", `/api/shops/${doenerSlug}`);
    expect(shop.body).toEqual({ shop: { id: doenerId, slug: doenerSlug, name: "Käthe's Döner & Co.", logoUrl: null, followers: 1 } });
    const host = await request(server.url, "GET", `/api/hosts/${hostId}`);
    expect(host.body).toEqual({ host: { id: hostId, name: "Mia (Host)", followers: 0 } });
    expect((await request(server.url, "GET", `/api/hosts/${buyer.account.id}`)).body.error.code).toBe("not_found");
    expect((await request(server.url, "GET", "/api/shops/no-such-shop")).status).toBe(404);
    const bad = await request(server.url, "GET", "/api/shops/Not%20A%20Slug");
    expect([bad.status, bad.body.error.code]).toEqual([400, "invalid_query"]);
  });

  it("serves the shop and host pages' web shells with their link previews, and 404 for one that does not exist", async () => {
    const shop = await request(server.url, "GET", `/shops/${doenerSlug}`, { headers: { "accept-language": "de" } });
    expect([shop.status, shop.headers.get("content-type")]).toEqual([200, "text/html; charset=utf-8"]);
    expect(shop.body).toContain("<title>Käthe&#39;s Döner &amp; Co. · Showcart</title>");
    expect(shop.body).toContain(`<meta property="og:url" content="${server.url}/shops/${doenerSlug}">`);
    expect(shop.body).toContain("Live-Shopping-Shows von Käthe&#39;s Döner &amp; Co. auf Showcart");
    const host = await request(server.url, "GET", `/hosts/${hostId}`);
    expect([
      host.status,
      host.body.includes("<title>Mia (Host) · Showcart</title>"),
      host.body.includes('<meta property="og:type" content="profile">'),
    ]).toEqual([200, true, true]);
    for (const path of ["/shops/no-such-shop", "/hosts/acc_nobody"]) {
      const res = await request(server.url, "GET", path);
      expect([path, res.status, res.body.includes('<meta name="robots" content="noindex">')]).toEqual([path, 404, true]);
    }
  });

  it("refuses bad queries with 400 invalid_query", async () => {
    const notOurs = Buffer.from(JSON.stringify({ at: 1 })).toString("base64url");
    const cases = [
      "?section=soon",
      "?category=toys",
      "?cursor=abc",
      "?section=live&cursor=abc",
      `?section=live&cursor=${notOurs}`,
      "?section=live&cursor=a%2Bb",
      "?limit=0",
      "?limit=49",
      "?limit=two",
      `?q=${"x".repeat(101)}`,
      "?shop=Not%20A%20Slug",
      "?host=a%20b",
      "?sort=price",
      "?section=live&section=upcoming",
    ];
    for (const query of cases) {
      const res = await request(server.url, "GET", `/api/discover${query}`);
      expect([query, res.status, res.body.error?.code]).toEqual([query, 400, "invalid_query"]);
    }
    const badCategory = await request(server.url, "PATCH", `/api/admin/shows/${ids.knits}`, { cookie: merchantCookie, body: { category: "toys" } });
    expect([badCategory.status, badCategory.body.error.code]).toEqual([400, "invalid_body"]);
  });
});
