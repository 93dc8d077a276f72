import { afterAll, beforeAll, describe, expect, it } from "vitest";
import sharp from "sharp";
import { backends } from "../support/db.js";
import { login, request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";

const SHOP = {
  name: "Kiez Kram",
  legalName: "Kiez Kram GmbH",
  address: { line1: "Hauptstr. 1", postalCode: "10115", city: "Berlin", country: "DE" },
  vatId: "DE 123 456 789",
};
const ADMIN = { email: "Admin@Kiez.test", password: "admin password 1", displayName: "Alex Admin" };
const inAnHour = () => new Date(Date.now() + 3600_000).toISOString();

/** From an empty installation (DEMO=0): the first run, shops, the team, the show form and its line-up. */
describe.each(backends)("merchant set-up from an empty installation (%s)", (backend) => {
  let server: TestServer;
  let admin: string;
  let shopId: string;
  let otherShopId: string;
  let otherOwner: string;
  let hostA: { id: string; cookie: string };
  let hostB: { id: string; cookie: string };
  let productId: string;
  let variantId: string;

  async function mailTo(email: string, pattern: RegExp): Promise<string> {
    for (let i = 0; i < 50; i++) {
      await server.services.outbox.processDue();
      const box = await request(server.url, "GET", "/api/dev/mailbox");
      const mail = (box.body.messages as { to: string; text: string }[]).find((m) => m.to === email && pattern.test(m.text));
      if (mail) return /#token=([A-Za-z0-9_-]+)/.exec(mail.text)![1]!;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no mail for ${email}`);
  }
  const sessionOf = (res: { headers: Headers }) =>
    res.headers
      .getSetCookie()
      .find((c) => c.startsWith("sc_session="))!
      .split(";")[0]!;

  async function inviteHost(email: string, name: string, merchantId: string) {
    const sent = await request(server.url, "POST", "/api/admin/invites", { cookie: admin, body: { email, role: "host", merchantId } });
    expect(sent.status).toBe(201);
    const token = await mailTo(email, /accept-invite/);
    const accepted = await request(server.url, "POST", "/api/auth/accept-invite", { body: { token, password: "host password 1", displayName: name } });
    expect(accepted.status).toBe(201);
    return { id: accepted.body.account.id as string, cookie: sessionOf(accepted) };
  }

  beforeAll(async () => {
    server = await startTestServer({ backend, demo: false, synthetic: false, env: { DEV_MAILBOX: "1" } });
  }, 180_000);
  afterAll(async () => server?.close());

  it("sets up the admin and the first shop once, and confirms the admin's address by mail", async () => {
    expect((await request(server.url, "GET", "/api/auth/setup")).body).toEqual({ needed: true });
    const bad = await request(server.url, "POST", "/api/auth/setup", { body: { admin: ADMIN, shop: { ...SHOP, vatId: "123" } } });
    expect([bad.status, bad.body.error.code]).toEqual([400, "invalid_body"]);
    const weak = await request(server.url, "POST", "/api/auth/setup", { body: { admin: { ...ADMIN, password: "short" }, shop: SHOP } });
    expect(weak.status).toBe(400);

    const done = await request(server.url, "POST", "/api/auth/setup", { body: { admin: ADMIN, shop: SHOP } });
    expect(done.status).toBe(201);
    expect(done.body.account).toMatchObject({ role: "admin", email: "admin@kiez.test" });
    expect(done.body.shop).toMatchObject({ name: "Kiez Kram", legalName: "Kiez Kram GmbH", vatId: "DE123456789", currency: "EUR", timeZone: "Europe/Berlin" });
    admin = sessionOf(done);
    shopId = done.body.shop.id;

    const again = await request(server.url, "POST", "/api/auth/setup", { body: { admin: { ...ADMIN, email: "x@y.test" }, shop: SHOP } });
    expect([again.status, again.body.error.code]).toEqual([409, "setup_done"]);
    expect((await request(server.url, "GET", "/api/auth/setup")).body).toEqual({ needed: false });

    expect((await request(server.url, "GET", "/api/auth/email-verification", { cookie: admin })).body).toEqual({ verified: false });
    const token = await mailTo("admin@kiez.test", /verify-email/);
    expect((await request(server.url, "POST", "/api/auth/verify-email", { body: { token } })).status).toBe(200);
    expect((await request(server.url, "GET", "/api/auth/email-verification", { cookie: admin })).body).toEqual({ verified: true });
    expect((await request(server.url, "POST", "/api/auth/verify-email", { body: { token } })).status).toBe(400);
  });

  it("lets the platform admin create further shops and their owners edit details and the logo", async () => {
    const created = await request(server.url, "POST", "/api/admin/merchants", { cookie: admin, body: { ...SHOP, name: "Second Shop" } });
    expect(created.status).toBe(201);
    otherShopId = created.body.shop.id;
    await server.services.accounts.createAccount({
      email: "owner@second.test",
      password: "owner password 1",
      displayName: "Owner",
      role: "merchant",
      merchantId: otherShopId,
    });
    otherOwner = await login(server.url, "owner@second.test", "owner password 1");
    expect((await request(server.url, "POST", "/api/admin/merchants", { cookie: otherOwner, body: SHOP })).status).toBe(403);
    const mine = await request(server.url, "GET", "/api/admin/shop", { cookie: otherOwner });
    expect(mine.body.shop.name).toBe("Second Shop");
    const patched = await request(server.url, "PATCH", "/api/admin/shop", { cookie: otherOwner, body: { timeZone: "Nowhere/Land" } });
    expect([patched.status, patched.body.error.code]).toEqual([400, "invalid_body"]);
    const png = await sharp({ create: { width: 900, height: 300, channels: 3, background: "#e4245b" } })
      .png()
      .toBuffer();
    const logo = await fetch(`${server.url}/api/admin/shop/logo?merchantId=${shopId}`, {
      method: "POST",
      headers: { cookie: admin, "x-showcart-csrf": "1", "content-type": "image/png" },
      body: png,
    });
    expect(logo.status).toBe(200);
    const shop = (await logo.json()).shop;
    expect(shop.logoUrl).toMatch(/^\/media\/merchants\/.+-800\.webp$/);
    expect((await fetch(server.url + shop.logoUrl)).status).toBe(200);
  });

  it("invites hosts by email for a named shop; a host of one shop joins another when signed in", async () => {
    hostA = await inviteHost("ada@hosts.test", "Ada Host", shopId);
    hostB = await inviteHost("bo@hosts.test", "Bo Host", shopId);
    // Ada also hosts for the second shop: the invite goes to her existing account, accepted while signed in.
    const sent = await request(server.url, "POST", "/api/admin/invites", { cookie: otherOwner, body: { email: "ada@hosts.test", role: "host" } });
    expect(sent.status).toBe(201);
    const token = await mailTo("ada@hosts.test", /Second Shop/);
    const info = await request(server.url, "POST", "/api/auth/invite-info", { body: { token } });
    expect(info.body.invite).toMatchObject({ merchantName: "Second Shop", role: "host", existingAccount: true });
    expect((await request(server.url, "POST", "/api/auth/accept-invite", { body: { token } })).status).toBe(401);
    const joined = await request(server.url, "POST", "/api/auth/accept-invite", { cookie: hostA.cookie, body: { token } });
    expect(joined.status).toBe(200);
    const secondHosts = await request(server.url, "GET", "/api/admin/hosts", { cookie: otherOwner });
    expect(secondHosts.body.hosts.map((h: { displayName: string }) => h.displayName)).toEqual(["Ada Host"]);
    const firstHosts = await request(server.url, "GET", `/api/admin/hosts?merchantId=${shopId}`, { cookie: admin });
    expect(firstHosts.body.hosts.map((h: { displayName: string }) => h.displayName)).toEqual(["Ada Host", "Bo Host"]);
    // The list shows the status; revoking is for open invites of the caller's shop.
    const list = await request(server.url, "GET", `/api/admin/invites?merchantId=${shopId}`, { cookie: admin });
    expect(list.body.invites.every((i: { status: string }) => i.status === "accepted")).toBe(true);
    const open = await request(server.url, "POST", "/api/admin/invites", {
      cookie: admin,
      body: { email: "staff@kiez.test", role: "staff", merchantId: shopId },
    });
    expect((await request(server.url, "DELETE", `/api/admin/invites/${open.body.invite.id}`, { cookie: otherOwner })).status).toBe(404);
    expect((await request(server.url, "DELETE", `/api/admin/invites/${open.body.invite.id}`, { cookie: admin })).status).toBe(200);
    const noShop = await request(server.url, "POST", "/api/admin/invites", { cookie: admin, body: { email: "z@kiez.test", role: "host" } });
    expect(noShop.status).toBe(400);
  });

  it("schedules a show with co-hosts and a line-up in one step, refusing bad input without saving anything", async () => {
    const product = await request(server.url, "POST", `/api/admin/products?merchantId=${shopId}`, {
      cookie: admin,
      body: { title: "Kiez hoodie", price: 5900, vatRateBp: 1900, variants: [{ sku: "KH-M", size: "M", stock: 4 }] },
    });
    expect(product.status).toBe(201);
    productId = product.body.product.id;
    variantId = product.body.product.variants[0].id;
    const base = {
      merchantId: shopId,
      title: "Friday drop",
      description: "New hoodies",
      hostAccountId: hostA.id,
      language: "de",
      plannedGames: ["giveaway", "poll"],
    };
    const lineup = [
      { productId, variantId, showPrice: 4900, quantity: 3, perBuyerLimit: 1, startPinned: true },
      { productId, showPrice: 5500, quantity: 10, sellsOnlyWhilePinned: true },
    ];
    const count = async () => (await request(server.url, "GET", `/api/admin/shows?merchantId=${shopId}`, { cookie: admin })).body.shows.length;
    const cases = [
      [{ ...base, startsAtLocal: "2020-01-01T10:00" }, 422, "scheduled_in_past"],
      [{ ...base, scheduledAt: inAnHour(), coHosts: [{ accountId: hostB.id, shareBp: 10_000 }] }, 422, "split_too_high"],
      [{ ...base, scheduledAt: inAnHour(), lineup: [{ ...lineup[0], quantity: 5 }] }, 409, "insufficient_stock"],
      [{ ...base, scheduledAt: inAnHour(), lineup: [{ ...lineup[0], variantId: "var_nope" }] }, 400, "invalid_body"],
      [{ ...base, scheduledAt: inAnHour(), hostAccountId: "acc_nope" }, 400, "invalid_body"],
      [{ ...base, scheduledAt: inAnHour(), coHosts: [{ accountId: hostA.id, shareBp: 10 }] }, 400, "invalid_body"],
      [{ ...base, merchantId: undefined, scheduledAt: inAnHour() }, 400, "invalid_body"],
    ] as const;
    for (const [body, status, code] of cases) {
      const res = await request(server.url, "POST", "/api/admin/shows", { cookie: admin, body });
      expect([res.status, res.body.error?.code], JSON.stringify(body).slice(0, 120)).toEqual([status, code]);
    }
    expect(await count()).toBe(0);

    const created = await request(server.url, "POST", "/api/admin/shows", {
      cookie: admin,
      body: { ...base, startsAtLocal: "2030-06-01T20:00", coHosts: [{ accountId: hostB.id, shareBp: 3000 }], lineup },
    });
    expect(created.status).toBe(201);
    const show = created.body.show;
    // 20:00 in Berlin in summer is 18:00 UTC.
    expect(show).toMatchObject({ scheduledAt: "2030-06-01T18:00:00.000Z", startsAtLocal: "2030-06-01T20:00", timeZone: "Europe/Berlin" });
    expect(show.slug).toMatch(/^friday-drop-[a-z0-9]{4}$/);
    expect(show.hosts).toEqual([
      { accountId: hostA.id, displayName: "Ada Host", shareBp: 7000 },
      { accountId: hostB.id, displayName: "Bo Host", shareBp: 3000 },
    ]);
    expect(show.plannedGames).toEqual(["giveaway", "poll"]);
    expect(show.lineup.map((i: { showPrice: number; state: string }) => [i.showPrice, i.state])).toEqual([
      [4900, "planned"],
      [5500, "planned"],
    ]);
    // Commissions see the split too.
    const split = await request(server.url, "GET", `/api/admin/shows/${show.id}/hosts`, { cookie: admin });
    expect(split.body.hosts).toHaveLength(2);
    // Viewers see it as upcoming, with its description.
    const publicShows = await request(server.url, "GET", "/api/shows");
    expect(publicShows.body.shows.find((s: { id: string }) => s.id === show.id)).toMatchObject({ status: "scheduled", description: "New hoodies" });
    // The host's studio opens its line-up.
    const studio = await request(server.url, "GET", `/api/studio/shows/${show.id}/lineup`, { cookie: hostA.cookie });
    expect(studio.body.lineup.items).toHaveLength(2);
  });

  it("edits, duplicates, filters and cancels; other shops' people get 403", async () => {
    const list = await request(server.url, "GET", `/api/admin/shows?merchantId=${shopId}&status=upcoming`, { cookie: admin });
    const show = list.body.shows[0];
    for (const [method, path] of [
      ["GET", `/api/admin/shows/${show.id}`],
      ["PATCH", `/api/admin/shows/${show.id}`],
      ["POST", `/api/admin/shows/${show.id}/cancel`],
      ["POST", `/api/admin/shows/${show.id}/duplicate`],
    ] as const) {
      for (const cookie of [otherOwner, hostA.cookie]) {
        const res = await request(server.url, method, path, { cookie, body: method === "GET" ? undefined : {} });
        expect([res.status, res.body.error.code], `${method} ${path}`).toEqual([403, "forbidden"]);
      }
    }
    const moved = await request(server.url, "PATCH", `/api/admin/shows/${show.id}`, {
      cookie: admin,
      body: { startsAtLocal: "2030-12-01T20:00", title: "Friday drop (winter)", lineup: [{ productId, variantId, showPrice: 3900, quantity: 2 }] },
    });
    expect(moved.status).toBe(200);
    expect(moved.body.show).toMatchObject({ scheduledAt: "2030-12-01T19:00:00.000Z", title: "Friday drop (winter)" });
    expect(moved.body.show.lineup).toHaveLength(1);
    const past = await request(server.url, "PATCH", `/api/admin/shows/${show.id}`, { cookie: admin, body: { scheduledAt: "2001-01-01T00:00:00Z" } });
    expect([past.status, past.body.error.code]).toEqual([422, "scheduled_in_past"]);

    const copy = await request(server.url, "POST", `/api/admin/shows/${show.id}/duplicate`, { cookie: admin, body: { startsAtLocal: "2031-01-01T20:00" } });
    expect(copy.status).toBe(201);
    expect(copy.body.show).toMatchObject({ title: "Friday drop (winter) (copy)", hostAccountId: hostA.id, status: "scheduled" });
    expect(copy.body.show.hosts).toHaveLength(2);
    expect(copy.body.show.lineup).toHaveLength(1);

    const cancelled = await request(server.url, "POST", `/api/admin/shows/${copy.body.show.id}/cancel`, { cookie: admin });
    expect(cancelled.body.show).toMatchObject({ cancelled: true, status: "ended" });
    const twice = await request(server.url, "POST", `/api/admin/shows/${copy.body.show.id}/cancel`, { cookie: admin });
    expect([twice.status, twice.body.error.code]).toEqual([409, "conflict"]);
    const cancelledList = await request(server.url, "GET", `/api/admin/shows?merchantId=${shopId}&status=cancelled`, { cookie: admin });
    expect(cancelledList.body.shows.map((s: { id: string }) => s.id)).toEqual([copy.body.show.id]);
    const search = await request(server.url, "GET", `/api/admin/shows?merchantId=${shopId}&q=WINTER`, { cookie: admin });
    expect(search.body.shows).toHaveLength(2);
    expect((await request(server.url, "GET", "/api/shows")).body.shows.some((s: { id: string }) => s.id === copy.body.show.id)).toBe(false);

    // A cover, resized like product pictures; not an image is a clear 415.
    const jpeg = await sharp({ create: { width: 1600, height: 900, channels: 3, background: "#336699" } })
      .jpeg()
      .toBuffer();
    const cover = await fetch(`${server.url}/api/admin/shows/${show.id}/cover`, {
      method: "POST",
      headers: { cookie: admin, "x-showcart-csrf": "1", "content-type": "image/jpeg" },
      body: jpeg,
    });
    expect(cover.status).toBe(200);
    const coverUrl = (await cover.json()).show.coverUrl;
    const img = await fetch(server.url + coverUrl);
    expect((await sharp(Buffer.from(await img.arrayBuffer())).metadata()).width).toBe(800);
    const notImage = await fetch(`${server.url}/api/admin/shows/${show.id}/cover`, {
      method: "POST",
      headers: { cookie: admin, "x-showcart-csrf": "1", "content-type": "image/png" },
      body: Buffer.from("not an image"),
    });
    expect(notImage.status).toBe(415);
  });
});
