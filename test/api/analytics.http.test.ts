import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ShowReport } from "../../src/protocol/api.js";
import { ManualClock } from "../../src/server/platform/clock.js";
import { ChatClient } from "../support/chat-client.js";
import { backends } from "../support/db.js";
import { orderBody } from "../support/fixtures.js";
import { login, postOrder, request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { until } from "../support/until.js";

const START = Date.parse("2026-12-03T10:00:00Z");

describe.each(backends)("analytics: recording and reports (%s)", (backend) => {
  let server: TestServer;
  const clock = new ManualClock(START);
  let host: string;
  let merchant: string;
  let otherOwner: string;
  let showId: string;
  let merchantId: string;
  let productId: string;
  const viewers: ChatClient[] = [];
  const at = (minute: number, second = 0) => clock.set(START + minute * 60_000 + second * 1000);
  const join = async (device: string, src?: string) => {
    const q = new URLSearchParams({ device, name: `Viewer ${device}`, ...(src ? { src } : {}) });
    const c = await ChatClient.open(`${server.url.replace("http", "ws")}/ws/shows/${showId}?${q}`);
    viewers.push(c);
    return c;
  };
  const report = async (query = "") =>
    (await request<{ report: ShowReport }>(server.url, "GET", `/api/analytics/shows/${showId}/report${query}`, { cookie: host })).body.report;

  beforeAll(async () => {
    server = await startTestServer({ backend, demo: true, synthetic: false, sweepers: false, clock });
    showId = server.demo.showId;
    host = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
    merchant = await login(server.url, server.demo.merchantEmail, server.demo.hostPassword);
    const studio = await request(server.url, "GET", `/api/studio/shows/${showId}`, { cookie: host });
    productId = studio.body.products[1].id;
    merchantId = (await server.services.shows.show(showId)).merchantId;
    const { accounts, catalog } = server.services;
    const other = await catalog.createMerchant("Other Analytics Shop");
    await accounts.createAccount({
      email: "owner@other-analytics.test",
      password: "a long password 1",
      displayName: "O",
      role: "merchant",
      merchantId: other.id,
    });
    otherOwner = await login(server.url, "owner@other-analytics.test", "a long password 1");
  }, 180_000);
  afterAll(async () => {
    for (const v of viewers) v.ws.close();
    await server?.close();
  });

  const newOffer = async (quantity: number, pin: boolean) => {
    const res = await request(server.url, "POST", `/api/studio/shows/${showId}/offers`, {
      cookie: host,
      body: { productId, showPrice: 1500, quantity, durationSeconds: 3000, pin },
    });
    expect(res.status).toBe(201);
    return res.body.offer.id as string;
  };

  it("records viewers, pins, impressions, checkouts, orders, refunds and chat; the report adds them up", async () => {
    const { services } = server;
    at(0);
    await services.shows.setStatus(showId, "live");
    const offerA = await newOffer(10, true);
    // Three viewers at minute 0 (one came by a host's share link), two more at minute 1: the peak is 5.
    await join("dev-a");
    await join("dev-b", "share");
    await join("dev-c");
    await services.analyticsTick();
    at(1, 0);
    await join("dev-d", "embed");
    await join("dev-e");
    // The same device again (a reload) is the same unique viewer.
    await join("dev-a");
    await services.analyticsTick();
    expect(services.hub.localViewers(showId)).toBe(6);
    at(1, 20);
    for (const c of viewers.splice(4, 2)) c.ws.close();
    await until("two left", () => services.hub.localViewers(showId) === 4);
    await services.analyticsTick();

    // Minute 2: impressions, two checkouts opened, two purchases (one from an embed), one refund.
    at(2, 5);
    for (const _ of [1, 2, 3]) {
      const r = await request(server.url, "POST", `/api/shows/${showId}/impressions`, { body: { offerIds: [offerA, offerA] } });
      expect(r.status).toBe(204);
    }
    // An offer of no show counts nowhere (the beacon still answers 204).
    expect((await request(server.url, "POST", `/api/shows/${showId}/impressions`, { body: { offerIds: ["off_nope"] } })).status).toBe(204);
    for (const _ of [1, 2]) expect((await request(server.url, "POST", `/api/shows/${showId}/checkout-opened`, { body: { offerId: offerA } })).status).toBe(204);
    const first = await postOrder(server.url, orderBody(offerA, { quantity: 2 }));
    const second = await postOrder(server.url, orderBody(offerA, { source: "embed", buyer: { name: "Em Bed", email: "embed@buyer.test" } }));
    expect([first.status, second.status]).toEqual([201, 201]);
    viewers[3]!.send({ t: "chat.send", d: { text: "love it" } });
    viewers[0]!.send({ t: "reaction.send", d: { emoji: "🔥" } });
    viewers[0]!.send({ t: "reaction.send", d: { emoji: "👏" } });
    await until("chat posted", () => viewers[0]!.events.some((ev) => ev.t === "chat.posted"));
    await until("reactions counted", () => viewers[0]!.events.filter((ev) => ev.t === "reactions.counted").length > 0);
    const refund = await request(server.url, "POST", `/api/admin/orders/${first.body.order.id}/refund`, {
      cookie: merchant,
      body: { quantity: 1, reason: "damaged" },
    });
    expect(refund.status).toBe(200);

    // Minute 3: A is unpinned, B pinned.
    at(3, 30);
    expect((await request(server.url, "POST", `/api/studio/offers/${offerA}/pin`, { cookie: host, body: { pinned: false } })).status).toBe(200);
    const offerB = await newOffer(5, true);
    await services.analyticsTick();
    await services.analyticsTick();

    const r = await report();
    expect(r.totals).toMatchObject({
      peakViewers: 6,
      uniqueViewers: 5,
      impressions: 3,
      checkouts: 2,
      holds: 2,
      paidOrders: 2,
      units: 3,
      gmv: 4500,
      refunds: 1,
      refunded: 1500,
    });
    expect(r.totals.chatMessages).toBe(1);
    expect(r.totals.reactions).toBe(2);
    expect(r.totals.peakAt).toBe(new Date(START + 60_000).toISOString());
    expect(r.viewers).toEqual([
      { at: new Date(START).toISOString(), viewers: 3 },
      { at: new Date(START + 60_000).toISOString(), viewers: 6 },
      { at: new Date(START + 80_000).toISOString(), viewers: 4 },
      { at: new Date(START + 210_000).toISOString(), viewers: 4 },
    ]);
    // (The demo's own offer was pinned at the seed and unpinned by A's pin, both at minute 0.)
    expect(r.pins.filter((p) => p.offerId === offerA || p.offerId === offerB).map((p) => [p.kind, p.offerId, p.at])).toEqual([
      ["pin", offerA, new Date(START).toISOString()],
      ["unpin", offerA, new Date(START + 210_000).toISOString()],
      ["pin", offerB, new Date(START + 210_000).toISOString()],
    ]);
    expect(r.sales).toEqual([{ minute: new Date(START + 120_000).toISOString(), orders: 2, units: 3, gmv: 4500, refunded: 1500 }]);
    const funnelA = r.funnel.find((f) => f.offerId === offerA);
    expect(funnelA).toMatchObject({ viewers: 5, impressions: 3, checkouts: 2, holds: 2, paid: 2, units: 3, gmv: 4500 });
    expect(r.topOffers.map((o) => o.offerId)).toEqual([offerA]);
    expect(r.buyers).toEqual({ new: 2, returning: 0 });
    expect(r.sources).toEqual([
      { source: "live", viewers: 3, buyers: 1, orders: 1, gmv: 3000 },
      { source: "replay", viewers: 0, buyers: 0, orders: 0, gmv: 0 },
      { source: "share", viewers: 1, buyers: 0, orders: 0, gmv: 0 },
      { source: "embed", viewers: 1, buyers: 1, orders: 1, gmv: 1500 },
    ]);

    // The chart's CSV is the chart's data.
    const csv = await request(server.url, "GET", `/api/analytics/shows/${showId}/report.csv?chart=viewers`, { cookie: merchant });
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    expect(csv.body).toBe(["at,viewers", ...r.viewers.map((v) => `${v.at},${v.viewers}`), ""].join("\r\n"));
    const funnelCsv = await request(server.url, "GET", `/api/analytics/shows/${showId}/report.csv?chart=funnel`, { cookie: host });
    expect(funnelCsv.body.split("\r\n")[0]).toBe("offer_id,title,viewers,impressions,checkouts,holds,paid,units,gmv_minor,currency");

    // A window inside the show.
    const clipped = await report(
      `?from=${encodeURIComponent(new Date(START + 60_000).toISOString())}&to=${encodeURIComponent(new Date(START + 120_000).toISOString())}`,
    );
    expect(clipped.viewers.map((v) => v.viewers)).toEqual([6, 4]);
    expect(clipped.totals.paidOrders).toBe(0);

    // The studio's live figures: the last 30 minutes and B's funnel (pinned now).
    const live = await request(server.url, "GET", `/api/analytics/shows/${showId}/live`, { cookie: host });
    expect(live.body.live.offer).toMatchObject({ offerId: offerB, impressions: 0, paid: 0 });
    expect(live.body.live.viewers.at(-1).viewers).toBe(4);

    // Another show of the same shop later: the embed buyer comes back and is a returning buyer there.
    const overview = await request(server.url, "GET", `/api/analytics/shops/${merchantId}/overview?from=2026-12-01&to=2026-12-05`, { cookie: merchant });
    expect(overview.status).toBe(200);
    expect(overview.body.overview.shows).toEqual([
      expect.objectContaining({ showId, gmv: 4500, orders: 2, peakViewers: 6, uniqueViewers: 5, startedAt: new Date(START).toISOString() }),
    ]);
    expect(overview.body.overview.trend).toEqual([{ day: "2026-12-03", gmv: 4500, orders: 2 }]);
    expect(overview.body.overview.hosts).toHaveLength(1);
    const trendCsv = await request(server.url, "GET", `/api/analytics/shops/${merchantId}/overview.csv?chart=trend&from=2026-12-01&to=2026-12-05`, {
      cookie: merchant,
    });
    expect(trendCsv.body).toBe("day,gmv_minor,orders,currency\r\n2026-12-03,4500,2,EUR\r\n");
  });

  it("answers bad input and other shops with 4xx and a code", async () => {
    const get = (path: string, cookie?: string) => request(server.url, "GET", path, { cookie });
    const base = `/api/analytics/shows/${showId}/report`;
    const cases: [string, string | undefined, number, string][] = [
      [base, undefined, 401, "unauthenticated"],
      [base, otherOwner, 403, "forbidden"],
      [`${base}?from=2026-12-03T12:00:00Z&to=2026-12-03T11:00:00Z`, host, 400, "invalid_range"],
      [`${base}?from=2026-12-01&to=2026-12-04`, host, 400, "range_too_large"],
      [`${base}?from=yesterday`, host, 400, "invalid_query"],
      [`${base}.csv?chart=pie`, host, 400, "invalid_query"],
      [`${base}.csv`, host, 400, "invalid_query"],
      ["/api/analytics/shows/shw_nope/report", host, 404, "not_found"],
      [`/api/analytics/shops/${merchantId}/overview`, otherOwner, 403, "forbidden"],
      // A host sees their shows' reports, not the shop's overview.
      [`/api/analytics/shops/${merchantId}/overview`, host, 403, "forbidden"],
      [`/api/analytics/shops/${merchantId}/overview?from=2025-01-01&to=2026-12-01`, merchant, 400, "range_too_large"],
      [`/api/analytics/shops/${merchantId}/overview?from=2026-12-02&to=2026-12-01`, merchant, 400, "invalid_range"],
      [`/api/analytics/shops/${merchantId}/overview.csv?chart=shows&extra=1`, merchant, 400, "invalid_query"],
    ];
    for (const [path, cookie, status, code] of cases) {
      const res = await get(path, cookie);
      expect([path, res.status, res.body?.error?.code]).toEqual([path, status, code]);
    }
    const beacon = await request(server.url, "POST", `/api/shows/${showId}/impressions`, { body: { offerIds: [] } });
    expect([beacon.status, beacon.body.error.code]).toEqual([400, "invalid_body"]);
    const bad = await request(server.url, "POST", `/api/shows/${showId}/checkout-opened`, { body: { offerId: "x", source: "tv" } });
    expect([bad.status, bad.body.error.code]).toEqual([400, "invalid_body"]);
  });

  it("counts a bag's lines for their own offers and the bag as one order, from the page it was checked out on", async () => {
    const { services } = server;
    at(5);
    const [offerC, offerD] = [await newOffer(5, false), await newOffer(5, false)];
    const before = await report();
    for (const offerId of [offerC, offerD])
      expect((await request(server.url, "POST", `/api/shows/${showId}/checkout-opened`, { body: { offerId, source: "share" } })).status).toBe(204);
    const { offerId: _, quantity: __, ...rest } = orderBody(offerC);
    const bag = await request(server.url, "POST", "/api/orders/bag", {
      headers: { "idempotency-key": `bag-${backend}` },
      body: {
        ...rest,
        buyer: { name: "Bea Beutel", email: "bea@bag.test" },
        lines: [
          { offerId: offerC, quantity: 2 },
          { offerId: offerD, quantity: 1 },
        ],
        source: "share",
      },
    });
    expect(bag.status).toBe(201);
    expect(bag.body.order.total).toBe(4500);
    await services.analyticsTick();
    await services.analyticsTick();

    const r = await report();
    const delta = (k: keyof ShowReport["totals"]) => Number(r.totals[k]) - Number(before.totals[k]);
    expect([delta("paidOrders"), delta("units"), delta("gmv"), delta("holds"), delta("checkouts")]).toEqual([1, 3, 4500, 2, 2]);
    expect(r.funnel.find((f) => f.offerId === offerC)).toMatchObject({ checkouts: 1, holds: 1, paid: 1, units: 2, gmv: 3000 });
    expect(r.funnel.find((f) => f.offerId === offerD)).toMatchObject({ checkouts: 1, holds: 1, paid: 1, units: 1, gmv: 1500 });
    const share = (x: ShowReport) => x.sources.find((s) => s.source === "share")!;
    expect([share(r).orders - share(before).orders, share(r).gmv - share(before).gmv, share(r).buyers - share(before).buyers]).toEqual([1, 4500, 1]);
    // The sales chart counts orders, not lines.
    const minute = r.sales.find((m) => m.minute === new Date(START + 5 * 60_000).toISOString());
    expect(minute).toMatchObject({ orders: 1, units: 3, gmv: 4500 });
  });

  it("counts an order as from a share link when the show's link was credited with it, not for any referral cookie", async () => {
    at(6);
    const offerE = await newOffer(5, false);
    const before = await report();
    const link = await request(server.url, "GET", `/api/studio/shows/${showId}/share-link`, { cookie: host });
    expect(link.status).toBe(200);
    const now = clock.now().getTime();
    const buyer = (name: string) => ({ buyer: { name, email: `${name.replace(" ", ".").toLowerCase()}@ref.test` } });
    const shared = await postOrder(server.url, orderBody(offerE, buyer("Sha Red")), undefined, { cookie: `sc_ref=${link.body.code}.${now}` });
    // Well-formed, but no host's code: the order is the show's own (live), as commissions attribute it.
    const madeUp = await postOrder(server.url, orderBody(offerE, buyer("Made Up")), undefined, { cookie: `sc_ref=zzzzzzzzzzzz.${now}` });
    expect([shared.status, madeUp.status]).toEqual([201, 201]);
    await server.services.analyticsTick();
    await server.services.analyticsTick();
    const r = await report();
    const orders = (x: ShowReport, source: string) => x.sources.find((s) => s.source === source)?.orders ?? 0;
    expect([orders(r, "share") - orders(before, "share"), orders(r, "live") - orders(before, "live")]).toEqual([1, 1]);
  });

  it("never counts an order whose transaction did not commit, and forgets what is older than the retention", async () => {
    const { analytics, reports } = server.services;
    const before = (await reports.showReport(showId)).totals;
    analytics.hold({ orderId: "ord_rolled_back", showId, offerId: "off_x", quantity: 1, accountId: null, source: "live", at: clock.now() });
    analytics.paid({ orderId: "ord_rolled_back", showId, offerId: "off_x", quantity: 1, total: 999, buyer: "b" });
    for (const _ of [1, 2, 3, 4]) await analytics.flush();
    const after = (await reports.showReport(showId)).totals;
    expect([after.holds, after.paidOrders, after.gmv]).toEqual([before.holds, before.paidOrders, before.gmv]);

    clock.set(START + 731 * 86_400_000);
    expect(await analytics.prune(730)).toBeGreaterThan(0);
    const gone = await reports.showReport(showId);
    expect([gone.viewers.length, gone.totals.gmv, gone.pins.length, gone.totals.uniqueViewers]).toEqual([0, 0, 0, 0]);
  });
});
