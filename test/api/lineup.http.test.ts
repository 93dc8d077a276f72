import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../support/db.js";
import { login, postOrder, request } from "../support/http.js";
import { orderBody } from "../support/fixtures.js";
import { ChatClient } from "../support/chat-client.js";
import { startTestServer, type TestServer } from "../support/server.js";

describe.each(backends)("studio line-up (%s)", (backend) => {
  let server: TestServer;
  let host: string;
  let otherOwner: string;
  let showId: string;
  let productId: string;
  let variantId: string;
  const path = () => `/api/studio/shows/${showId}/lineup`;

  beforeAll(async () => {
    server = await startTestServer({ backend, synthetic: false });
    const { accounts, catalog, shows } = server.services;
    showId = server.demo.showId;
    host = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
    const merchant = await login(server.url, server.demo.merchantEmail, server.demo.hostPassword);
    const other = await catalog.createMerchant("Other Shop");
    await accounts.createAccount({ email: "owner@other-lineup.test", password: "a long password 1", displayName: "O", role: "merchant", merchantId: other.id });
    otherOwner = await login(server.url, "owner@other-lineup.test", "a long password 1");
    const created = await request(server.url, "POST", "/api/admin/products", {
      cookie: merchant,
      body: { title: "Line-up hoodie", price: 4900, vatRateBp: 1900, variants: [{ sku: "LUP-M", size: "M", stock: 5 }] },
    });
    expect(created.status).toBe(201);
    productId = created.body.product.id;
    variantId = created.body.product.variants[0].id;
    expect((await shows.show(showId)).status).toBeDefined();
  }, 180_000);
  afterAll(async () => server?.close());

  it("adds items, refuses more than the shelf holds and other shops' staff, keeps order", async () => {
    const tooMany = await request(server.url, "POST", path(), { cookie: host, body: { productId, variantId, showPrice: 3900, quantity: 6 } });
    expect(tooMany.status).toBe(409);
    expect(tooMany.body.error.code).toBe("insufficient_stock");
    expect(tooMany.body.error.details.stock).toBe(5);

    const bad = await request(server.url, "POST", path(), { cookie: host, body: { productId, showPrice: -1, quantity: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid_body");

    const foreign = await request(server.url, "POST", path(), { cookie: otherOwner, body: { productId, variantId, showPrice: 3900, quantity: 1 } });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.code).toBe("forbidden");
    expect((await request(server.url, "GET", path(), { cookie: otherOwner })).status).toBe(403);

    const a = await request(server.url, "POST", path(), { cookie: host, body: { productId, variantId, showPrice: 3900, quantity: 2, perBuyerLimit: 1 } });
    expect(a.status).toBe(201);
    expect(a.body.item).toMatchObject({ state: "planned", quantity: 2, stock: 5, title: "Line-up hoodie (M)", perBuyerLimit: 1, offer: null });
    const b = await request(server.url, "POST", path(), { cookie: host, body: { productId, showPrice: 4500, quantity: 3, sellsOnlyWhilePinned: true } });
    expect(b.status).toBe(201);
    const c = await request(server.url, "POST", path(), { cookie: host, body: { productId, showPrice: 1000, quantity: 1, position: 0 } });
    expect(c.status).toBe(201);
    const list = await request(server.url, "GET", path(), { cookie: host });
    expect(list.body.lineup.items.map((i: { id: string }) => i.id)).toEqual([c.body.item.id, a.body.item.id, b.body.item.id]);
    expect(list.body.lineup.items.map((i: { position: number }) => i.position)).toEqual([0, 1, 2]);

    const partial = await request(server.url, "PUT", `${path()}/order`, { cookie: host, body: { itemIds: [a.body.item.id] } });
    expect(partial.status).toBe(400);
    const reordered = await request(server.url, "PUT", `${path()}/order`, {
      cookie: host,
      body: { itemIds: [a.body.item.id, b.body.item.id, c.body.item.id] },
    });
    expect(reordered.status).toBe(200);
    expect(reordered.body.lineup.items.map((i: { id: string }) => i.id)).toEqual([a.body.item.id, b.body.item.id, c.body.item.id]);

    const removed = await request(server.url, "DELETE", `${path()}/${c.body.item.id}`, { cookie: host });
    expect(removed.status).toBe(200);
    expect((await request(server.url, "GET", path(), { cookie: host })).body.lineup.items).toHaveLength(2);
  });

  it("pins items in order, reserving stock through the offer, and says when the line-up is exhausted", async () => {
    const before = (await request(server.url, "GET", path(), { cookie: host })).body.lineup.items;
    const first = await request(server.url, "POST", `${path()}/pin-next`, { cookie: host });
    expect(first.status).toBe(200);
    expect(first.body.item.id).toBe(before[0].id);
    expect(first.body.item.state).toBe("pinned");
    expect(first.body.offer).toMatchObject({ pinned: true, quantity: 2, remaining: 2, showPrice: 3900, perBuyerLimit: 1 });
    // Two units left the shelf with the offer.
    expect((await server.services.catalog.variant(variantId)).stock).toBe(3);
    // The offer is visible to viewers.
    const view = await request(server.url, "GET", `/api/shows/${showId}`);
    expect(view.body.show.offers.some((o: { id: string }) => o.id === first.body.offer.id)).toBe(true);

    const second = await request(server.url, "POST", `${path()}/pin-next`, { cookie: host });
    expect(second.status).toBe(200);
    expect(second.body.item.id).toBe(before[1].id);
    expect(second.body.offer.sellsOnlyWhilePinned).toBe(true);
    const items = (await request(server.url, "GET", path(), { cookie: host })).body.lineup.items;
    expect(items.map((i: { state: string }) => i.state)).toEqual(["open", "pinned"]);

    const none = await request(server.url, "POST", `${path()}/pin-next`, { cookie: host });
    expect(none.status).toBe(409);
    expect(none.body.error.code).toBe("lineup_exhausted");

    // Back to the first item: its open offer is pinned again, no second offer is made.
    const again = await request(server.url, "POST", `${path()}/${before[0].id}/pin`, { cookie: host });
    expect(again.status).toBe(200);
    expect(again.body.offer.id).toBe(first.body.offer.id);
    expect((await server.services.catalog.variant(variantId)).stock).toBe(3);

    // An item on sale cannot be removed; an ended one cannot be pinned.
    expect((await request(server.url, "DELETE", `${path()}/${before[0].id}`, { cookie: host })).body.error.code).toBe("conflict");
    await request(server.url, "POST", `/api/studio/offers/${second.body.offer.id}/end`, { cookie: host });
    const ended = await request(server.url, "POST", `${path()}/${before[1].id}/pin`, { cookie: host });
    expect(ended.status).toBe(409);
    expect(ended.body.error.code).toBe("offer_not_active");
    expect((await request(server.url, "POST", `${path()}/itm_nope/pin`, { cookie: host })).status).toBe(404);
  });

  it("opens planned items unpinned, pinning the first that starts pinned", async () => {
    const x = await request(server.url, "POST", path(), { cookie: host, body: { productId, showPrice: 500, quantity: 4 } });
    const y = await request(server.url, "POST", path(), { cookie: host, body: { productId, variantId, showPrice: 600, quantity: 1, startPinned: true } });
    const opened = await request(server.url, "POST", `${path()}/open`, { cookie: host, body: {} });
    expect(opened.status).toBe(200);
    const byId = new Map(opened.body.lineup.items.map((i: { id: string; state: string }) => [i.id, i.state]));
    expect(byId.get(x.body.item.id)).toBe("open");
    expect(byId.get(y.body.item.id)).toBe("pinned");
    // The open, unpinned offer is bought while the show is live; one that sells only while pinned is not.
    await server.services.shows.setStatus(showId, "live");
    const xOffer = opened.body.lineup.items.find((i: { id: string }) => i.id === x.body.item.id).offerId;
    const bought = await postOrder(server.url, orderBody(xOffer));
    expect(bought.status).toBeLessThan(300);
  });

  it("tells every viewer when an item goes on sale unpinned and when the line-up's order changes", async () => {
    const viewer = await ChatClient.open(`${server.url.replace("http", "ws")}/ws/shows/${showId}`);
    try {
      const snapshot = viewer.frames.find((f) => f.t === "snapshot");
      const before: string[] = snapshot?.t === "snapshot" ? (snapshot.d.lineup ?? []) : [];
      const p = await request(server.url, "POST", path(), { cookie: host, body: { productId, showPrice: 700, quantity: 2 } });
      const q = await request(server.url, "POST", path(), { cookie: host, body: { productId, showPrice: 800, quantity: 2 } });
      const opened = await request(server.url, "POST", `${path()}/open`, { cookie: host, body: { itemIds: [p.body.item.id, q.body.item.id] } });
      const offerOf = (itemId: string) => opened.body.lineup.items.find((i: { id: string }) => i.id === itemId).offerId as string;
      const [pOffer, qOffer] = [offerOf(p.body.item.id), offerOf(q.body.item.id)];
      // Each new offer reaches the room with its view (units, price), not only at the next snapshot.
      for (const [offerId, showPrice] of [
        [pOffer, 700],
        [qOffer, 800],
      ] as const) {
        const ev = await viewer.waitEvent((e) => e.t === "offer.opened" && (e.d as { offer: { id: string } }).offer.id === offerId);
        expect((ev.d as { offer: object }).offer).toMatchObject({ id: offerId, showPrice, remaining: 2, pinned: false, status: "active" });
      }
      const order = async (lastTwo: string[]) =>
        (await viewer.waitEvent((e) => e.t === "lineup.changed" && (e.d as { offerIds: string[] }).offerIds.slice(-2).join() === lastTwo.join())).d as {
          offerIds: string[];
        };
      expect((await order([pOffer, qOffer])).offerIds).toEqual([...before, pOffer, qOffer]);

      // The host moves q before p: viewers get the new order.
      const items: { id: string }[] = (await request(server.url, "GET", path(), { cookie: host })).body.lineup.items;
      const ids = items.map((i) => i.id).filter((id) => id !== q.body.item.id);
      ids.splice(ids.indexOf(p.body.item.id), 0, q.body.item.id);
      expect((await request(server.url, "PUT", `${path()}/order`, { cookie: host, body: { itemIds: ids } })).status).toBe(200);
      const reordered = await order([qOffer, pOffer]);
      expect(reordered.offerIds).toEqual([...before, qOffer, pOffer]);
      // A new viewer's snapshot has the same order.
      const late = await ChatClient.open(`${server.url.replace("http", "ws")}/ws/shows/${showId}`);
      const lateSnapshot = late.frames.find((f) => f.t === "snapshot");
      expect(lateSnapshot?.t === "snapshot" && lateSnapshot.d.lineup).toEqual(reordered.offerIds);
      late.close();
    } finally {
      viewer.close();
    }
  });
});
