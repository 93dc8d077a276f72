import { afterEach, describe, expect, it } from "vitest";
import { backends, openTestDb } from "../../../test/support/db.js";
import type { DbHandle } from "../db/index.js";
import { ManualClock } from "../platform/clock.js";
import { Outbox, retryDelayMs } from "./service.js";

const silent = { warn() {}, error() {}, info() {}, debug() {}, child() { return silent; } } as never;

describe.each(backends)("outbox on %s", (backend) => {
  let handle: DbHandle;
  afterEach(async () => handle?.close());

  it("delivers a committed row once, and nothing from a rolled-back transaction", async () => {
    handle = await openTestDb(backend);
    const clock = new ManualClock();
    const outbox = new Outbox(handle.db, clock, silent);
    const sent: string[] = [];
    outbox.handle("email.send", async (m) => void sent.push(m.subject));
    await handle.db.transaction().execute((tx) => outbox.enqueue(tx, "email.send", { to: "a@b.de", subject: "kept", text: "" }));
    await handle.db
      .transaction()
      .execute(async (tx) => {
        await outbox.enqueue(tx, "email.send", { to: "a@b.de", subject: "rolled back", text: "" });
        throw new Error("abort");
      })
      .catch(() => undefined);
    expect(await outbox.processDue()).toBe(1);
    expect(await outbox.processDue()).toBe(0);
    expect(sent).toEqual(["kept"]);
    expect(await outbox.pending()).toBe(0);
  });

  it("retries a failed delivery after an exponentially growing delay", async () => {
    handle = await openTestDb(backend);
    const clock = new ManualClock();
    const outbox = new Outbox(handle.db, clock, silent);
    let calls = 0;
    outbox.handle("email.send", async () => {
      calls++;
      if (calls < 3) throw new Error("smtp down");
    });
    await outbox.enqueue(handle.db, "email.send", { to: "a@b.de", subject: "s", text: "" });
    expect(await outbox.processDue()).toBe(0);
    expect(calls).toBe(1);
    expect(await outbox.processDue()).toBe(0); // not due yet
    expect(calls).toBe(1);
    clock.advance(retryDelayMs(1));
    expect(await outbox.processDue()).toBe(0);
    clock.advance(retryDelayMs(2));
    expect(await outbox.processDue()).toBe(1);
    expect(calls).toBe(3);
    expect(retryDelayMs(2)).toBe(2 * retryDelayMs(1));
  });
});
