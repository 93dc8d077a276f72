import { beforeAll, describe, expect, it, vi } from "vitest";

type MessagesModule = typeof import("./messages.js");
let m: MessagesModule;

beforeAll(async () => {
  // lang.ts reads the browser's language and storage when loaded.
  vi.stubGlobal("document", { documentElement: {} });
  vi.stubGlobal("localStorage", { getItem: () => null, setItem: () => undefined });
  vi.stubGlobal("navigator", { languages: ["en-GB"], language: "en-GB" });
  m = await import("./messages.js");
});

describe("defineMessages", () => {
  it("substitutes {vars} and keeps a placeholder that has no value", () => {
    const text = m.defineMessages({ hi: "Hi {name}, {missing}" }, { hi: "Hallo {name}, {missing}" });
    expect(text.format("en", "hi", { name: "Ada" })).toBe("Hi Ada, {missing}");
    expect(text.format("de", "hi", { name: "Ada" })).toBe("Hallo Ada, {missing}");
    expect(text.format("en", "hi")).toBe("Hi {name}, {missing}");
  });

  it("says 1 bid and 2 bids, 1 Gebot and 2 Gebote", () => {
    const text = m.defineMessages({ bids: { one: "{n} bid", other: "{n} bids" } }, { bids: { one: "{n} Gebot", other: "{n} Gebote" } });
    expect([0, 1, 2].map((n) => text.format("en", "bids", { n }))).toEqual(["0 bids", "1 bid", "2 bids"]);
    expect([0, 1, 2].map((n) => text.format("de", "bids", { n }))).toEqual(["0 Gebote", "1 Gebot", "2 Gebote"]);
    expect(text.format("en", "bids")).toBe("{n} bids");
  });

  it("looks a key up in the first dictionary that has it", () => {
    const core = m.defineMessages({ a: "core a", b: "core b" }, { a: "Kern a", b: "Kern b" });
    const page = m.combineMessages(m.defineMessages({ a: "page a" }, { a: "Seite a" }), core);
    expect(page.format("de", "a")).toBe("Seite a");
    expect(page.format("de", "b")).toBe("Kern b");
    expect(page.has("b")).toBe(true);
    expect(page.has("c")).toBe(false);
  });
});
