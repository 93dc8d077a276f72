import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBuyer } from "../support/accounts.js";
import { login, request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { seriousAxeFindings } from "./axe.js";
import { FAKE_MEDIA_ARGS, launchChromium, signedInVisitor } from "./browser.js";

// The guest's join page (/stage/:showId?invite=…): the invite link the host shares from the studio's Stage tab is
// accepted in the browser, the fake camera previews, the guest joins by WHIP and is brought on stage by the host.
const LONG = 60_000;

describe("joining the stage from an invite link", () => {
  let server: TestServer;
  let browser: Browser;
  let host = "";

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer({ demo: true, synthetic: false }), launchChromium({ args: FAKE_MEDIA_ARGS })]);
    host = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("accepts the invite, previews the camera, joins, is brought on stage, and leaves; a second person gets invite_used", async () => {
    const showId = server.demo.showId;
    const invite = await request(server.url, "POST", `/api/studio/shows/${showId}/stage/invites`, { cookie: host, body: { role: "guest" } });
    expect(invite.status).toBe(201);
    const link = new URL(invite.body.invite.url);
    expect(link.pathname).toBe(`/stage/${showId}`);

    const guest = await createBuyer(server, "gia@stage-join.test", "stage-password-1", "Gia");
    const { context, errors } = await signedInVisitor(browser, server.url, guest.cookie);
    const page = await context.newPage();
    await page.goto(link.pathname + link.search);
    await page.getByTestId("stage-name").fill("Gia from Berlin");
    expect(await seriousAxeFindings(page)).toBe("");
    await page.getByTestId("stage-accept").click();
    // The spent invite leaves the address bar; the camera's preview plays.
    await page.waitForFunction(() => !location.search.includes("invite"), undefined, { timeout: LONG });
    await page.waitForFunction(() => (document.querySelector<HTMLVideoElement>("[data-testid=stage-preview]")?.videoWidth ?? 0) > 0, undefined, {
      timeout: LONG,
    });
    expect(await page.getByTestId("stage-camera").locator("option").count()).toBeGreaterThan(0);
    await page.getByTestId("stage-join").click();
    await page.getByTestId("stage-connected").waitFor({ timeout: LONG });
    await page.locator("[data-testid=stage-my-state][data-state=waiting]").waitFor({ timeout: LONG });
    expect(await seriousAxeFindings(page)).toBe("");

    // The host sees the guest waiting with a camera, and brings them on.
    const participant = async () =>
      (await request(server.url, "GET", `/api/studio/shows/${showId}/stage`, { cookie: host })).body.stage.participants.find(
        (p: { displayName: string }) => p.displayName === "Gia from Berlin",
      ) as { id: string; state: string; publishing: boolean };
    for (let i = 0; i < 100 && !(await participant()).publishing; i++) await new Promise((r) => setTimeout(r, 300));
    expect(await participant()).toMatchObject({ state: "waiting", publishing: true });
    const on = await request(server.url, "POST", `/api/studio/shows/${showId}/stage/participants/${(await participant()).id}/bring-on`, { cookie: host });
    expect(on.status).toBe(200);
    await page.locator("[data-testid=stage-my-state][data-state=on_stage]").waitFor({ timeout: LONG });

    // The same link opened by someone else: a clear answer, not a second participant.
    const other = await createBuyer(server, "otto@stage-join.test", "stage-password-1", "Otto");
    const second = await (await signedInVisitor(browser, server.url, other.cookie)).context.newPage();
    await second.goto(link.pathname + link.search);
    await second.getByTestId("stage-accept").click();
    await expect(second.getByTestId("stage-error").textContent({ timeout: LONG })).resolves.toMatch(/already used/);

    await page.getByTestId("stage-leave").click();
    await page.getByTestId("stage-left").waitFor({ timeout: LONG });
    // Gone from the host's list (the studio lists the asked, the waiting and those on stage).
    const left = await participant();
    expect(left === undefined || left.state === "off").toBe(true);
    expect(errors).toEqual([]);
  });

  it("the studio goes live through the stage, sees and hears a waiting guest in its Stage tab, brings them and a second guest on, and the guests see each other", async () => {
    const showId = server.demo.showId;
    const hostVisitor = await signedInVisitor(browser, server.url, host);
    const studio = await hostVisitor.context.newPage();
    await studio.goto(`/studio/${showId}`);
    await studio.getByTestId("studio-setup-open").click();
    await studio.getByTestId("golive-camera-on").click();
    await studio.getByTestId("golive-transport-choice").selectOption("stage");
    await studio.getByTestId("golive-start").click();
    // On air through the stage: the server composes the program from the host's publish (host only for now).
    await studio.locator("[data-testid=golive][data-phase=live]").waitFor({ timeout: 120_000 });
    const stageView = async () =>
      (await request(server.url, "GET", `/api/studio/shows/${showId}/stage`, { cookie: host })).body.stage as {
        composing: boolean;
        participants: { id: string; role: string; state: string; displayName: string; publishing: boolean }[];
      };
    expect((await stageView()).composing).toBe(true);
    expect((await stageView()).participants.find((p) => p.role === "host")).toMatchObject({ state: "on_stage", publishing: true });

    // The invite link from the Stage tab (the set-up drawer closed; it stays mounted, so the publish goes on).
    await studio.getByTestId("studio-setup-close").click();
    await studio.getByTestId("studio-side-tab-stage").click();
    await studio.getByTestId("stage-invite-guest").click();
    const url = new URL((await studio.getByTestId("stage-invite-link").locator("code").textContent({ timeout: LONG }))!);
    const guest = await createBuyer(server, "gus@stage-studio.test", "stage-password-1", "Gus");
    const guestVisitor = await signedInVisitor(browser, server.url, guest.cookie);
    const page = await guestVisitor.context.newPage();
    await page.goto(url.pathname + url.search);
    await page.getByTestId("stage-name").fill("Gus in Hamburg");
    await page.getByTestId("stage-accept").click();
    await page.getByTestId("stage-join").click({ timeout: LONG });
    await page.locator("[data-testid=stage-my-state][data-state=waiting]").waitFor({ timeout: LONG });

    // The host sees the waiting guest's camera in the Stage tab (through the server), before bringing them on.
    const row = studio.getByTestId("stage-participant").filter({ hasText: "Gus in Hamburg" });
    await row.getByTestId("stage-feed-video").waitFor({ timeout: LONG });
    await studio.waitForFunction(
      () => [...document.querySelectorAll<HTMLVideoElement>("[data-testid=stage-feed-video]")].some((v) => v.videoWidth > 0 && v.currentTime > 0),
      undefined,
      { timeout: LONG },
    );
    expect(await seriousAxeFindings(studio)).toBe("");
    await row.getByTestId("stage-bring-on").click();
    await page.locator("[data-testid=stage-my-state][data-state=on_stage]").waitFor({ timeout: LONG });
    await expect.poll(async () => (await stageView()).participants.find((p) => p.displayName === "Gus in Hamburg")?.state, { timeout: LONG }).toBe("on_stage");
    // The guest hears and sees the host through the server too.
    await page.waitForFunction(() => (document.querySelector<HTMLVideoElement>("[data-testid=stage-host-video]")?.videoWidth ?? 0) > 0, undefined, {
      timeout: LONG,
    });

    // A second guest on stage: the two guests see each other through the server as well.
    const invite2 = await request(server.url, "POST", `/api/studio/shows/${showId}/stage/invites`, { cookie: host, body: { role: "guest" } });
    const link2 = new URL(invite2.body.invite.url);
    const guest2 = await createBuyer(server, "gil@stage-studio.test", "stage-password-1", "Gil");
    const guest2Visitor = await signedInVisitor(browser, server.url, guest2.cookie);
    const page2 = await guest2Visitor.context.newPage();
    await page2.goto(link2.pathname + link2.search);
    await page2.getByTestId("stage-name").fill("Gil in Köln");
    await page2.getByTestId("stage-accept").click();
    await page2.getByTestId("stage-join").click({ timeout: LONG });
    await page2.locator("[data-testid=stage-my-state][data-state=waiting]").waitFor({ timeout: LONG });
    await studio.getByTestId("stage-participant").filter({ hasText: "Gil in Köln" }).getByTestId("stage-bring-on").click({ timeout: LONG });
    await page2.locator("[data-testid=stage-my-state][data-state=on_stage]").waitFor({ timeout: LONG });
    const seesOtherGuest = () =>
      [...document.querySelectorAll<HTMLVideoElement>("[data-testid=stage-feed-video]")].some((v) => v.videoWidth > 0 && v.currentTime > 0);
    await page.waitForFunction(seesOtherGuest, undefined, { timeout: LONG });
    await page2.waitForFunction(seesOtherGuest, undefined, { timeout: LONG });
    expect(await page.getByTestId("stage-feed-video").getAttribute("aria-label")).toBe("Gil in Köln's camera");
    expect(await seriousAxeFindings(page)).toBe("");

    await page2.getByTestId("stage-leave").click();
    await page.getByTestId("stage-leave").click();
    await studio.getByTestId("studio-setup-open").click();
    // Bringing the guest on restarted the program's feed: the host's publish went on through it.
    expect(await studio.getByTestId("golive").getAttribute("data-phase")).toBe("live");
    await studio.getByTestId("golive-stop").click();
    await studio.locator("[data-testid=golive][data-phase=preview]").waitFor({ timeout: LONG });
    expect(hostVisitor.errors).toEqual([]);
    expect(guestVisitor.errors).toEqual([]);
    expect(guest2Visitor.errors).toEqual([]);
    await Promise.all([hostVisitor.context.close(), guestVisitor.context.close(), guest2Visitor.context.close()]);
  }, 300_000);

  it("asks a signed-out visitor to sign in first, and says so when the link has no invite", async () => {
    const page = await browser.newPage({ baseURL: server.url });
    await page.goto(`/stage/${server.demo.showId}?invite=whatever-token-1`);
    const signIn = page.getByTestId("stage-signin");
    await signIn.waitFor({ timeout: LONG });
    expect(await signIn.getAttribute("href")).toBe(`/login?next=${encodeURIComponent(`/stage/${server.demo.showId}?invite=whatever-token-1`)}`);
    expect(await seriousAxeFindings(page)).toBe("");
    await page.goto(`/stage/${server.demo.showId}`);
    await expect(page.getByRole("alert").textContent({ timeout: LONG })).resolves.toMatch(/no invite/);
    await page.close();
  });
});
