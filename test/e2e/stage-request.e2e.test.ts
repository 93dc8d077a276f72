import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBuyer } from "../support/accounts.js";
import { login, request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { seriousAxeFindings } from "./axe.js";
import { launchChromium, newVisitor, signedInVisitor } from "./browser.js";

// A viewer brought on stage from the chat: the host asks from the studio's chat, the viewer's show page shows the
// request (a personal realtime frame), Decline shows in the studio's Stage tab, a reload shows a pending request again,
// and Accept lands on the guest's join page; a request the host withdraws says so in the open dialog. Two browser
// contexts, one per person.
const LONG = 60_000;

describe("asking a chatting viewer on stage", () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer({ demo: true, synthetic: false }), launchChromium()]);
    await server.services.shows.setStatus(server.demo.showId, "live");
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** The studio's chat action on the viewer's message: "Ask on stage". */
  async function askOnStage(studio: Page, text: string) {
    const message = studio.getByTestId("chat-message").filter({ hasText: text });
    await message.getByTestId("chat-stage-request").click();
    await studio.getByTestId("chat-notice").filter({ hasText: "is asked on stage" }).waitFor({ timeout: LONG });
  }

  it("shows the host's request to that viewer only; Decline reaches the studio, a reload shows it again, Accept opens the join page", async () => {
    const showId = server.demo.showId;
    const hostCookie = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
    const hostName = (await server.services.shows.show(showId)).hostName;
    const viewerAccount = await createBuyer(server, "vera@stage-request.test", "stage-password-1", "Vera");
    const bystanderAccount = await createBuyer(server, "bo@stage-request.test", "stage-password-1", "Bo");

    const host = await signedInVisitor(browser, server.url, hostCookie);
    const viewer = await signedInVisitor(browser, server.url, viewerAccount.cookie);
    const bystander = await signedInVisitor(browser, server.url, bystanderAccount.cookie);
    const [studio, page, other] = await Promise.all([host.context.newPage(), viewer.context.newPage(), bystander.context.newPage()]);

    // A new chat name reconnects the room's socket (the server reads the name from its URL). Until c3eda9a the chat's
    // send button stayed disabled until it was open again, so Enter in between submitted nothing (a message sent then
    // now waits for the socket: shop.e2e). Clicking Send waits for the button.
    // The guest's message never reached the studio once, in a clean-clone CI run (2026-12-07), with Enter pressed here:
    // the likely cause, not reproduced alone (six runs, one with both cores hogged).
    for (const p of [page, other]) {
      await p.goto(`/shows/${server.demo.slug}`);
      await p.getByTestId("chat-name-input").fill(p === page ? "Vera" : "Bo");
      await p.getByTestId("chat-name-submit").click();
    }
    await page.getByTestId("chat-input").fill("Can I show my unboxing?");
    await page.getByTestId("chat-send").click();

    // A guest (no account) chats too: the studio offers "Ask on stage" only on the signed-in viewer's message.
    const guest = await newVisitor(browser, server.url);
    const guestPage = await guest.context.newPage();
    await guestPage.goto(`/shows/${server.demo.slug}`);
    await guestPage.getByTestId("chat-name-input").fill("Gast");
    await guestPage.getByTestId("chat-name-submit").click();
    await guestPage.getByTestId("chat-input").fill("Just a guest here");
    await guestPage.getByTestId("chat-send").click();

    await studio.goto(`/studio/${showId}`);
    await studio.getByTestId("chat-message").filter({ hasText: "Can I show my unboxing?" }).waitFor({ timeout: LONG });
    const guestMessage = studio.getByTestId("chat-message").filter({ hasText: "Just a guest here" });
    await guestMessage.waitFor({ timeout: LONG });
    expect(await guestMessage.getByTestId("chat-ban").count()).toBe(1);
    expect(await guestMessage.getByTestId("chat-stage-request").count()).toBe(0);
    await guest.context.close();
    await askOnStage(studio, "Can I show my unboxing?");

    // The asked viewer's page: an alert dialog named after the host, focus on Accept; axe clean with it open.
    const dialog = page.getByTestId("stage-request");
    await dialog.waitFor({ timeout: LONG });
    expect(await dialog.getByRole("heading").textContent()).toBe(`${hostName} invites you on stage`);
    await expect
      .poll(() => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.testid), { timeout: 5_000 })
      .toBe("stage-request-accept");
    expect(await seriousAxeFindings(page), "axe: show page with the stage request").toBe("");

    // Decline: the dialog closes and the studio's Stage tab says so.
    await page.getByTestId("stage-request-decline").click();
    await dialog.waitFor({ state: "detached", timeout: LONG });
    await studio.getByTestId("studio-side-tab-stage").click();
    await studio.locator("[data-testid=stage-participant][data-state=declined]").filter({ hasText: "Vera" }).waitFor({ timeout: LONG });

    // Asked again; the viewer reloads before answering (a dropped phone): the pending request is shown again.
    await studio.getByTestId("studio-side-tab-chat").click();
    await askOnStage(studio, "Can I show my unboxing?");
    await dialog.waitFor({ timeout: LONG });
    await page.reload();
    await dialog.waitFor({ timeout: LONG });

    await page.getByTestId("stage-request-accept").click();
    await page.waitForURL((url) => url.pathname === `/stage/${showId}`, { timeout: LONG });
    await page.getByTestId("stage-accept").waitFor({ timeout: LONG });
    expect(new URL(page.url()).searchParams.get("invite")).toBeTruthy();

    // The bystander in the same room never saw a request.
    expect(await other.getByTestId("stage-request").count()).toBe(0);
    expect([...host.errors, ...viewer.errors, ...bystander.errors]).toEqual([]);
  }, 240_000);

  it("asks in German on a German page (Annehmen / Ablehnen), axe clean; a withdrawn request says so", async () => {
    const showId = server.demo.showId;
    const hostCookie = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
    const hostName = (await server.services.shows.show(showId)).hostName;
    const account = await createBuyer(server, "lena@stage-request.test", "stage-password-1", "Lena");
    const { context, errors } = await newVisitor(browser, server.url, { locale: "de-DE" });
    const [name, value] = account.cookie.split("=") as [string, string];
    await context.addCookies([{ name, value, url: server.url }]);
    const page = await context.newPage();
    await page.goto(`/shows/${server.demo.slug}`);
    await page.getByTestId("chat-name-input").fill("Lena");
    await page.getByTestId("chat-name-submit").click();
    await page.getByTestId("chat-input").fill("Darf ich?");
    await page.getByTestId("chat-send").click();
    await page.getByTestId("chat-message").filter({ hasText: "Darf ich?" }).waitFor({ timeout: LONG });
    // The host asks from the studio's API (the studio's own button is the first test's).
    const message = await server.services.chat.recent(showId).then((list) => list.find((m) => m.text === "Darf ich?"));
    const asked = await request(server.url, "POST", `/api/studio/shows/${showId}/stage/requests`, { cookie: hostCookie, body: { messageId: message!.id } });
    expect(asked.status).toBe(201);
    const dialog = page.getByTestId("stage-request");
    await dialog.waitFor({ timeout: LONG });
    expect(await dialog.getByRole("heading").textContent()).toBe(`${hostName} lädt dich auf die Bühne ein`);
    expect(await page.getByTestId("stage-request-accept").textContent()).toBe("Annehmen");
    expect(await page.getByTestId("stage-request-decline").textContent()).toBe("Ablehnen");
    expect(await seriousAxeFindings(page), "axe: German show page with the stage request").toBe("");
    // The host withdraws it unanswered: the open dialog says it no longer stands, focus on its one button, Close.
    const participantId = asked.body.participant.id as string;
    const off = await request(server.url, "POST", `/api/studio/shows/${showId}/stage/participants/${participantId}/take-off`, { cookie: hostCookie });
    expect(off.status).toBe(200);
    await dialog.getByText("Diese Einladung gilt nicht mehr.").waitFor({ timeout: LONG });
    await expect
      .poll(() => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.testid), { timeout: 5_000 })
      .toBe("stage-request-close");
    expect(await seriousAxeFindings(page), "axe: German show page with the withdrawn request").toBe("");
    await page.getByTestId("stage-request-close").click();
    await dialog.waitFor({ state: "detached", timeout: LONG });
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);
});
