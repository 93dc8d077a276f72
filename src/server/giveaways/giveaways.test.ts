import { afterEach, describe, expect, it } from "vitest";
import { backends, openTestDb } from "../../../test/support/db.js";
import { commerceFixture } from "../../../test/support/fixtures.js";
import { buyerSource, outcome as code, outboxedTopics, recordEvents } from "../../../test/support/game-fixtures.js";
import { commitmentOf, drawWinners, entrantListHash, fromHex, subtleFairnessCrypto, toHex } from "../../protocol/fairness.js";
import { BuyerService } from "../buyers/index.js";
import { ChatService, MemoryLimiterStore } from "../chat/index.js";
import type { DbHandle } from "../db/index.js";
import { defaultCardFingerprint } from "../orders/index.js";
import { TestPaymentProvider } from "../payments/index.js";
import { RateLimits } from "../platform/rate-limit.js";
import type { AppError } from "../platform/errors.js";
import { GiveawayService, nodeFairnessCrypto } from "./service.js";

describe.each(backends)(
  "giveaways on %s",
  (backend) => {
    let handle: DbHandle;
    let service: GiveawayService | undefined;
    let chat: ChatService | undefined;
    afterEach(async () => {
      service?.stop();
      chat?.rules.close();
      await handle?.close();
    });

    async function setup() {
      handle = await openTestDb(backend);
      const f = await commerceFixture(handle);
      const events = recordEvents(f.bus, ["giveaway.opened", "giveaway.entries", "giveaway.closed", "giveaway.drawn"]);
      const buyers = new BuyerService(f.db, f.clock, new TestPaymentProvider(), defaultCardFingerprint);
      chat = new ChatService({
        db: f.db,
        clock: f.clock,
        bus: f.bus,
        limiter: new MemoryLimiterStore(),
        rateLimits: new RateLimits(),
        clientKey: (ip) => `k:${ip}`,
        shows: f.shows,
        orders: f.orders,
      });
      service = new GiveawayService({ db: f.db, clock: f.clock, bus: f.bus, outbox: f.outbox, coalesceMs: 0, buyers, chat, accounts: f.accounts });
      // Lifecycle events written as outbox rows (topic bus.publish) in the transaction of the change.
      const outboxed = () => outboxedTopics(f.db, "giveaway.");
      return { ...f, giveaways: service, buyers, events, viewer: buyerSource(f, "Viewer"), outboxed };
    }

    it("publishes the commitment at open, freezes entries at close, and reveals a seed that reproduces the draw", async () => {
      const f = await setup();
      const g = await f.giveaways.create(f.show, f.host, { title: "Lipstick set", winners: 2 });
      expect(g.status).toBe("draft");
      expect(g.seed).toBeNull();
      const opened = await f.giveaways.open(g.id, f.host);
      expect(f.events[0]).toMatchObject({ topic: "giveaway.opened", e: { giveaway: { commitment: g.commitment, seed: null } } });
      expect(opened.commitment).toBe(g.commitment);
      const entries = [];
      for (let i = 0; i < 7; i++) entries.push(await f.giveaways.enter(g.id, await f.viewer(), {}, "button", f.show));
      await f.giveaways.flushCounts();
      expect(f.events.filter((e) => e.topic === "giveaway.entries").at(-1)?.e).toMatchObject({ entries: 7 });

      const closed = await f.giveaways.close(g.id, f.host.id);
      const ids = entries.map((e) => e.id);
      expect(closed.listHash).toBe(toHex(await entrantListHash(ids, nodeFairnessCrypto.sha256)));
      expect(await code(f.giveaways.enter(g.id, await f.viewer(), {}, "button", f.show))).toBe("giveaway_closed");

      const drawn = await f.giveaways.draw(g.id, f.host);
      expect(drawn.status).toBe("drawn");
      expect(drawn.winners).toHaveLength(2);
      const seedHex = drawn.seed as string;
      // The commitment published before entries opened is the hash of the revealed seed…
      expect(await commitmentOf(fromHex(seedHex), subtleFairnessCrypto().sha256)).toBe(g.commitment);
      // …and the browser's WebCrypto recomputes the same winners from the published verification data.
      const v = await f.giveaways.verification(g.id);
      expect(v.entrants).toEqual([...ids].sort());
      const again = await drawWinners(fromHex(v.seed as string), v.entrants as string[], v.winnerCount, subtleFairnessCrypto());
      expect(again.winners).toEqual(v.winners);
      expect(drawn.winners.map((w) => w.entryId)).toEqual(v.winners);
      expect(f.events.at(-1)).toMatchObject({ topic: "giveaway.drawn", e: { seed: seedHex, listHash: closed.listHash } });

      const log = await f.giveaways.auditLog(g.id);
      expect(log.map((r) => r.type)).toEqual(["created", "opened", ...ids.map(() => "entry"), "closed", "drawn", "revealed"]);
      expect(await code(f.giveaways.draw(g.id, f.host))).toBe("conflict"); // drawn once

      // Opened, closed and drawn went through the outbox with their changes; the entry counts did not.
      expect((await f.outboxed()).sort()).toEqual(["giveaway.closed", "giveaway.drawn", "giveaway.opened"]);
      // A refused change writes and publishes nothing.
      const before = f.events.length;
      expect(await code(f.giveaways.open(g.id, f.host))).toBe("conflict");
      expect(await code(f.giveaways.close(g.id, f.host.id))).toBe("ok"); // idempotent: already past closing
      expect(f.events.length).toBe(before);
      expect(await f.outboxed()).toHaveLength(3);
    });

    it("reproduces every draw: 15 giveaways with different entrant counts", async () => {
      const f = await setup();
      const people = await Promise.all(Array.from({ length: 12 }, () => f.viewer()));
      for (let t = 0; t < 15; t++) {
        const g = await f.giveaways.create(f.show, f.host, { title: `G${t}`, winners: 1 + (t % 3) });
        await f.giveaways.open(g.id, f.host);
        for (const p of people.slice(0, 1 + (t % people.length))) await f.giveaways.enter(g.id, p, {}, "button");
        const drawn = await f.giveaways.draw(g.id, f.host);
        const v = await f.giveaways.verification(g.id);
        const again = await drawWinners(fromHex(v.seed as string), v.entrants as string[], v.winnerCount, nodeFairnessCrypto);
        expect(again.winners).toEqual(drawn.winners.map((w) => w.entryId));
        expect(await commitmentOf(fromHex(v.seed as string), nodeFairnessCrypto.sha256)).toBe(v.commitment);
      }
    });

    it("keeps the seed secret until the draw", async () => {
      const f = await setup();
      const g = await f.giveaways.create(f.show, f.host, { title: "Secret" });
      await f.giveaways.open(g.id, f.host);
      await f.giveaways.enter(g.id, await f.viewer(), {}, "button");
      expect((await f.giveaways.view(g.id)).seed).toBeNull();
      expect((await f.giveaways.verification(g.id)).seed).toBeNull();
      expect((await f.giveaways.verification(g.id)).entrants).toBeNull(); // not frozen yet
      await f.giveaways.close(g.id, f.host.id);
      expect((await f.giveaways.verification(g.id)).seed).toBeNull();
      expect((await f.giveaways.verification(g.id)).entrants).toHaveLength(1);
    });

    it("closes the entry window by the injected clock", async () => {
      const f = await setup();
      const g = await f.giveaways.create(f.show, f.host, { title: "Timed", durationSeconds: 60 });
      const opened = await f.giveaways.open(g.id, f.host);
      expect(opened.closesAt).toBe(new Date(f.clock.now().getTime() + 60_000).toISOString());
      f.clock.advance(59_999);
      expect(await code(f.giveaways.enter(g.id, await f.viewer(), {}, "button"))).toBe("ok");
      expect(await f.giveaways.closeDue()).toBe(0);
      f.clock.advance(1);
      // At closesAt exactly the window is shut, even before the sweeper ran.
      expect(await code(f.giveaways.enter(g.id, await f.viewer(), {}, "button"))).toBe("giveaway_closed");
      expect(await f.giveaways.closeDue()).toBe(1);
      expect((await f.giveaways.view(g.id)).status).toBe("closed");
      expect((await f.giveaways.view(g.id)).entries).toBe(1);
    });

    it("takes one entry per account, also under concurrency", async () => {
      const f = await setup();
      const g = await f.giveaways.create(f.show, f.host, { title: "Once" });
      await f.giveaways.open(g.id, f.host);
      const a = await f.viewer();
      const results = await Promise.all(Array.from({ length: 20 }, () => code(f.giveaways.enter(g.id, a, {}, "button"))));
      expect(results.filter((r) => r === "ok")).toHaveLength(1);
      expect(results.filter((r) => r === "already_entered")).toHaveLength(19);
      const others = await Promise.all(Array.from({ length: 25 }, () => f.viewer()));
      const many = await Promise.all(others.map((o) => code(f.giveaways.enter(g.id, o, {}, "button"))));
      expect(many.every((r) => r === "ok")).toBe(true);
      expect((await f.giveaways.view(g.id)).entries).toBe(26);
    });

    it("entries racing the close are either in the frozen list or refused", async () => {
      const f = await setup();
      const g = await f.giveaways.create(f.show, f.host, { title: "Race" });
      await f.giveaways.open(g.id, f.host);
      const people = await Promise.all(Array.from({ length: 30 }, () => f.viewer()));
      const entering = people.map((p) =>
        f.giveaways.enter(g.id, p, {}, "button").then(
          (e) => e.id,
          (e: AppError) => e.code,
        ),
      );
      const closing = f.giveaways.close(g.id, f.host.id);
      const [results, closed] = await Promise.all([Promise.all(entering), closing]);
      const accepted = results.filter((r) => r.startsWith("gve_"));
      expect(results.filter((r) => !r.startsWith("gve_")).every((r) => r === "giveaway_closed")).toBe(true);
      expect(closed.listHash).toBe(toHex(await entrantListHash(accepted, nodeFairnessCrypto.sha256)));
    });

    it("checks eligibility: country (saved address first, else declared), 18+ confirmation, not the show's own team", async () => {
      const f = await setup();
      const g = await f.giveaways.create(f.show, f.host, { title: "DACH only", allowedCountries: ["DE", "AT", "CH"], requireAdult: true });
      await f.giveaways.open(g.id, f.host);
      const a = await f.viewer();
      expect(await code(f.giveaways.enter(g.id, a, { country: "DE" }, "button"))).toBe("not_eligible"); // no 18+ confirmation
      expect(await code(f.giveaways.enter(g.id, a, { adultConfirmed: true }, "button"))).toBe("not_eligible"); // no country
      expect(await code(f.giveaways.enter(g.id, a, { country: "FR", adultConfirmed: true }, "button"))).toBe("not_eligible");
      expect(await code(f.giveaways.enter(g.id, a, { country: "AT", adultConfirmed: true }, "button"))).toBe("ok");
      // A saved address outranks the declaration.
      const b = await f.viewer();
      await f.buyers.saveAddress(b.id, { name: "B", line1: "Rue 1", postalCode: "75001", city: "Paris", country: "FR" });
      expect(await code(f.giveaways.enter(g.id, b, { country: "DE", adultConfirmed: true }, "button"))).toBe("not_eligible");
      expect(await code(f.giveaways.enter(g.id, f.host, { country: "DE", adultConfirmed: true }, "button", f.show))).toBe("not_eligible");
    });

    it("enters a signed-in viewer whose chat message has the keyword", async () => {
      const f = await setup();
      const g = await f.giveaways.create(f.show, f.host, { title: "Chat", keyword: "WIN" });
      await f.giveaways.open(g.id, f.host);
      const a = await f.viewer();
      const post = async (id: string, accountId: string | null, text: string, role = "viewer") => {
        await f.db
          .insertInto("chat_messages")
          .values({ id, show_id: f.show.id, author: "A", role, text, created_at: f.clock.now(), account_id: accountId, device_id: null, client_key: null })
          .execute();
        return f.giveaways.onChatPosted({ showId: f.show.id, id, role, text });
      };
      expect(await post("msg_1", a.id, "hello")).toBeNull();
      expect((await post("msg_2", a.id, "I want to win!"))?.via).toBe("chat");
      expect(await post("msg_3", a.id, "win")).toBeNull(); // already in
      expect(await post("msg_4", null, "win")).toBeNull(); // guests cannot enter
      expect((await f.giveaways.view(g.id)).entries).toBe(1);
    });
  },
  180_000,
); // PGlite setup (all migrations) is slow on a shared two-core machine
