import { createECDH, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { backends, openTestDb } from "../../../test/support/db.js";
import { silentLog } from "../../../test/support/fixtures.js";
import { PUSH_ENDPOINT_CA, PushEndpoint } from "../../../test/support/push-endpoint.js";
import type { DbHandle } from "../db/index.js";
import { AccountService } from "../accounts/index.js";
import { Outbox } from "../outbox/index.js";
import { MemoryBus } from "../platform/bus.js";
import { ManualClock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { SecretBox } from "../simulcast/index.js";
import { PushSubscriptionAccess } from "./access.js";
import { MAX_SUBSCRIPTIONS_PER_OWNER, PushService, type PushableNotice } from "./service.js";
import { VAPID_FILE, loadVapidKeys } from "./vapid.js";

const code = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (e: unknown) => (e instanceof AppError ? e.code : String(e)),
  );

const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), "showcart-push-"));

/** A browser-side subscription (keys only) at `endpoint`. */
function browserSubscription(endpoint: string) {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  return { endpoint, keys: { p256dh: ecdh.getPublicKey().toString("base64url"), auth: randomBytes(16).toString("base64url") } };
}

const notice = (showId: string): PushableNotice => ({
  kind: "show.live",
  key: `show.live:${showId}`,
  show: { id: showId, title: "Sneaker drop", coverUrl: null, shopName: "Kicks", hostName: "Mia" },
  url: `http://localhost/shows/sneakers`,
});

describe.each(backends)("web push on %s", (backend) => {
  let handle: DbHandle;
  let endpoint: PushEndpoint;
  const dirs: string[] = [];
  const clock = new ManualClock("2026-06-01T18:00:00Z");
  const box = new SecretBox(randomBytes(32));

  beforeAll(async () => {
    [handle, endpoint] = await Promise.all([openTestDb(backend), PushEndpoint.start()]);
  });
  afterAll(async () => {
    await Promise.all([handle?.close(), endpoint?.close()]);
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  describe("VAPID keys", () => {
    it("are generated on the first start into DATA_DIR (mode 600) and the database, and every later start and node reuses them", async () => {
      const [a, b] = [tmpDir(), tmpDir()];
      dirs.push(a, b);
      const first = await loadVapidKeys({ db: handle.db, clock, dataDir: a, box });
      expect(first.source).toBe("generated");
      expect(Buffer.from(first.keys.publicKey, "base64url")).toHaveLength(65);
      const file = path.join(a, VAPID_FILE);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual(first.keys);
      // The database holds the private key sealed, never as written in the file.
      const row = await handle.db.selectFrom("push_vapid_keys").selectAll().executeTakeFirstOrThrow();
      expect(row.public_key).toBe(first.keys.publicKey);
      expect(row.private_key_sealed).not.toContain(first.keys.privateKey);

      // A restart, and a second node with its own DATA_DIR on the same database: the same pair.
      const again = await loadVapidKeys({ db: handle.db, clock, dataDir: a, box });
      const otherNode = await loadVapidKeys({ db: handle.db, clock, dataDir: b, box });
      expect(again).toMatchObject({ keys: first.keys, source: "database", fileDiffers: false });
      expect(otherNode).toMatchObject({ keys: first.keys, source: "database" });
      expect(JSON.parse(fs.readFileSync(path.join(b, VAPID_FILE), "utf8"))).toEqual(first.keys);

      // Another secrets key cannot open the pair: a node with the pair in its DATA_DIR uses that copy, a node without
      // one says so instead of signing with a pair of its own.
      const otherKey = new SecretBox(randomBytes(32));
      expect((await loadVapidKeys({ db: handle.db, clock, dataDir: b, box: otherKey })).keys).toEqual(first.keys);
      const c = tmpDir();
      dirs.push(c);
      await expect(loadVapidKeys({ db: handle.db, clock, dataDir: c, box: otherKey })).rejects.toThrow(/same SECRETS_KEY/);
    });

    it("a database without the pair takes the one in DATA_DIR (a restored data directory keeps its subscribers)", async () => {
      const other = await openTestDb(backend);
      try {
        const dir = tmpDir();
        dirs.push(dir);
        const existing = (await loadVapidKeys({ db: handle.db, clock, dataDir: dir, box })).keys;
        const restored = await loadVapidKeys({ db: other.db, clock, dataDir: dir, box });
        expect(restored).toMatchObject({ keys: existing, source: "file" });
      } finally {
        await other.close();
      }
    });
  });

  describe("subscriptions and delivery", () => {
    let push: PushService;
    let outbox: Outbox;
    let accountIds: string[];
    const guestTokens = new Map<string, string>();

    beforeAll(async () => {
      const accounts = new AccountService(handle.db, clock);
      accountIds = [];
      for (const n of ["ann", "ben"])
        accountIds.push(
          (await accounts.createAccount({
            email: `${n}-${Math.random()}@push.test`,
            password: "a long password",
            displayName: n,
            role: "buyer",
            merchantId: null,
          }))!.id,
        );
      outbox = new Outbox(handle.db, clock, silentLog, new MemoryBus());
      const keys = (await loadVapidKeys({ db: handle.db, clock, dataDir: tmpDir(), box })).keys;
      push = new PushService({
        db: handle.db,
        clock,
        outbox,
        log: silentLog,
        keys,
        subject: "mailto:ops@shop.test",
        access: new PushSubscriptionAccess(randomBytes(32)),
        allowPrivate: true,
        ca: PUSH_ENDPOINT_CA,
        // A stand-in for the reminders module's door: the token a guest's "Remind me" answer gave.
        guestReminder: async (id, token) => guestTokens.get(id) === token,
      });
    });
    afterEach(async () => {
      await handle.db.deleteFrom("push_subscriptions").execute();
      await handle.db.deleteFrom("outbox").execute();
    });
    afterAll(() => push?.close());

    const queue = (showId: string, recipients: Parameters<PushService["queue"]>[2]) =>
      handle.db.transaction().execute((tx) => push.queue(tx, notice(showId), recipients));
    const sendAll = async () => {
      const rows = await handle.db.selectFrom("outbox").select(["id", "payload"]).where("topic", "=", "push.send").where("processed_at", "is", null).execute();
      const outcomes = [];
      for (const r of rows) outcomes.push(await push.deliver(JSON.parse(r.payload)));
      return outcomes;
    };

    it("sends one VAPID-signed, encrypted message per browser, which the push service decrypts to the notice", async () => {
      const [ann, ben] = accountIds as [string, string];
      const annPhone = endpoint.subscribe(push.publicKey);
      const annLaptop = endpoint.subscribe(push.publicKey);
      await push.subscribe({ subscription: annPhone, lang: "de" }, { accountId: ann });
      await push.subscribe({ subscription: annLaptop }, { accountId: ann });
      // Ann's phone also asked for a guest reminder before she signed in: it still gets the notice once.
      guestTokens.set("rem_guest1", "tok");
      await push.subscribe({ subscription: annPhone, reminder: { id: "rem_guest1", token: "tok" } }, { accountId: null });
      await queue("shw_push1", [
        { subscription: { kind: "follow", id: "fol_1" }, accountId: ann, lang: "en" },
        { subscription: { kind: "reminder", id: "rem_guest1" }, accountId: null, lang: "en" },
        { subscription: { kind: "follow", id: "fol_2" }, accountId: ben, lang: "en" },
      ]);
      expect(await sendAll()).toEqual(["sent", "sent"]);
      const phone = endpoint.messagesFor(annPhone.id);
      const laptop = endpoint.messagesFor(annLaptop.id);
      expect(phone).toHaveLength(1);
      expect(laptop).toHaveLength(1);
      expect(JSON.parse(phone[0]!.text)).toEqual({
        v: 1,
        kind: "show.live",
        title: "Jetzt live: Sneaker drop",
        body: "Mia ist für Kicks live. Tippe zum Zuschauen.",
        url: "http://localhost/shows/sneakers",
        tag: "show:shw_push1",
        image: null,
        lang: "de",
      });
      expect(JSON.parse(laptop[0]!.text)).toMatchObject({ title: "Live now: Sneaker drop", lang: "en" });
      expect(phone[0]).toMatchObject({
        ttl: 3600,
        urgency: "high",
        topic: "shw_push1",
        vapid: { aud: endpoint.origin, sub: "mailto:ops@shop.test", k: push.publicKey },
      });
      expect(endpoint.refused).toEqual([]);
    });

    it("deletes a subscription (every owner's row for that browser) when the push service answers 410 or 404, and retries 5xx", async () => {
      const [ann, ben] = accountIds as [string, string];
      const gone = endpoint.subscribe(push.publicKey);
      const expired = endpoint.subscribe(push.publicKey);
      const busy = endpoint.subscribe(push.publicKey);
      await push.subscribe({ subscription: gone }, { accountId: ann });
      await push.subscribe({ subscription: gone }, { accountId: ben });
      await push.subscribe({ subscription: expired }, { accountId: ben });
      const busyRow = await push.subscribe({ subscription: busy }, { accountId: ann });
      endpoint.answer(gone.id, 410);
      endpoint.answer(expired.id, 404);
      endpoint.answer(busy.id, 503);
      await queue("shw_push2", [
        { subscription: { kind: "follow", id: "fol_1" }, accountId: ann, lang: "en" },
        { subscription: { kind: "follow", id: "fol_2" }, accountId: ben, lang: "en" },
      ]);
      const rows = await handle.db.selectFrom("outbox").select("payload").where("topic", "=", "push.send").execute();
      expect(rows).toHaveLength(3);
      const outcomes = await Promise.all(rows.map((r) => push.deliver(JSON.parse(r.payload)).catch((e: Error) => e.message)));
      expect(outcomes.sort()).toEqual(["gone", "gone", "push service answered 503"]);
      const left = await handle.db.selectFrom("push_subscriptions").select(["id", "endpoint"]).execute();
      expect(left).toEqual([{ id: busyRow.subscription.id, endpoint: busy.endpoint }]);
    });

    it("refuses a guest without the reminder's token, and an anonymous call without a reminder", async () => {
      guestTokens.set("rem_guest2", "right");
      const sub = browserSubscription(endpoint.subscribe().endpoint);
      expect(await code(push.subscribe({ subscription: sub, reminder: { id: "rem_guest2", token: "wrong" } }, { accountId: null }))).toBe("push_access_denied");
      expect(await code(push.subscribe({ subscription: sub }, { accountId: null }))).toBe("unauthenticated");
      expect(await code(push.subscribe({ subscription: sub, reminder: { id: "rem_guest2", token: "right" } }, { accountId: null }))).toBe("ok");
    });

    it("refuses keys that are not a P-256 point", async () => {
      const sub = browserSubscription(endpoint.subscribe().endpoint);
      const notOnCurve = Buffer.alloc(65, 1);
      notOnCurve[0] = 4;
      expect(
        await code(
          push.subscribe({ subscription: { ...sub, keys: { ...sub.keys, p256dh: notOnCurve.toString("base64url") } } }, { accountId: accountIds[0]! }),
        ),
      ).toBe("invalid_body");
    });

    it(`keeps the newest ${MAX_SUBSCRIPTIONS_PER_OWNER} subscriptions of an owner, and one row per browser`, async () => {
      const ann = accountIds[0]!;
      const first = browserSubscription(endpoint.subscribe().endpoint);
      const firstRow = await push.subscribe({ subscription: first }, { accountId: ann });
      // The same browser again (new keys): the same row.
      expect((await push.subscribe({ subscription: { ...first, keys: browserSubscription(first.endpoint).keys } }, { accountId: ann })).subscription.id).toBe(
        firstRow.subscription.id,
      );
      for (let i = 0; i < MAX_SUBSCRIPTIONS_PER_OWNER; i++) {
        clock.advance(1000);
        await push.subscribe({ subscription: browserSubscription(endpoint.subscribe().endpoint) }, { accountId: ann });
      }
      const rows = await handle.db.selectFrom("push_subscriptions").select("id").where("account_id", "=", ann).execute();
      expect(rows).toHaveLength(MAX_SUBSCRIPTIONS_PER_OWNER);
      expect(rows.map((r) => r.id)).not.toContain(firstRow.subscription.id);
    });

    it("removes a subscription for its account or its token only", async () => {
      const [ann, ben] = accountIds as [string, string];
      const mine = await push.subscribe({ subscription: browserSubscription(endpoint.subscribe().endpoint) }, { accountId: ann });
      const id = mine.subscription.id;
      expect(await code(push.unsubscribe(id, { accountId: ben, token: undefined }))).toBe("push_access_denied");
      expect(await code(push.unsubscribe(id, { accountId: null, token: undefined }))).toBe("unauthenticated");
      expect(await code(push.unsubscribe(id, { accountId: null, token: "forged" }))).toBe("push_access_denied");
      expect(await code(push.unsubscribe(id, { accountId: null, token: mine.token }))).toBe("ok");
      expect(await code(push.unsubscribe(id, { accountId: ann, token: undefined }))).toBe("not_found");
    });

    it("forgets a guest reminder's subscriptions with the reminder", async () => {
      guestTokens.set("rem_guest3", "t3");
      await push.subscribe(
        { subscription: browserSubscription(endpoint.subscribe().endpoint), reminder: { id: "rem_guest3", token: "t3" } },
        { accountId: null },
      );
      await handle.db.transaction().execute((tx) => push.forgetReminder(tx, "rem_guest3"));
      expect(await handle.db.selectFrom("push_subscriptions").select("id").where("reminder_id", "=", "rem_guest3").execute()).toEqual([]);
    });
  });

  it("refuses endpoints on internal addresses unless PUSH_ALLOW_PRIVATE, at subscribe and at send", async () => {
    const accounts = new AccountService(handle.db, clock);
    const acc = (await accounts.createAccount({
      email: `ssrf-${Math.random()}@push.test`,
      password: "a long password",
      displayName: "x",
      role: "buyer",
      merchantId: null,
    }))!;
    const dir = tmpDir();
    dirs.push(dir);
    const strict = new PushService({
      db: handle.db,
      clock,
      outbox: new Outbox(handle.db, clock, silentLog, new MemoryBus()),
      log: silentLog,
      keys: (await loadVapidKeys({ db: handle.db, clock, dataDir: dir, box })).keys,
      subject: "mailto:ops@shop.test",
      access: new PushSubscriptionAccess(randomBytes(32)),
      allowPrivate: false,
      ca: PUSH_ENDPOINT_CA,
    });
    try {
      for (const url of ["https://127.0.0.1:4443/push/x", "https://localhost/push/x", "https://[::1]/push/x", "https://10.1.2.3/push/x"])
        expect(await code(strict.subscribe({ subscription: browserSubscription(url) }, { accountId: acc.id })), url).toBe("invalid_body");
      // A row that got in anyway (stored while allowed) is not sent to.
      const sub = endpoint.subscribe(strict.publicKey);
      await handle.db
        .insertInto("push_subscriptions")
        .values({ id: "psub_internal", endpoint: sub.endpoint, ...sub.keys, account_id: acc.id, reminder_id: null, lang: null, created_at: clock.now() })
        .execute();
      expect(await strict.deliver({ subscriptionId: "psub_internal", payload: strict.payload(notice("shw_x"), "en"), ttlSeconds: 60, topic: "x" })).toBe(
        "refused",
      );
      expect(endpoint.messagesFor(sub.id)).toEqual([]);
    } finally {
      strict.close();
    }
  });
});
