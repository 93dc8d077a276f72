import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";

type MessagesModule = typeof import("./messages.js");
let m: MessagesModule;
let auction: typeof import("../games/AuctionText.js");
let game: typeof import("../games/GiveawayText.js");
let core: typeof import("./coreText.js");
let order: typeof import("../orders/orderText.js");
let admin: typeof import("../admin/adminText.js");

beforeAll(async () => {
  // lang.ts reads the browser's language and storage when loaded.
  vi.stubGlobal("document", { documentElement: {} });
  vi.stubGlobal("localStorage", { getItem: () => null, setItem: () => undefined });
  vi.stubGlobal("navigator", { languages: ["en-GB"], language: "en-GB" });
  m = await import("./messages.js");
  [auction, game, core, order, admin] = await Promise.all([
    import("../games/AuctionText.js"),
    import("../games/GiveawayText.js"),
    import("./coreText.js"),
    import("../orders/orderText.js"),
    import("../admin/adminText.js"),
  ]);
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

const webRoot = path.resolve(import.meta.dirname, "..");

/** Every dictionary of the web client: the `*Text.ts(x)` files and the shared one. */
function dictionaryFiles(): string[] {
  return webFiles().filter((file) => /Text\.tsx?$/.test(file));
}

/** Every web source that defines messages: the dictionaries and the panels that keep theirs inline. */
function filesWithMessages(): string[] {
  return webFiles().filter((file) => readFileSync(file, "utf8").includes("defineMessages("));
}

function webFiles(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith(".test.ts")) found.push(file);
    }
  };
  walk(webRoot);
  return found;
}

describe("the web client's dictionaries", () => {
  it("are all made with defineMessages, none with a lookup of its own", () => {
    const files = dictionaryFiles();
    expect(files.length).toBeGreaterThanOrEqual(9);
    for (const file of files) {
      const source = readFileSync(file, "utf8");
      expect(source, path.relative(webRoot, file)).toContain("defineMessages(");
      expect(source, path.relative(webRoot, file)).not.toMatch(/\.replace\(\/\\\{\(\\w\+\)\\\}\//);
    }
  });

  it("give a count of things plural forms instead of one text for every count", () => {
    // "{n} bids" as a plain string would read "1 bids", "unit(s)" hedges; such a message must be { one, other } on n.
    const files = filesWithMessages();
    expect(files.length).toBeGreaterThan(dictionaryFiles().length);
    for (const file of files) {
      const plainPlural = readFileSync(file, "utf8")
        .split("\n")
        .filter((line) => /^\s*"?[\w.]+"?: "[^"]*(\{(n|qty|quantity|\w*[cC]ount)\} [a-z]+s\b|\w\((s|e|en|n)\))/.test(line));
      expect(plainPlural, path.relative(webRoot, file)).toEqual([]);
    }
  });
});

describe("counted messages", () => {
  it("say 1 bid, 1 vote, 1 unit in English", () => {
    expect(auction.auctionMessages.format("en", "auction.leader", { name: "Ada", n: 1 })).toBe("Ada leads · 1 bid");
    expect(auction.auctionMessages.format("en", "auction.leader", { name: "Ada", n: 3 })).toBe("Ada leads · 3 bids");
    expect(game.gameMessages.format("en", "poll.votes", { n: 1 })).toBe("1 vote");
    expect(game.gameMessages.format("en", "poll.votes", { n: 0 })).toBe("0 votes");
    expect(order.orderMessages.format("en", "order.refundedAmount", { n: 1, amount: "5 €" })).toBe("Refunded: 1 unit, 5 €");
    expect(order.orderMessages.format("en", "order.refundedAmount", { n: 2, amount: "9 €" })).toBe("Refunded: 2 units, 9 €");
    expect(admin.adminMessages.format("en", "orders.refunded", { n: 1, amount: "5 €" })).toBe("Refunded: 1 unit, 5 €");
    expect(admin.adminMessages.format("en", "orders.refunded", { n: 3, amount: "5 €" })).toBe("Refunded: 3 units, 5 €");
    expect(game.gameMessages.format("en", "giveaway.drawn", { n: 1 })).toBe("Winner");
    expect(game.gameMessages.format("de", "giveaway.drawn", { n: 2 })).toBe("Gewinner:innen");
  });

  it("say 1 Gebot, 1 Stimme, 1 nimmt teil, 1 schaut zu in German", () => {
    expect(auction.auctionMessages.format("de", "auction.leader", { name: "Ada", n: 1 })).toBe("Ada führt · 1 Gebot");
    expect(auction.auctionMessages.format("de", "auction.leader", { name: "Ada", n: 2 })).toBe("Ada führt · 2 Gebote");
    expect(game.gameMessages.format("de", "poll.votes", { n: 1 })).toBe("1 Stimme");
    expect(game.gameMessages.format("de", "poll.votes", { n: 5 })).toBe("5 Stimmen");
    expect(game.gameMessages.format("de", "giveaway.entries", { n: 1 })).toBe("1 nimmt teil");
    expect(game.gameMessages.format("de", "giveaway.entries", { n: 7 })).toBe("7 nehmen teil");
    expect(core.coreMessages.format("de", "show.viewers", { n: 1 })).toBe("1 schaut zu");
    expect(core.coreMessages.format("de", "show.viewers", { n: 12 })).toBe("12 schauen zu");
  });
});
