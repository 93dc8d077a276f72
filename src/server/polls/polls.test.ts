import { afterEach, describe, expect, it } from "vitest";
import { backends, openTestDb } from "../../../test/support/db.js";
import { commerceFixture } from "../../../test/support/fixtures.js";
import { buyerSource, outcome as code, outboxedTopics, recordEvents } from "../../../test/support/game-fixtures.js";
import type { DbHandle } from "../db/index.js";
import { PollService } from "./service.js";

describe.each(backends)(
  "polls on %s",
  (backend) => {
    let handle: DbHandle;
    let service: PollService | undefined;
    afterEach(async () => {
      service?.stop();
      await handle?.close();
    });

    async function setup() {
      handle = await openTestDb(backend);
      const f = await commerceFixture(handle);
      const events = recordEvents(f.bus, ["poll.opened", "poll.counted", "poll.closed"]);
      service = new PollService({ db: f.db, clock: f.clock, bus: f.bus, outbox: f.outbox, catalog: f.catalog, offers: f.offers, coalesceMs: 0 });
      // Lifecycle events written as outbox rows (topic bus.publish) in the transaction of the change.
      const outboxed = () => outboxedTopics(f.db, "poll.");
      return { ...f, polls: service, events, viewer: buyerSource(f, "Voter"), outboxed };
    }

    it("counts one vote per account (also concurrently), publishes coalesced counts and stores the result", async () => {
      const f = await setup();
      const p = await f.polls.create(f.show, f.host, { question: "Red or blue?", options: [{ label: "Red" }, { label: "Blue" }, { label: "Green" }] });
      expect(await code(f.polls.vote(p.id, await f.viewer(), p.options[0].id))).toBe("poll_closed"); // still a draft
      await f.polls.open(p.id, f.host);
      const [red, blue] = p.options;
      const a = await f.viewer();
      const same = await Promise.all(Array.from({ length: 10 }, () => code(f.polls.vote(p.id, a, blue.id))));
      expect(same.filter((r) => r === "ok")).toHaveLength(1);
      expect(same.filter((r) => r === "already_voted")).toHaveLength(9);
      const others = await Promise.all(Array.from({ length: 6 }, () => f.viewer()));
      await Promise.all(others.map((o, i) => f.polls.vote(p.id, o, i < 2 ? blue.id : red.id)));
      expect(await code(f.polls.vote(p.id, a, red.id))).toBe("already_voted");
      expect(await code(f.polls.vote(p.id, await f.viewer(), "pop_nope"))).toBe("invalid_body");
      await f.polls.flushCounts();
      const counted = f.events.filter((e) => e.topic === "poll.counted");
      expect(counted).toHaveLength(1); // 7 votes, one event
      expect(counted[0].e).toMatchObject({ counts: { [blue.id]: 3, [red.id]: 4 }, total: 7 });

      const closed = await f.polls.close(p.id, f.host.id);
      expect(closed.winnerOptionId).toBe(red.id);
      expect(closed.options.map((o) => o.votes)).toEqual([4, 3, 0]);
      expect(await code(f.polls.vote(p.id, await f.viewer(), red.id))).toBe("poll_closed");
      // Stored: the counts are columns now, read back the same after the votes table is left alone.
      const stored = await f.db.selectFrom("poll_options").select(["id", "votes"]).where("poll_id", "=", p.id).orderBy("position").execute();
      expect(stored.map((o) => o.votes)).toEqual([4, 3, 0]);
      expect((await f.polls.auditLog(p.id)).map((r) => r.type).filter((t) => t !== "vote")).toEqual(["created", "opened", "closed"]);

      // Opened and closed went through the outbox with their changes; the live counts did not. A refused change writes nothing.
      expect((await f.outboxed()).sort()).toEqual(["poll.closed", "poll.opened"]);
      const before = f.events.length;
      expect(await code(f.polls.open(p.id, f.host))).toBe("conflict");
      await f.polls.close(p.id, f.host.id);
      expect(f.events.length).toBe(before);
      expect(await f.outboxed()).toHaveLength(2);
    });

    it("hides the counts of a Eurovision-style poll from viewers until close (and sends no live counts)", async () => {
      const f = await setup();
      const p = await f.polls.create(f.show, f.host, { question: "Secret?", options: [{ label: "A" }, { label: "B" }], hiddenResults: true });
      await f.polls.open(p.id, f.host);
      await f.polls.vote(p.id, await f.viewer(), p.options[1].id);
      await f.polls.flushCounts();
      expect(f.events.filter((e) => e.topic === "poll.counted")).toHaveLength(0);
      const viewerView = await f.polls.current(f.show.id);
      expect(viewerView?.options.map((o) => o.votes)).toEqual([null, null]);
      expect(viewerView?.totalVotes).toBeNull();
      expect((await f.polls.view(p.id, { reveal: true })).options.map((o) => o.votes)).toEqual([0, 1]); // the studio sees them
      await f.polls.close(p.id, null);
      expect((await f.polls.current(f.show.id))?.options.map((o) => o.votes)).toEqual([0, 1]);
      expect(f.events.at(-1)).toMatchObject({ topic: "poll.closed", e: { poll: { winnerOptionId: p.options[1].id } } });
    });

    it("closes by the injected clock; a tie goes to the option listed first; no votes, no winner", async () => {
      const f = await setup();
      const p = await f.polls.create(f.show, f.host, { question: "Tie?", options: [{ label: "A" }, { label: "B" }], durationSeconds: 30 });
      await f.polls.open(p.id, f.host);
      await f.polls.vote(p.id, await f.viewer(), p.options[1].id);
      await f.polls.vote(p.id, await f.viewer(), p.options[0].id);
      f.clock.advance(29_999);
      expect(await f.polls.closeDue()).toBe(0);
      f.clock.advance(1);
      expect(await code(f.polls.vote(p.id, await f.viewer(), p.options[0].id))).toBe("poll_closed");
      expect(await f.polls.closeDue()).toBe(1);
      expect((await f.polls.view(p.id, { reveal: false })).winnerOptionId).toBe(p.options[0].id);

      const empty = await f.polls.create(f.show, f.host, { question: "Anyone?", options: [{ label: "A" }, { label: "B" }] });
      await f.polls.open(empty.id, f.host);
      expect((await f.polls.close(empty.id, f.host.id)).winnerOptionId).toBeNull();
    });

    it("a 'which product next?' poll pins the winning product as an offer on the studio's terms", async () => {
      const f = await setup();
      const other = await f.catalog.createProduct({
        merchantId: f.merchant.id,
        title: "Other thing",
        description: "",
        imageUrl: "",
        price: 2500,
        currency: "EUR",
      });
      expect(
        await code(
          f.polls.create(f.show, f.host, {
            question: "Next?",
            options: [{ productId: f.product.id }, { label: "Surprise" }],
            pinWinner: { showPrice: 500, quantity: 3, durationSeconds: 600 },
          }),
        ),
      ).toBe("invalid_body");
      const p = await f.polls.create(f.show, f.host, {
        question: "Next?",
        options: [{ productId: f.product.id }, { productId: other.id }],
        pinWinner: { showPrice: 1900, quantity: 5, durationSeconds: 600 },
      });
      expect(p.options.map((o) => o.label)).toEqual(["Thing", "Other thing"]);
      await f.polls.open(p.id, f.host);
      await f.polls.vote(p.id, await f.viewer(), p.options[1].id);
      const closed = await f.polls.close(p.id, f.host.id);
      expect(closed.pinnedOfferId).toBeTruthy();
      // poll.closed at the close, and again once the winner is pinned (with the offer).
      const closedEvents = f.events.filter((e) => e.topic === "poll.closed").map((e) => (e.e as { poll: { pinnedOfferId: string | null } }).poll.pinnedOfferId);
      expect(closedEvents).toEqual([null, closed.pinnedOfferId]);
      const offer = await f.offers.offer(closed.pinnedOfferId as string);
      expect(offer).toMatchObject({ productId: other.id, showPrice: 1900, remaining: 5, pinned: true });
    });
  },
  180_000, // PGlite setup (all migrations) is slow on a shared two-core machine
);
