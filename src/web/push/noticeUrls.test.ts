import { describe, expect, it } from "vitest";
import { imageUrl, pageOnThisSite } from "./noticeUrls.js";

describe("a notice's URLs in the service worker", () => {
  const origin = "https://shop.example";
  it("opens the payload's page on this site, whatever origin the payload names", () => {
    expect(pageOnThisSite("https://shop.example/shows/drop", origin)).toBe("https://shop.example/shows/drop");
    expect(pageOnThisSite("http://localhost:3000/shows/drop?ref=x#t", origin)).toBe("https://shop.example/shows/drop?ref=x#t");
    expect(pageOnThisSite("https://evil.example/phish", origin)).toBe("https://shop.example/phish");
    expect(pageOnThisSite("javascript:alert(1)", origin)).toBe("https://shop.example/alert(1)");
    expect(pageOnThisSite("/shows/drop", origin)).toBe("https://shop.example/shows/drop");
  });

  it("shows this site's images and https ones, nothing else", () => {
    expect(imageUrl("/media/shows/x.webp", origin)).toBe("https://shop.example/media/shows/x.webp");
    expect(imageUrl("https://cdn.example/x.webp", origin)).toBe("https://cdn.example/x.webp");
    expect(imageUrl("http://cdn.example/x.webp", origin)).toBeNull();
    expect(imageUrl("data:image/png;base64,AAAA", origin)).toBeNull();
  });
});
