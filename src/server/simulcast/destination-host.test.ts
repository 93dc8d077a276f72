import { describe, expect, it } from "vitest";
import { AppError } from "../platform/errors.js";
import { InternalAddressError, checkedAddressOf, isInternalAddress } from "../platform/public-address.js";
import { assertPublicRtmpHost } from "./destination-host.js";

describe("simulcast destination host guard", () => {
  it.each(["127.0.0.1", "10.1.2.3", "172.20.0.1", "192.168.1.10", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fd00::1", "fe80::1", "::ffff:127.0.0.1"])(
    "treats %s as internal",
    (ip) => expect(isInternalAddress(ip)).toBe(true),
  );

  it.each(["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"])("treats %s as public", (ip) => expect(isInternalAddress(ip)).toBe(false));

  it("refuses loopback and metadata destinations unless internal hosts are allowed", async () => {
    for (const url of ["rtmp://127.0.0.1:1935/live", "rtmp://localhost/live", "rtmp://169.254.169.254/live", "rtmp://[::1]/live"]) {
      const err = await assertPublicRtmpHost(url, false).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe("invalid_body");
    }
    await expect(assertPublicRtmpHost("rtmp://127.0.0.1:1935/live", true)).resolves.toBeUndefined();
    await expect(assertPublicRtmpHost("rtmp://8.8.8.8/live", false)).resolves.toBeUndefined();
  });
});

describe("the connect-time address check", () => {
  const dns = (answers: Record<string, string[]>) => async (host: string) => {
    if (!answers[host]) throw Object.assign(new Error("ENOTFOUND"), { code: "ENOTFOUND" });
    return answers[host]!;
  };

  it("returns the checked address to connect to, and refuses internal, mixed, local and unresolved names", async () => {
    const resolve = dns({
      "public.test": ["8.8.8.8"],
      "inside.test": ["10.0.0.7"],
      "mixed.test": ["8.8.8.8", "127.0.0.1"],
      "mapped.test": ["::ffff:169.254.169.254"],
    });
    await expect(checkedAddressOf("public.test", { allowInternal: false, resolve })).resolves.toBe("8.8.8.8");
    await expect(checkedAddressOf("1.1.1.1", { allowInternal: false, resolve })).resolves.toBe("1.1.1.1");
    for (const host of ["inside.test", "mixed.test", "mapped.test", "nowhere.test", "localhost", "a.localhost", "127.0.0.1", "::1"]) {
      await expect(checkedAddressOf(host, { allowInternal: false, resolve }), host).rejects.toBeInstanceOf(InternalAddressError);
    }
    // SIMULCAST_ALLOW_PRIVATE: internal addresses pass, but the name is still resolved once and pinned.
    await expect(checkedAddressOf("inside.test", { allowInternal: true, resolve })).resolves.toBe("10.0.0.7");
    await expect(checkedAddressOf("nowhere.test", { allowInternal: true, resolve })).rejects.toBeInstanceOf(InternalAddressError);
  });

  it("lets a name that does not resolve yet be saved (the connect-time check refuses it later)", async () => {
    await expect(assertPublicRtmpHost("rtmp://later.test/live", false, dns({}))).resolves.toBeUndefined();
    await expect(assertPublicRtmpHost("rtmp://inside.test/live", false, dns({ "inside.test": ["192.168.0.9"] }))).rejects.toMatchObject({
      code: "invalid_body",
    });
  });
});
