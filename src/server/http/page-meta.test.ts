import { describe, expect, it } from "vitest";
import { ManualClock } from "../platform/clock.js";
import { type PageMeta, PageMetaRegistry, pageMetaHead } from "./page-meta.js";

const ORIGIN = "https://shop.example";
const meta: PageMeta = {
  title: `Sneakers "live" <script>alert(1)</script> & more`,
  description: "Drop at 19:00 — <b>only</b> 20 pairs",
  path: "/shows/sneakers",
  image: { url: "/media/shows/shw_1/img-800.webp", alt: `Cover of "Sneakers"` },
  type: "video.other",
  lang: "de",
};

describe("page meta", () => {
  it("escapes every value it writes into the head", () => {
    const html = pageMetaHead(meta, ORIGIN).join("\n");
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<b>");
    expect(html).toContain(`<title>Sneakers &quot;live&quot; &lt;script&gt;alert(1)&lt;/script&gt; &amp; more · Showcart</title>`);
    expect(html).toContain(`<meta property="og:title" content="Sneakers &quot;live&quot; &lt;script&gt;alert(1)&lt;/script&gt; &amp; more">`);
    expect(html).toContain(`<meta property="og:image:alt" content="Cover of &quot;Sneakers&quot;">`);
    // Every attribute value is quoted and holds no raw quote, so nothing can end it early.
    for (const line of html.split("\n").slice(1)) expect(line).toMatch(/^<(meta|link) (\w+="[^"<>]*" ?)+>$/);
  });

  it("makes the canonical link and image absolute and names the page's locale and card", () => {
    const html = pageMetaHead(meta, ORIGIN).join("\n");
    expect(html).toContain(`<link rel="canonical" href="https://shop.example/shows/sneakers">`);
    expect(html).toContain(`<meta property="og:url" content="https://shop.example/shows/sneakers">`);
    expect(html).toContain(`<meta property="og:image" content="https://shop.example/media/shows/shw_1/img-800.webp">`);
    expect(html).toContain(`<meta property="og:type" content="video.other">`);
    expect(html).toContain(`<meta property="og:locale" content="de_DE">`);
    expect(html).toContain(`<meta name="twitter:card" content="summary_large_image">`);
    expect(html).toContain(`<meta name="twitter:image" content="https://shop.example/media/shows/shw_1/img-800.webp">`);
    const noImage = pageMetaHead({ ...meta, image: null }, ORIGIN).join("\n");
    expect(noImage).toContain(`<meta name="twitter:card" content="summary">`);
    expect(noImage).not.toContain("og:image");
  });

  it("keeps a matching share code on og:url only, never on the canonical link", () => {
    const keep = { ref: /^[a-z0-9]{8,16}$/ };
    const shared = pageMetaHead(meta, ORIGIN, new URLSearchParams("ref=abc123def456&utm=x"), keep).join("\n");
    expect(shared).toContain(`<meta property="og:url" content="https://shop.example/shows/sneakers?ref=abc123def456">`);
    expect(shared).toContain(`<link rel="canonical" href="https://shop.example/shows/sneakers">`);
    const forged = pageMetaHead(meta, ORIGIN, new URLSearchParams(`ref="><script>`), keep).join("\n");
    expect(forged).toContain(`<meta property="og:url" content="https://shop.example/shows/sneakers">`);
  });

  it("reads a page's source once per TTL and answers 404 for what does not exist", async () => {
    const clock = new ManualClock();
    const registry = new PageMetaRegistry(clock, 15_000);
    let loads = 0;
    registry.registerPageMeta("/shows/:slug", async ({ params }) => {
      loads++;
      return params.slug === "sneakers" ? meta : null;
    });
    expect(() => registry.registerPageMeta("/shows/:slug", async () => null)).toThrow(/twice/);
    const ask = (slug: string) => registry.resolve("/shows/:slug", { params: { slug }, lang: "en", origin: ORIGIN });
    const first = await Promise.all(Array.from({ length: 50 }, () => ask("sneakers")));
    expect(first.every((r) => r?.status === 200)).toBe(true);
    expect(loads).toBe(1);
    clock.advance(14_000);
    await ask("sneakers");
    expect(loads).toBe(1);
    clock.advance(2_000);
    await ask("sneakers");
    expect(loads).toBe(2);
    const missing = await ask("nope");
    expect(missing?.status).toBe(404);
    expect(missing?.head.join("\n")).toContain(`<meta name="robots" content="noindex">`);
    expect(await registry.resolve("/shops/:slug", { params: { slug: "x" }, lang: "en", origin: ORIGIN })).toBeNull();
  });
});
