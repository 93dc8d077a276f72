import { describe, expect, it } from "vitest";
import { iceServerLinks } from "./whip-ingest.js";

describe("the WHIP answer's Link headers (RFC 9725 §4.6)", () => {
  it("lists one rel=ice-server link per URL, with TURN credentials quoted", () => {
    expect(
      iceServerLinks([
        { urls: ["stun:stun.example.net"] },
        { urls: ["turn:turn.example.net?transport=udp", "turns:turn.example.net"], username: 'us"er', credential: "pa\\ss" },
      ]),
    ).toEqual([
      '<stun:stun.example.net>; rel="ice-server"',
      '<turn:turn.example.net?transport=udp>; rel="ice-server"; username="us\\"er"; credential="pa\\\\ss"; credential-type="password"',
      '<turns:turn.example.net>; rel="ice-server"; username="us\\"er"; credential="pa\\\\ss"; credential-type="password"',
    ]);
    expect(iceServerLinks([])).toEqual([]);
  });
});
