import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBuyer } from "../support/accounts.js";
import { login, request } from "../support/http.js";
import { blankPage, colourAt, colourY4m, programFrame, watchFeed, whipPublish } from "../support/stage-media.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { FAKE_MEDIA_ARGS, launchChromium, signedInVisitor } from "../e2e/browser.js";

/**
 * Polls the program until `want` holds for its latest frame (a restart or layout switch takes a few segments). A look
 * costs a playlist, one part and one small decode, so it looks twice a second.
 */
async function waitForProgram(server: TestServer, showId: string, want: (f: Buffer) => boolean, timeoutMs: number): Promise<{ frame: Buffer; ms: number }> {
  const t0 = Date.now();
  let last: Buffer | null = null;
  while (Date.now() - t0 < timeoutMs) {
    last = await programFrame(server.url, showId).catch(() => null);
    if (last && want(last)) return { frame: last, ms: Date.now() - t0 };
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`program never matched; last centre row: ${last ? [2, 4, 8, 12, 14].map((x) => colourAt(last!, x, 4)).join(",") : "no frame"}`);
}

// The stage's media end to end on one server: two Chromiums with differently coloured fake cameras publish by WHIP,
// the compositor puts them in the program (checked in the LL-HLS output), the SFU forwards one to the other.
describe("the stage's media: WHIP publishes, forwarding and the composed program", () => {
  let server: TestServer;
  let red: Browser;
  let blue: Browser;
  let dir: string;
  let showId: string;
  let host: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "stage-media-"));
    const [redFile, blueFile] = await Promise.all([colourY4m(dir, "red"), colourY4m(dir, "blue")]);
    [server, red, blue] = await Promise.all([
      startTestServer({ synthetic: false, env: { RECONNECT_GRACE_SECONDS: "30" } }),
      launchChromium({ args: [...FAKE_MEDIA_ARGS, `--use-file-for-fake-video-capture=${redFile}`] }),
      launchChromium({ args: [...FAKE_MEDIA_ARGS, `--use-file-for-fake-video-capture=${blueFile}`] }),
    ]);
    showId = server.demo.showId;
    host = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([red?.close(), blue?.close()]);
    await server?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("composes host and guest side by side, switches layouts without a restart, and drops the guest when taken off", async () => {
    // The host publishes to the stage: the program goes live through the show's own ingest.
    const hostPage = await blankPage(await (await signedInVisitor(red, server.url, host)).context.newPage());
    expect(await whipPublish(hostPage, `/api/studio/shows/${showId}/stage/whip`, { "x-showcart-csrf": "1" })).toBe(201);
    await waitForProgram(server, showId, (f) => colourAt(f, 8, 4) === "red", 90_000);

    // A guest accepts an invite and publishes: waiting, so not in the program yet.
    const invite = await request(server.url, "POST", `/api/studio/shows/${showId}/stage/invites`, { cookie: host, body: { role: "guest" } });
    const guest = await createBuyer(server, "guest@stage-media.test", "stage-password-1", "Gia");
    const joined = await request(server.url, "POST", "/api/stage/accept", { cookie: guest.cookie, body: { token: invite.body.invite.token } });
    const guestAuth = { authorization: `Bearer ${joined.body.stageToken}` };
    const guestPage = await blankPage(await (await blue.newContext({ baseURL: server.url })).newPage());
    expect(await whipPublish(guestPage, `/api/shows/${showId}/stage/whip`, guestAuth)).toBe(201);

    // Waiting, the guest sees the host through the server (the forwarded feed is the host's red camera).
    const stage = await request(server.url, "GET", `/api/studio/shows/${showId}/stage`, { cookie: host });
    const hostPid = stage.body.stage.participants.find((p: { role: string }) => p.role === "host").id as string;
    const seen = await watchFeed(guestPage, `/api/shows/${showId}/stage/feeds/${hostPid}`, guestAuth);
    expect(seen.status).toBe(201);
    expect(seen.rgb![0]).toBeGreaterThan(150);
    expect(seen.rgb![2]).toBeLessThan(90);
    // …and the host previews the guest (blue).
    const preview = await watchFeed(hostPage, `/api/studio/shows/${showId}/stage/feeds/${joined.body.participant.id}`, { "x-showcart-csrf": "1" });
    expect(preview.rgb![2]).toBeGreaterThan(150);

    // On stage: side by side (the default layout) — host left, guest right.
    const pid = joined.body.participant.id as string;
    const broughtAt = Date.now();
    await request(server.url, "POST", `/api/studio/shows/${showId}/stage/participants/${pid}/bring-on`, { cookie: host });
    const both = await waitForProgram(server, showId, (f) => colourAt(f, 4, 4) === "red" && colourAt(f, 12, 4) === "blue", 90_000);
    const composeMs = Date.now() - broughtAt;
    const pidBefore = server.services.stageMedia.compositorPid(showId);

    // Host-only and picture-in-picture: commands to the running ffmpeg, no restart. Each step's check fails on the
    // frames of the step before it (the guest on the right, then no guest, then the guest inset).
    await request(server.url, "PUT", `/api/studio/shows/${showId}/stage/layout`, { cookie: host, body: { layout: "host" } });
    await waitForProgram(server, showId, (f) => colourAt(f, 4, 4) === "red" && colourAt(f, 12, 4) === "red" && colourAt(f, 14, 7) !== "blue", 60_000);
    const pipAt = Date.now();
    await request(server.url, "PUT", `/api/studio/shows/${showId}/stage/layout`, { cookie: host, body: { layout: "pip" } });
    await waitForProgram(server, showId, (f) => colourAt(f, 8, 4) === "red" && colourAt(f, 14, 7) === "blue", 60_000);
    const pipMs = Date.now() - pipAt;
    expect(server.services.stageMedia.compositorPid(showId)).toBe(pidBefore);

    // Taken off: the program is the host alone again (the compositor restarts with one input), the inset gone.
    await request(server.url, "POST", `/api/studio/shows/${showId}/stage/participants/${pid}/take-off`, { cookie: host });
    await waitForProgram(server, showId, (f) => colourAt(f, 8, 4) === "red" && colourAt(f, 12, 4) === "red" && colourAt(f, 14, 7) !== "blue", 90_000);
    expect(server.services.stageMedia.compositorPid(showId)).not.toBe(pidBefore);
    // The restart reconnects the program to the ingest (within its grace period); under load the new publisher may
    // itself be refused once and retried a second later, so the show is live again rather than live at every instant.
    await expect.poll(() => server.services.media.status().live, { timeout: 60_000, interval: 250 }).toContain(showId);
    if (process.env.SHOWCART_E2E_REPORT)
      console.log(JSON.stringify({ stage: { forwardFirstFrameMs: Math.round(seen.ms), composeMs, pipSwitchMs: pipMs, firstMatchMs: both.ms } }));
  }, 600_000);
});
