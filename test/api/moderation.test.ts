import fs from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Account } from "../../src/server/accounts/index.js";
import {
  ChatModeration,
  ChatService,
  MemoryLimiterStore,
  RedisLimiterStore,
  type ChatLimits,
  type ChatSender,
  type LimiterStore,
} from "../../src/server/chat/index.js";
import { WordFilter, containsLink, effectiveWords } from "../../src/server/chat/blocked-words.js";
import type { DbHandle } from "../../src/server/db/index.js";
import { type BusEvents, RedisBus } from "../../src/server/platform/bus.js";
import { AppError } from "../../src/server/platform/errors.js";
import { RateLimits } from "../../src/server/platform/rate-limit.js";
import { backends, openTestDb } from "../support/db.js";
import { commerceFixture, orderBody } from "../support/fixtures.js";
import { until } from "../support/until.js";

// Real databases on a shared 2-core machine: generous per-test time.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const limiterKinds: ("memory" | "redis")[] = process.env.TEST_REDIS_URL ? ["memory", "redis"] : ["memory"];
const newLimiter = (kind: "memory" | "redis"): LimiterStore =>
  kind === "redis" ? new RedisLimiterStore(process.env.TEST_REDIS_URL!, `showcart-test:${Math.random().toString(36).slice(2)}:`) : new MemoryLimiterStore();
// The per-address flood limit counts in RateLimits (wall clock), in the same kind of store.
const newRateLimits = (kind: "memory" | "redis") =>
  kind === "redis"
    ? new RateLimits({ redisUrl: process.env.TEST_REDIS_URL!, prefix: `showcart-test:${Math.random().toString(36).slice(2)}` })
    : new RateLimits();

/** The code a promise is refused with (AppError), or "ok". */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "ok";
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
}

describe("chat text rules (normalisation)", () => {
  const filter = new WordFilter(effectiveWords([], []));
  it.each([
    ["FUCK this", "fuck"],
    ["f.u.c.k", "fuck"],
    ["f u c k you", "fuck"],
    ["fuuuuuck", "fuck"],
    ["sh1t", "shit"],
    ["5h17", "shit"],
    ["@sshole", "ashole"],
    ["Arschl0ch", "arschloch"],
    ["Scheiße!", "scheise"],
    ["SCHEISSE", "scheise"],
    ["Hürensöhn", "hurensohn"],
    ["ｆｕｃｋ", "fuck"],
  ])("blocks %j", (text, word) => {
    expect(filter.find(text)).toBe(word);
  });
  it.each(["class act", "Scunthorpe United", "as you like", "assistant", "Hello, passt schon", "Betrachtung", "shiitake", "I am a fan"])(
    "leaves %j alone",
    (text) => expect(filter.find(text)).toBeNull(),
  );
  it("takes the merchant's own words (with * for prefixes) and lets it allow default ones", () => {
    const own = new WordFilter(effectiveWords(["knallkopf", "spam*"], ["scam"]));
    expect(own.find("du Knallkopf")).toBe("knalkopf");
    expect(own.find("spammer here")).toBe("spam");
    expect(own.find("this is a scam")).toBeNull();
  });
  it.each([
    ["see https://evil.test/x", true],
    ["visit www.example.org", true],
    ["cheap at example.com now", true],
    ["shop.de", true],
    ["evil(.)com", true],
    ["evil [dot] com", true],
    ["ｅｘａｍｐｌｅ．ｃｏｍ", true],
    ["t.me/scam", true],
    ["Done. De nada", false],
    ["version 1.5 is fine", false],
    ["z.B. die Tasse", false],
    ["nice mug!", false],
  ])("link in %j: %s", (text, yes) => {
    expect(containsLink(text)).toBe(yes);
  });
});

describe("chat rendering", () => {
  it("puts chat text into the page as text nodes only: no HTML injection API in the chat and moderation panels", () => {
    for (const file of ["src/web/chat/ChatPanel.tsx", "src/web/chat/ModerationPanel.tsx"]) {
      const source = fs.readFileSync(new URL(`../../${file}`, import.meta.url), "utf8");
      expect(source).not.toMatch(/dangerouslySetInnerHTML|innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    }
  });
});

describe.each(limiterKinds)("limiter store (%s)", (kind) => {
  let store: LimiterStore;
  afterEach(async () => store?.close());
  it("counts hits per fixed window and says how long to wait", async () => {
    store = newLimiter(kind);
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i++) expect(await store.hit("k", 3, 1000, t0 + i)).toBe(0);
    expect(await store.hit("k", 3, 1000, t0 + 400)).toBe(600);
    expect(await store.hit("other", 3, 1000, t0 + 400)).toBe(0);
    expect(await store.hit("k", 3, 1000, t0 + 1000)).toBe(0);
  });
  it("lets one through per cooldown interval", async () => {
    store = newLimiter(kind);
    expect(await store.cooldown("c", 5000, 10_000)).toBe(0);
    expect(await store.cooldown("c", 5000, 12_000)).toBe(3000);
    expect(await store.cooldown("c", 5000, 15_000)).toBe(0);
    expect(await store.cooldown("c", 5000, 15_001)).toBe(4999);
  });
});

describe.each(backends.flatMap((b) => limiterKinds.map((l) => [b, l] as const)))("chat moderation on %s with %s limits", (backend, limiterKind) => {
  // One database for the block; every test gets its own merchant, host and show (rules are per merchant and show).
  let handle: DbHandle;
  const closers: (() => unknown)[] = [];
  beforeAll(async () => {
    handle = await openTestDb(backend);
  });
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });
  afterAll(async () => handle?.close());

  async function setup(limits: Partial<ChatLimits> = {}) {
    const f = await commerceFixture(handle);
    const limiter = newLimiter(limiterKind);
    const rateLimits = newRateLimits(limiterKind);
    closers.push(() => rateLimits.close());
    const node = (l: LimiterStore = limiter) => {
      const chat = new ChatService({
        db: f.db,
        clock: f.clock,
        bus: f.bus,
        limiter: l,
        rateLimits,
        clientKey: (ip) => `k:${ip}`,
        limits,
        shows: f.shows,
        orders: f.orders,
      });
      const moderation = new ChatModeration({ db: f.db, clock: f.clock, bus: f.bus, rules: chat.rules });
      closers.push(() => chat.rules.close());
      return { chat, moderation };
    };
    const { chat, moderation } = node();
    closers.push(() => limiter.close());
    const events: { topic: keyof BusEvents; e: unknown }[] = [];
    for (const topic of ["chat.deleted", "chat.pinned", "chat.unpinned", "chat.posted"] as const) f.bus.subscribe(topic, (e) => events.push({ topic, e }));
    const manage = await moderation.context(f.host, f.show.id, "manage");
    let n = 0;
    const guest = (over: Partial<ChatSender> = {}): ChatSender => ({
      account: null,
      name: `Guest ${++n}`,
      deviceId: `device-${n}-abcdefghijklmnop`,
      ip: `10.0.0.${n}`,
      connectionId: `conn-${n}`,
      ...over,
    });
    const signedIn = async (role: Account["role"] = "buyer") => {
      const a = await f.accounts.createAccount({
        email: `u${++n}-${Math.random()}@t.test`,
        password: "pw-123456",
        displayName: `User ${n}`,
        role,
        merchantId: null,
      });
      return { account: a, sender: guest({ account: a, name: a.displayName }) };
    };
    return { ...f, chat, moderation, manage, events, guest, signedIn, node, limiter, rateLimits };
  }

  it("limits messages per user per window, and per client address across users", async () => {
    const f = await setup({ userLimit: 3, userWindowMs: 5000, ipLimit: 5, ipWindowMs: 10_000 });
    const ann = f.guest({ ip: "10.1.1.1" });
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push(await outcome(f.chat.post(f.show.id, ann, `hi ${i}`)));
    expect(codes).toEqual(["ok", "ok", "ok", "rate_limited"]);
    // Other people behind the same address: 5 per 10 s for the address in all.
    const bob = f.guest({ ip: "10.1.1.1" });
    expect(await outcome(f.chat.post(f.show.id, bob, "hello"))).toBe("ok");
    expect(await outcome(f.chat.post(f.show.id, bob, "hello 2"))).toBe("rate_limited");
    expect(await outcome(f.chat.post(f.show.id, f.guest({ ip: "10.1.1.2" }), "elsewhere"))).toBe("ok");
    // The per-user window follows the injected clock; the address limit is a wall-clock flood limit and still holds.
    f.clock.advance(10_000);
    expect(await outcome(f.chat.post(f.show.id, ann, "later, same address"))).toBe("rate_limited");
    expect(await outcome(f.chat.post(f.show.id, { ...ann, ip: "10.1.1.3" }, "later"))).toBe("ok");
    // The host is never limited.
    for (let i = 0; i < 8; i++) await f.chat.post(f.show.id, f.guest({ account: f.host, ip: "10.1.1.1" }), `host ${i}`);
  });

  it("holds the per-user limit across nodes sharing the limiter store", async () => {
    const f = await setup({ userLimit: 2 });
    const other = f.node();
    const ann = f.guest();
    expect(await outcome(f.chat.post(f.show.id, ann, "1"))).toBe("ok");
    expect(await outcome(other.chat.post(f.show.id, ann, "2"))).toBe("ok");
    expect(await outcome(f.chat.post(f.show.id, ann, "3"))).toBe("rate_limited");
  });

  it("slow mode: one message per N seconds per user, with the wait in the error; staff exempt", async () => {
    const f = await setup();
    await f.moderation.updateSettings(f.manage, { slowModeSeconds: 30 });
    const ann = f.guest();
    expect(await outcome(f.chat.post(f.show.id, ann, "first"))).toBe("ok");
    f.clock.advance(10_000);
    const err = await f.chat.post(f.show.id, ann, "second").catch((e: AppError) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("chat_slow_mode");
    expect((err as AppError).status).toBe(429);
    expect((err as AppError).details).toEqual({ retryAfterMs: 20_000 });
    expect(await outcome(f.chat.post(f.show.id, f.guest(), "someone else"))).toBe("ok");
    f.clock.advance(20_000);
    expect(await outcome(f.chat.post(f.show.id, ann, "third"))).toBe("ok");
    const host = f.guest({ account: f.host });
    expect(await outcome(f.chat.post(f.show.id, host, "a"))).toBe("ok");
    expect(await outcome(f.chat.post(f.show.id, host, "b"))).toBe("ok");
  });

  it("signed-in mode refuses guests; buyers-only mode lets in accounts with a paid order from this merchant", async () => {
    const f = await setup();
    await f.moderation.updateSettings(f.manage, { mode: "signed_in" });
    const { account, sender } = await f.signedIn();
    expect(await outcome(f.chat.post(f.show.id, f.guest(), "guest"))).toBe("unauthenticated");
    expect(await outcome(f.chat.post(f.show.id, sender, "member"))).toBe("ok");
    await f.moderation.updateSettings(f.manage, { mode: "buyers" });
    expect(await outcome(f.chat.post(f.show.id, sender, "not yet a buyer"))).toBe("chat_buyers_only");
    expect(await outcome(f.chat.post(f.show.id, f.guest(), "guest"))).toBe("chat_buyers_only");
    const offer = await f.offers.create(f.show.id, f.product, { showPrice: 500, quantity: 5, durationSeconds: 600, pin: true });
    const placed = await f.orders.placeOrder(orderBody(offer.id), `k-${Math.random()}`, { accountId: account.id });
    expect(placed.order.status).toBe("paid");
    expect(await outcome(f.chat.post(f.show.id, sender, "now a buyer"))).toBe("ok");
  });

  it("moderators appointed by the host delete and time out, but cannot ban; others are refused", async () => {
    const f = await setup();
    const mod = await f.signedIn();
    const stranger = await f.signedIn();
    await expect(f.moderation.context(mod.account, f.show.id, "moderate")).rejects.toMatchObject({ code: "forbidden" });
    await f.moderation.addModerator(f.manage, mod.account.email.toUpperCase());
    const ctx = await f.moderation.context(mod.account, f.show.id, "moderate");
    expect(ctx.power).toBe("moderate");
    await expect(f.moderation.context(mod.account, f.show.id, "manage")).rejects.toMatchObject({ code: "forbidden" });
    await expect(f.moderation.context(stranger.account, f.show.id, "moderate")).rejects.toMatchObject({ code: "forbidden" });
    const posted = await f.chat.post(f.show.id, mod.sender, "I keep order here, see https://rules.example.com");
    expect(posted.role).toBe("moderator");
    const bad = await f.chat.post(f.show.id, f.guest(), "buy my stuff");
    await f.moderation.deleteMessage(ctx, bad.id);
    expect((await f.chat.recent(f.show.id)).map((m) => m.id)).not.toContain(bad.id);
    await f.moderation.removeModerator(f.manage, (await f.moderation.view(f.manage)).moderators[0]!.id);
    await expect(f.moderation.context(mod.account, f.show.id, "moderate")).rejects.toMatchObject({ code: "forbidden" });
  });

  it("appoints by email: the same answer whether or not an account exists, no account details; a later sign-up moderates", async () => {
    const f = await setup();
    const existing = await f.signedIn();
    const later = `later-${Math.random().toString(36).slice(2)}@t.test`;
    const known = await f.moderation.addModerator(f.manage, existing.account.email);
    const unknown = await f.moderation.addModerator(f.manage, `  ${later.toUpperCase()} `);
    expect(Object.keys(known).sort()).toEqual(["email", "id"]);
    expect(Object.keys(unknown).sort()).toEqual(["email", "id"]);
    expect(known.email).toBe(existing.account.email);
    expect(unknown.email).toBe(later);
    const listed = (await f.moderation.view(f.manage)).moderators;
    expect(listed).toHaveLength(2);
    expect(listed).toEqual(expect.arrayContaining([known, unknown]));
    // Appointing the same email again changes nothing and answers the same appointment.
    expect(await f.moderation.addModerator(f.manage, later)).toEqual(unknown);
    const account = await f.accounts.createAccount({ email: later, password: "pw-123456", displayName: "Late", role: "buyer", merchantId: null });
    expect((await f.moderation.context(account, f.show.id, "moderate")).power).toBe("moderate");
  });

  it("deletes a message for everyone: gone from recent chat, chat.deleted on the bus", async () => {
    const f = await setup();
    const a = await f.chat.post(f.show.id, f.guest(), "keep me");
    const b = await f.chat.post(f.show.id, f.guest(), "delete me");
    await f.moderation.deleteMessage(f.manage, b.id);
    expect((await f.chat.recent(f.show.id)).map((m) => m.text)).toEqual(["keep me"]);
    expect(f.events.filter((e) => e.topic === "chat.deleted").map((e) => e.e)).toEqual([{ showId: f.show.id, ids: [b.id] }]);
    await expect(f.moderation.deleteMessage(f.manage, "msg_nope")).rejects.toMatchObject({ code: "not_found" });
    expect(a.id).toBeTruthy();
  });

  it("timeouts mute the author for N minutes in this show only", async () => {
    const f = await setup();
    const ann = f.guest();
    const msg = await f.chat.post(f.show.id, ann, "annoying");
    await f.moderation.timeout(f.manage, msg.id, 5);
    const err = (await f.chat.post(f.show.id, ann, "again").catch((e) => e)) as AppError;
    expect(err.code).toBe("chat_muted");
    expect(err.status).toBe(403);
    expect(err.details).toEqual({ retryAfterMs: 300_000 });
    const otherShow = await f.shows.createShow({
      merchantId: f.merchant.id,
      hostAccountId: f.host.id,
      slug: `o-${Math.random().toString(36).slice(2, 8)}`,
      title: "Other",
      commissionRateBp: 0,
    });
    expect(await outcome(f.chat.post(otherShow.id, ann, "elsewhere"))).toBe("ok");
    f.clock.advance(5 * 60_000);
    expect(await outcome(f.chat.post(f.show.id, ann, "back"))).toBe("ok");
  });

  it("bans by account hold in every show of the merchant and remove the author's recent messages on request", async () => {
    const f = await setup();
    const troll = await f.signedIn();
    const m1 = await f.chat.post(f.show.id, troll.sender, "one");
    const m2 = await f.chat.post(f.show.id, troll.sender, "two");
    const other = await f.chat.post(f.show.id, f.guest(), "innocent");
    const res = await f.moderation.ban(f.manage, m2.id, { by: ["account"], deleteRecentMinutes: 10 });
    expect(res.deleted.sort()).toEqual([m1.id, m2.id].sort());
    expect((await f.chat.recent(f.show.id)).map((m) => m.id)).toEqual([other.id]);
    // Same account from another device and address: still banned; in another show of the merchant too.
    const elsewhere = { ...troll.sender, deviceId: "another-device-123456789", ip: "192.168.9.9" };
    expect(await outcome(f.chat.post(f.show.id, elsewhere, "hi"))).toBe("chat_banned");
    const otherShow = await f.shows.createShow({
      merchantId: f.merchant.id,
      hostAccountId: f.host.id,
      slug: `b-${Math.random().toString(36).slice(2, 8)}`,
      title: "Other",
      commissionRateBp: 0,
    });
    expect(await outcome(f.chat.post(otherShow.id, elsewhere, "hi"))).toBe("chat_banned");
    // Lifted: may chat again.
    const bans = await f.moderation.restrictions(f.manage);
    expect(bans.map((b) => b.by).sort()).toEqual(["account", "device"]);
    for (const b of bans) await f.moderation.lift(f.manage, b.id);
    expect(await outcome(f.chat.post(f.show.id, elsewhere, "sorry"))).toBe("ok");
  });

  it("bans guests by device id, and by client address", async () => {
    const f = await setup();
    const guest = f.guest({ ip: "10.9.9.9" });
    const m = await f.chat.post(f.show.id, guest, "spam");
    await f.moderation.ban(f.manage, m.id, { by: ["device"], deleteRecentMinutes: 0 });
    expect(await outcome(f.chat.post(f.show.id, guest, "spam again"))).toBe("chat_banned");
    expect(await outcome(f.chat.post(f.show.id, { ...guest, deviceId: null }, "new device, same address"))).toBe("ok");
    const fresh = f.guest({ ip: "10.9.9.10" });
    const m2 = await f.chat.post(f.show.id, fresh, "spam");
    await f.moderation.ban(f.manage, m2.id, { by: ["ip"] });
    expect(await outcome(f.chat.post(f.show.id, { ...fresh, deviceId: "brand-new-device-000000" }, "new device"))).toBe("chat_banned");
    // Staff cannot be banned, nor can a moderator ban.
    const hostMsg = await f.chat.post(f.show.id, f.guest({ account: f.host }), "host here");
    await expect(f.moderation.ban(f.manage, hostMsg.id, {})).rejects.toMatchObject({ code: "forbidden" });
  });

  it("a ban on one node refuses the next message on another node at once (cache dropped by the bus event)", async () => {
    const f = await setup();
    const nodeB = f.node();
    const ann = f.guest();
    expect(await outcome(nodeB.chat.post(f.show.id, ann, "warming node B's cache"))).toBe("ok");
    const m = await f.chat.post(f.show.id, ann, "bad");
    await f.moderation.ban(f.manage, m.id, { by: ["device"] });
    expect(await outcome(nodeB.chat.post(f.show.id, ann, "on node B"))).toBe("chat_banned");
    await f.moderation.updateSettings(f.manage, { slowModeSeconds: 60 });
    expect((await nodeB.chat.rules.forShow(f.show.id)).settings.slowModeSeconds).toBe(60);
  });

  it.runIf(process.env.TEST_REDIS_URL)("with Redis pub/sub between two nodes: a ban and a setting made on one hold on the other", async () => {
    const f = await setup();
    const prefix = `showcart-test:${Math.random().toString(36).slice(2)}:`;
    const busA = new RedisBus(process.env.TEST_REDIS_URL!, prefix);
    const busB = new RedisBus(process.env.TEST_REDIS_URL!, prefix);
    closers.push(
      () => busA.close(),
      () => busB.close(),
    );
    const make = (bus: RedisBus) => {
      const chat = new ChatService({
        db: f.db,
        clock: f.clock,
        bus,
        limiter: f.limiter,
        rateLimits: f.rateLimits,
        clientKey: (ip) => `k:${ip}`,
        shows: f.shows,
        orders: f.orders,
      });
      closers.push(() => chat.rules.close());
      return { chat, moderation: new ChatModeration({ db: f.db, clock: f.clock, bus, rules: chat.rules }) };
    };
    const a = make(busA);
    const b = make(busB);
    // Redis pub/sub delivers only to subscriptions already made: wait until B hears A.
    let heard = false;
    closers.push(
      busB.subscribe("chat.rules.changed", (e) => {
        if (e.merchantId === "probe") heard = true;
      }),
    );
    await until(
      "node B subscribed",
      async () => {
        await busA.publish("chat.rules.changed", { merchantId: "probe", showId: null });
        return heard;
      },
      10_000,
      100,
    );
    const ann = f.guest();
    expect(await outcome(b.chat.post(f.show.id, ann, "cached on B"))).toBe("ok");
    const m = await a.chat.post(f.show.id, ann, "bad on A");
    const ctx = await a.moderation.context(f.host, f.show.id, "manage");
    await a.moderation.ban(ctx, m.id, { by: ["device"], deleteRecentMinutes: 0 });
    await until("ban seen on node B", async () => (await outcome(b.chat.post(f.show.id, ann, "on B"))) === "chat_banned", 10_000, 50);
    await a.moderation.updateSettings(ctx, { linksAllowed: true });
    await until("setting seen on node B", async () => (await b.chat.rules.forShow(f.show.id)).settings.linksAllowed, 10_000, 50);
  });

  it("refuses blocked words after normalisation; the merchant edits the list", async () => {
    const f = await setup();
    expect(await outcome(f.chat.post(f.show.id, f.guest(), "what a f.u.c.k.i.n.g deal"))).toBe("chat_blocked_word");
    expect(await outcome(f.chat.post(f.show.id, f.guest(), "Du Arschl0ch"))).toBe("chat_blocked_word");
    expect(await outcome(f.chat.post(f.show.id, f.guest(), "classic mug, I assume?"))).toBe("ok");
    expect(await outcome(f.chat.post(f.show.id, f.guest(), "Knallkopp!"))).toBe("ok");
    expect(await outcome(f.chat.post(f.show.id, f.guest({ name: "Sh1tlord 5h17" }), "hi"))).toBe("chat_blocked_word");
    await f.moderation.setWords(f.manage, ["knallkopp"], ["scam"]);
    expect(await outcome(f.chat.post(f.show.id, f.guest(), "K n a l l k o p p"))).toBe("chat_blocked_word");
    expect(await outcome(f.chat.post(f.show.id, f.guest(), "is this a scam?"))).toBe("ok");
    const view = await f.moderation.view(await f.moderation.context(f.host, f.show.id, "manage"));
    expect(view.words).toMatchObject({ block: ["knallkopp"], allow: ["scam"] });
    expect(view.words.defaults.de).toContain("arschloch");
  });

  it("enforces the maximum length (in characters, not UTF-16 units) and strips control and bidi characters", async () => {
    const f = await setup();
    expect(await outcome(f.chat.post(f.show.id, f.guest(), "x".repeat(281)))).toBe("invalid_body");
    expect(await outcome(f.chat.post(f.show.id, f.guest(), "😀".repeat(280)))).toBe("ok");
    expect(await outcome(f.chat.post(f.show.id, f.guest(), "\u0000\u200b\u202e "))).toBe("invalid_body");
    const m = await f.chat.post(f.show.id, f.guest(), "abc\u202Egpj.exe\u0007 \ud800 ok");
    expect(m.text).toBe("abc gpj.exe \ufffd ok");
  });

  it("blocks links from viewers unless the host allows them; the host and moderators may post links", async () => {
    const f = await setup();
    expect(await outcome(f.chat.post(f.show.id, f.guest(), "cheaper at evil-shop.com"))).toBe("chat_link_blocked");
    expect(await outcome(f.chat.post(f.show.id, f.guest(), "go to https://x.test"))).toBe("chat_link_blocked");
    expect(await outcome(f.chat.post(f.show.id, f.guest({ name: "cheap-deals.com" }), "hi"))).toBe("chat_link_blocked");
    expect(await outcome(f.chat.post(f.show.id, f.guest({ account: f.host }), "our shop: https://shop.example.com"))).toBe("ok");
    await f.moderation.updateSettings(f.manage, { linksAllowed: true });
    expect(await outcome(f.chat.post(f.show.id, f.guest(), "cheaper at evil-shop.com"))).toBe("ok");
  });

  it("pins one host message, announces pin and unpin, and keeps it in the rules for snapshots", async () => {
    const f = await setup();
    const pinned = await f.moderation.pin(f.manage, "  Free shipping tonight!  ");
    expect(pinned).toMatchObject({ text: "Free shipping tonight!", author: f.host.displayName });
    expect((await f.chat.rules.forShow(f.show.id)).pinned).toEqual(pinned);
    await f.moderation.unpin(f.manage);
    expect((await f.chat.rules.forShow(f.show.id)).pinned).toBeNull();
    expect(f.events.filter((e) => e.topic === "chat.pinned" || e.topic === "chat.unpinned").map((e) => e.topic)).toEqual(["chat.pinned", "chat.unpinned"]);
  });

  it("collects viewer reports into a queue (one per reporter), dismissed or resolved by acting", async () => {
    const f = await setup();
    const a = await f.chat.post(f.show.id, f.guest(), "rude one");
    const b = await f.chat.post(f.show.id, f.guest(), "borderline");
    const r1 = f.guest();
    const r2 = f.guest();
    await f.chat.report(f.show.id, r1, a.id, "abuse");
    await f.chat.report(f.show.id, r1, a.id, "abuse");
    await f.chat.report(f.show.id, r2, a.id, "spam");
    await f.chat.report(f.show.id, r2, b.id, "other");
    await expect(f.chat.report(f.show.id, r2, "msg_unknown", "spam")).rejects.toMatchObject({ code: "not_found" });
    let queue = await f.moderation.reports(f.show.id);
    expect(queue.map((q) => [q.message.text, q.count])).toEqual([
      ["rude one", 2],
      ["borderline", 1],
    ]);
    await f.moderation.timeout(f.manage, a.id, 10);
    await f.moderation.dismissReport(f.manage, queue[1]!.id);
    queue = await f.moderation.reports(f.show.id);
    expect(queue).toEqual([]);
  });
});
