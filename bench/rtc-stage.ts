import type { BrowserContext, Page } from "playwright-core";
import { login, request } from "../test/support/http.js";
import { measureOnPage } from "./latency.js";
import { rtcPageUrl } from "./rtc-pages.js";
import type { ChildServer } from "./support.js";

// Guest-to-host on the stage (src/server/stage), the way a real host and guest go through it: the shop plans a show for
// the host; the host publishes to the stage from the studio (the program compositor starts); each guest signs up,
// accepts the host's invite link, publishes their camera by WHIP and watches the host (the stage page); the host
// brings them on and watches them through the server's forwarding (the studio's feed route). The cameras are the
// canvas clock, so guest-to-host is read off the host's frames of the guest. Then the server's CPU with 1 and with
// `guests` guests on stage.

export interface StageRun {
  /** Guest-to-host glass-to-glass of the first guest, as the host's page shows it. */
  guestToHost: Awaited<ReturnType<typeof measureOnPage>>;
  /** The video codec of the first guest's publish, and the frames per second it sent while guest-to-host was measured. */
  codec: string | null;
  fps: number | null;
  cpu: Array<{ guests: number; server_pct: number; ffmpeg_pct: number; changed: number }>;
}

/** Fails with what the server said when a step of the stage answers otherwise than `want`. */
async function step<T = any>(what: string, want: number, res: Promise<{ status: number; body: T }>): Promise<T> {
  const r = await res;
  if (r.status !== want) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ; ) {
    const v = await probe().catch(() => null);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** The clock page has sent its offer and applied the answer (or says why not); the video codec the server chose. */
export async function published(page: Page): Promise<string | null> {
  type W = { published?: boolean; failed?: string; codec: string | null };
  await page.waitForFunction(() => (window as unknown as W).published || (window as unknown as W).failed, undefined, { timeout: 30_000 });
  const { failed, codec } = await page.evaluate(() => ({ failed: (window as unknown as W).failed, codec: (window as unknown as W).codec }));
  if (failed) throw new Error(`WHIP publish failed: ${failed}`);
  return codec;
}

/** Frames per second the clock page at `page` sent while `during` ran. */
export async function publishedFps<T>(page: Page | null, during: () => Promise<T>): Promise<{ result: T; fps: number | null }> {
  const sent = () => page?.evaluate(() => (window as unknown as { framesSent(): Promise<number> }).framesSent()) ?? Promise.resolve(null);
  const [n0, t0] = [await sent(), performance.now()];
  const result = await during();
  const n1 = await sent();
  return { result, fps: n0 === null || n1 === null ? null : Math.round(((n1 - n0) / ((performance.now() - t0) / 1000)) * 10) / 10 };
}

/** A guest account as a viewer makes one: sign up, the emailed link (read from the dev mailbox), sign in. */
async function signUpGuest(base: string, email: string, password: string, displayName: string): Promise<string> {
  await step("sign-up", 202, request(base, "POST", "/api/auth/signup", { body: { email, password, displayName } }));
  const token = await waitFor(`the sign-up mail to ${email}`, async () => {
    const box = await request<{ messages: Array<{ to: string; text: string }> }>(base, "GET", "/api/dev/mailbox");
    const mail = box.body.messages.find((m) => m.to === email && /#token=/.test(m.text));
    return mail ? /#token=([A-Za-z0-9_-]+)/.exec(mail.text)![1] : null;
  });
  await step("confirm sign-up", 201, request(base, "POST", "/api/auth/signup/confirm", { body: { token } }));
  return login(base, email, password);
}

export async function stageGuestToHost(
  server: ChildServer,
  opts: {
    epoch: number;
    seconds: number;
    guests: number;
    /** A browser context with the bench pages, signed in with `cookie`. */
    context(cookie?: string): Promise<BrowserContext>;
    cpuWindow(seconds: number): Promise<{ server_pct: number; ffmpeg_pct: number; changed: number }>;
  },
): Promise<StageRun> {
  const base = server.url;
  const { epoch, seconds } = opts;
  const hostCookie = await login(base, server.demo.hostEmail, server.demo.hostPassword);
  const merchantCookie = await login(base, server.demo.merchantEmail, server.demo.hostPassword);
  const hostAccount = await step("me", 200, request(base, "GET", "/api/auth/me", { cookie: hostCookie }));
  const { show } = await step(
    "plan the stage show",
    201,
    request(base, "POST", "/api/admin/shows", { cookie: merchantCookie, body: { title: "Stage latency bench", hostAccountId: hostAccount.account.id } }),
  );
  const showId = show.id as string;
  const studio = `/api/studio/shows/${showId}/stage`;

  // The host on stage: the program compositor starts and the show goes live through its own ingest.
  // The camera in a window of its own (a page behind others gets no animation frames), the host's feeds in another.
  const hostCamera = await (await opts.context(hostCookie)).newPage();
  const host = await opts.context(hostCookie);
  await hostCamera.goto(rtcPageUrl(base, "clock", { epoch, src: `${studio}/whip` }));
  await published(hostCamera);
  await waitFor("the stage program", async () => (await fetch(`${base}/live/${showId}/index.m3u8`)).ok, 90_000);
  const view = await step("studio stage", 200, request(base, "GET", studio, { cookie: hostCookie }));
  const hostPid = view.stage.participants.find((p: { role: string }) => p.role === "host").id as string;

  const feeds: Page[] = [];
  let codec: string | null = null;
  const cpu: StageRun["cpu"] = [];
  let guestToHost: StageRun["guestToHost"] | null = null;
  let fps: number | null = null;
  let firstGuest: Page | null = null;
  for (let i = 1; i <= opts.guests; i++) {
    const email = `guest${i}.${epoch}@bench.showcart.test`;
    const password = "bench-guest-password-1";
    const guestCookie = await signUpGuest(base, email, password, `Guest ${i}`);
    const { invite } = await step("invite", 201, request(base, "POST", `${studio}/invites`, { cookie: hostCookie, body: { role: "guest" } }));
    const joined = await step("accept", 201, request(base, "POST", "/api/stage/accept", { cookie: guestCookie, body: { token: invite.token } }));
    const pid = joined.participant.id as string;
    // The guest's page: their camera to the stage, and the host's picture through the server.
    const guest = await (await opts.context(guestCookie)).newPage();
    await guest.goto(
      rtcPageUrl(base, "clock", {
        epoch,
        src: `/api/shows/${showId}/stage/whip`,
        token: joined.stageToken,
        watch: `/api/shows/${showId}/stage/feeds/${hostPid}`,
        watchToken: joined.stageToken,
      }),
    );
    codec ??= await published(guest);
    firstGuest ??= guest;
    await step("bring on", 200, request(base, "POST", `${studio}/participants/${pid}/bring-on`, { cookie: hostCookie }));
    // The host watches the guest: the studio's feed of a participant.
    const feed = await host.newPage();
    await feed.goto(rtcPageUrl(base, "rtc", { epoch, src: `${studio}/feeds/${pid}`, measure: i === 1 }));
    feeds.push(feed);
    await feed.waitForFunction(() => (window as unknown as { firstFrameMs: number | null }).firstFrameMs !== null, undefined, { timeout: 60_000 });
    if (i === 1) ({ result: guestToHost, fps } = await publishedFps(firstGuest, () => measureOnPage(feed, seconds)));
    if (i === 1 || i === opts.guests) cpu.push({ guests: i, ...(await opts.cpuWindow(seconds)) });
  }
  return { guestToHost: guestToHost!, codec, fps, cpu };
}
