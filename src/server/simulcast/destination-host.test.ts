import { describe, expect, it } from "vitest";
import { AppError } from "../platform/errors.js";
import { assertPublicRtmpHost, isInternalAddress } from "./destination-host.js";

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
