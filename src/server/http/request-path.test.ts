import { describe, expect, it } from "vitest";
import { isSafeMethod, routerPath } from "./request-path.js";

describe("routerPath", () => {
  it.each([
    ["/%61pi/orders?x=1", "/api/orders"],
    ["/%61%70%69/orders#frag", "/api/orders"],
    ["//api//orders", "/api/orders"],
    ["/x/../api/orders", "/api/orders"],
    ["/x/%2e%2e/api/orders", "/api/orders"],
    ["/./api/./orders", "/api/orders"],
    ["/../../api/orders", "/api/orders"],
    ["/api/orders/", "/api/orders/"],
    ["/api/orders/..", "/api/"],
    ["/", "/"],
  ])("reads %s as %s", (raw, path) => expect(routerPath(raw)).toBe(path));

  it("keeps what the router keeps: an encoded slash, case, and malformed escapes", () => {
    expect(routerPath("/api%2forders")).toBe("/api%2forders");
    expect(routerPath("/API/Orders")).toBe("/API/Orders");
    expect(routerPath("/%E0%A4%A/x")).toBe("/%E0%A4%A/x");
  });

  it("treats only GET, HEAD and OPTIONS as safe", () => {
    expect(["GET", "HEAD", "OPTIONS"].every(isSafeMethod)).toBe(true);
    expect(["POST", "PUT", "PATCH", "DELETE", "get", "PROPFIND"].some(isSafeMethod)).toBe(false);
  });
});
