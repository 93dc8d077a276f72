import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { backends, openTestDb } from "../../../test/support/db.js";
import { commerceFixture, orderBody } from "../../../test/support/fixtures.js";
import type { DbHandle } from "../db/index.js";
import { OrderService } from "../orders/index.js";
import { TEST_CARD_OK, TestPaymentProvider } from "../payments/index.js";
import { AppError } from "../platform/errors.js";
import { WaitlistService, entryKey } from "./service.js";

const code = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (e: unknown) => (e instanceof AppError ? e.code : String(e)),
  );

describe.each(backends)("waitlist on %s", (backend) => {
  let handle: DbHandle;
  afterEach(async () => handle?.close());

  async function setup(quantity: number) {
    handle = await openTestDb(backend);
    const f = await commerceFixture(handle);
    const announced: { offerId: string; entryKey: string }[] = [];
    f.bus.subscribe("waitlist.offered", (e) => announced.push(e));
    const waitlist = new WaitlistService({
      db: f.db,
      clock: f.clock,
      outbox: f.outbox,
      offers: f.offers,
      claimUrl: (showId, orderId) => `http://shop.test/shows/${showId}?claim=${orderId}`,
      entryUrl: (showId, entryId) => `http://shop.test/shows/${showId}?waitlist=${entryId}#wt=token`,
    });
    // Joins that made (or own) an entry; the tests below join with fresh emails.
    const join = async (offerId: string, who: { email: string; accountId: string | null; lang?: "de" | "en" }) => {
      const joined = await waitlist.join(offerId, who);
      if (!joined.mine) throw new Error(`${who.email} already waits`);
      return joined.entry;
    };
    const orders = new OrderService({
      db: f.db,
      clock: f.clock,
      offers: f.offers,
      payments: new TestPaymentProvider(),
      outbox: f.outbox,
    });
    waitlist.subscribeToOrders(orders);
    f.commissions.subscribeToOrders(orders, f.shows);
    const offer = await f.offers.create(f.show.id, f.product, { showPrice: 900, quantity, durationSeconds: 3600, pin: true });
    // sold + held + available = quantity, whatever happened.
    const invariant = async () => {
      const r = await f.db
        .selectFrom("orders")
        .select(sql<number>`coalesce(sum(quantity - refunded_quantity), 0)`.as("n"))
        .where("offer_id", "=", offer.id)
        .where("status", "in", ["pending_payment", "paid", "fulfilled", "delivered"])
        .executeTakeFirstOrThrow();
      return Number(r.n) + (await f.offers.offer(offer.id)).remaining;
    };
    return { ...f, waitlist, join, orders, offer, announced, invariant };
  }

  it("offers released units to the waitlist in order as timed claims, then back on sale", async () => {
    const f = await setup(2);
    expect(await code(f.join(f.offer.id, { email: "early@example.com", accountId: null }))).toBe("conflict"); // not sold out yet
    const a = await f.orders.placeOrder(orderBody(f.offer.id), "wl-a");
    await f.orders.placeOrder(orderBody(f.offer.id, { buyer: { name: "B", email: "b@example.com" } }), "wl-b");
    const alice = await f.join(f.offer.id, { email: "Alice@example.com", accountId: null });
    const bob = await f.join(f.offer.id, { email: "bob@example.com", accountId: null });
    // Once per email; joining again names no entry, and Alice's address gets the link to hers.
    expect(await f.waitlist.join(f.offer.id, { email: "alice@EXAMPLE.com", accountId: null })).toEqual({ mine: false, emailed: true });
    const link = (await f.db.selectFrom("outbox").select("payload").where("topic", "=", "email.send").execute())
      .map((m) => JSON.parse(m.payload))
      .find((p) => p.to === "alice@example.com");
    expect(link?.text).toContain(`?waitlist=${alice.id}#wt=`);
    expect([alice.position, bob.position]).toEqual([1, 2]);

    // A refund before shipping: the unit goes to Alice, not back on sale.
    await f.orders.refund(a.order.id);
    expect((await f.offers.offer(f.offer.id)).remaining).toBe(0);
    const offered = await f.waitlist.entry(alice.id);
    expect(offered.status).toBe("offered");
    expect(offered.claim).not.toBeNull();
    expect(Date.parse(offered.claim!.expiresAt) - f.clock.now().getTime()).toBe(2 * 60_000);
    expect(f.announced).toEqual([{ showId: f.show.id, offerId: f.offer.id, entryKey: entryKey(alice.id) }]);
    const mail = await f.db.selectFrom("outbox").select("payload").where("topic", "=", "email.send").execute();
    expect(mail.map((m) => JSON.parse(m.payload)).find((p) => p.to === "alice@example.com" && p.text.includes("?claim="))?.text).toContain(
      `?claim=${offered.claim!.orderId}`,
    );
    expect((await f.waitlist.entry(bob.id)).position).toBe(1);
    expect(await f.invariant()).toBe(2);

    // Alice lets the claim lapse: it moves on to Bob.
    f.clock.advance(2 * 60_000 + 1);
    expect(await f.orders.expireHolds()).toBe(1);
    expect((await f.waitlist.entry(alice.id)).status).toBe("lapsed");
    const bobs = await f.waitlist.entry(bob.id);
    expect(bobs.status).toBe("offered");
    expect(await f.invariant()).toBe(2);

    // Bob claims it: pays his hold with his details.
    const paid = await f.orders.pay(
      bobs.claim!.orderId,
      { number: TEST_CARD_OK },
      { buyer: { name: "Bob", email: "bob@example.com" }, shipping: orderBody(f.offer.id).shipping! },
    );
    expect(paid).toMatchObject({ status: "paid", quantity: 1, unitPrice: 900 });
    expect((await f.waitlist.entry(bob.id)).status).toBe("claimed");

    // Nobody waits any more: the next released unit goes back on sale.
    await f.orders.refund(paid.id);
    expect((await f.offers.offer(f.offer.id)).remaining).toBe(1);
    expect(await f.invariant()).toBe(2);
  });

  it("hands an entry to the signed-in account that joined, never to another account with the same email", async () => {
    const f = await setup(1);
    await f.orders.placeOrder(orderBody(f.offer.id), "wl-sold");
    const [owner, other] = await Promise.all(
      ["owner", "other"].map((n) =>
        f.accounts.createAccount({ email: `${n}@example.com`, password: "a long password", displayName: n, role: "buyer", merchantId: null }),
      ),
    );
    const mine = await f.join(f.offer.id, { email: "owner@example.com", accountId: owner!.id });
    expect(await f.waitlist.join(f.offer.id, { email: "owner@example.com", accountId: owner!.id })).toEqual({ mine: true, entry: mine });
    expect(await f.waitlist.join(f.offer.id, { email: "OWNER@example.com", accountId: other!.id })).toEqual({ mine: false, emailed: true });
    expect(await f.waitlist.ownerAccountId(mine.id)).toBe(owner!.id);
  });

  it("gives a cancelled hold's units to the waitlist and the rest back on sale", async () => {
    const f = await setup(3);
    const hold = await f.orders.placeOrder({ offerId: f.offer.id, quantity: 3 }, "wl-hold");
    const only = await f.join(f.offer.id, { email: "only@example.com", accountId: null });
    await f.orders.cancel(hold.order.id);
    expect((await f.waitlist.entry(only.id)).status).toBe("offered");
    expect((await f.offers.offer(f.offer.id)).remaining).toBe(2);
    expect(await f.invariant()).toBe(3);
  });

  it("writes the claim email in the language the buyer joined in, with an HTML part", async () => {
    const f = await setup(2);
    const hold = await f.orders.placeOrder({ offerId: f.offer.id, quantity: 2 }, "wl-lang-hold");
    const de = await f.join(f.offer.id, { email: "greta@example.com", accountId: null, lang: "de" });
    const en = await f.join(f.offer.id, { email: "ann@example.com", accountId: null });
    await f.orders.cancel(hold.order.id);
    const mails = (await f.db.selectFrom("outbox").select("payload").where("topic", "=", "email.send").execute()).map(
      (m) => JSON.parse(m.payload) as { to: string; subject: string; text: string; html: string },
    );
    const greta = mails.find((m) => m.to === "greta@example.com")!;
    expect(greta.subject).toBe(`Showcart: ${f.offer.title} ist für dich da`);
    expect(greta.text).toContain(`?claim=${(await f.waitlist.entry(de.id)).claim!.orderId}`);
    expect(greta.html).toContain('<html lang="de">');
    expect(mails.find((m) => m.to === "ann@example.com")!.subject).toBe(`Showcart: ${f.offer.title} is available for you`);
    expect((await f.waitlist.entry(en.id)).status).toBe("offered");
  });
});
