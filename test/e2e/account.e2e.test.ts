import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { launchChromium, newVisitor } from "./browser.js";

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer({ synthetic: false, env: { DEV_MAILBOX: "1" } }), launchChromium()]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function linkFromMailbox(to: string, path: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    await server.services.outbox.processDue();
    const box = await request(server.url, "GET", "/api/dev/mailbox");
    const mail = (box.body.messages as { to: string; text: string }[]).find((m) => m.to === to && m.text.includes(path));
    if (mail) return new URL(/https?:\/\/\S+/.exec(mail.text)![0]).pathname + new URL(/https?:\/\/\S+/.exec(mail.text)![0]).hash;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail to ${to}`);
}

describe("account pages", () => {
  it("a host who forgot the password resets it from the login page and signs in with the new one", async () => {
    const { context, errors } = await newVisitor(browser, server.url);
    const page = await context.newPage();
    await page.goto(`/studio/${server.demo.showId}`);
    await page.getByTestId("forgot-link").click();
    await page.getByTestId("forgot-email").fill(server.demo.hostEmail);
    await page.getByRole("button", { name: "Send the link" }).click();
    await page.getByTestId("forgot-sent").waitFor();
    const link = await linkFromMailbox(server.demo.hostEmail, "/reset-password#token=");
    await page.goto(link);
    await page.getByTestId("reset-password").fill("a brand new password");
    await page.getByTestId("reset-submit").click();
    await page.getByTestId("reset-done").waitFor();
    await page.goto(`/studio/${server.demo.showId}`);
    await page.getByTestId("login-email").fill(server.demo.hostEmail);
    await page.getByTestId("login-password").fill("a brand new password");
    await page.getByTestId("login-submit").click();
    await page.getByTestId("studio-title").waitFor({ timeout: 20_000 });
    // Using the link twice fails with a clear message.
    await page.goto(link);
    await page.getByTestId("reset-password").fill("yet another password");
    await page.getByTestId("reset-submit").click();
    expect(await page.getByTestId("reset-error").textContent()).toContain("invalid, used or expired");
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);
});
