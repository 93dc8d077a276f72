import { describe, expect, it } from "vitest";
import { safeNext } from "./loginRedirect.js";

const origin = "https://shop.example";

describe("safeNext (login's ?next=)", () => {
  it.each([
    "/%09/evil.com",
    "/\t/evil.com",
    "/\n/evil.com",
    "//evil.com",
    "/\\evil.com",
    "\\/evil.com",
    "https://evil.com/x",
    "javascript:alert(1)",
    " //evil.com",
    "https:evil.com",
    "/\t\\evil.com",
  ])("never leaves our origin for %j", (next) => {
    const target = safeNext(decodeURIComponent(encodeURIComponent(next)), origin);
    expect(new URL(target).origin).toBe(origin);
  });

  it("decodes the query as the browser does, then still refuses /%09/evil.com", () => {
    const next = new URLSearchParams("?next=/%09/evil.com").get("next");
    expect(new URL(safeNext(next, origin)).origin).toBe(origin);
    expect(safeNext(next, origin)).toBe(`${origin}/`);
  });

  it("keeps a path, query and fragment on our origin", () => {
    expect(safeNext("/shows/demo?ref=abc#chat", origin)).toBe(`${origin}/shows/demo?ref=abc#chat`);
    expect(safeNext(null, origin)).toBe(`${origin}/`);
    expect(safeNext(`${origin}//evil.com`, origin)).toBe(`${origin}//evil.com`);
  });
});
