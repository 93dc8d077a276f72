import type { Browser, Page } from "playwright-core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { launchChromium, newVisitor } from "./browser.js";

const LONG = 30_000;

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer({ demo: false, synthetic: false, env: { DEV_MAILBOX: "1" } }), launchChromium()]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** The link in the newest dev-mailbox message to `email` whose text matches `pattern`. */
async function mailLink(email: string, pattern: RegExp): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const box = await request(server.url, "GET", "/api/dev/mailbox");
    const mail = (box.body.messages as { to: string; text: string }[]).find((m) => m.to === email && pattern.test(m.text));
    if (mail) return /(https?:\/\/\S+#token=[A-Za-z0-9_-]+)/.exec(mail.text)![1]!;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no mail to ${email}`);
}

async function acceptInvite(link: string, name: string): Promise<void> {
  const { context, errors } = await newVisitor(browser, server.url);
  const page = await context.newPage();
  // The link names the server's PUBLIC_URL; the fragment carries the token.
  await page.goto(`/accept-invite${new URL(link).hash}`);
  await page.getByTestId("invite-name").fill(name);
  await page.getByTestId("invite-password").fill("host password 123");
  await page.getByTestId("invite-submit").click();
  await page.waitForURL((u) => u.pathname === "/", { timeout: LONG });
  expect(errors).toEqual([]);
  await context.close();
}

async function invite(page: Page, email: string): Promise<void> {
  await page.getByTestId("invite-email").fill(email);
  await page.getByTestId("invite-role").selectOption("host");
  await page.getByTestId("invite-send").click();
  await page.getByTestId(`invite-status-${email}`).waitFor({ timeout: LONG });
}

describe("onboarding from an empty installation (DEMO=0)", () => {
  it("sets up the admin and shop, adds a product, invites hosts, and schedules a show with a line-up and a co-host split", async () => {
    const { context, errors } = await newVisitor(browser, server.url);
    const page = await context.newPage();

    // Every page leads to /setup while nothing is set up.
    await page.goto("/");
    await page.waitForURL((u) => u.pathname === "/setup", { timeout: LONG });
    await page.getByTestId("setup-name").fill("Alex Admin");
    await page.getByTestId("setup-email").fill("alex@kiez.test");
    await page.getByTestId("setup-password").fill("admin password 123");
    await page.getByTestId("setup-shop-name").fill("Kiez Kram");
    await page.getByTestId("setup-shop-legalName").fill("Kiez Kram GmbH");
    await page.getByTestId("setup-shop-line1").fill("Hauptstr. 1");
    await page.getByTestId("setup-shop-postalCode").fill("10115");
    await page.getByTestId("setup-shop-city").fill("Berlin");
    await page.getByTestId("setup-shop-vatId").fill("DE123456789");
    await page.getByTestId("setup-shop-timeZone").selectOption("Europe/Berlin");
    await page.getByTestId("setup-submit").click();
    await page.getByTestId("setup-done").waitFor({ timeout: LONG });

    // The admin's address is confirmed from the emailed link.
    const verify = await mailLink("alex@kiez.test", /verify-email/);
    const verifyPage = await context.newPage();
    await verifyPage.goto(`/verify-email${new URL(verify).hash}`);
    await verifyPage.getByTestId("verify-email-ok").waitFor({ timeout: LONG });
    await verifyPage.close();

    // /admin: the platform admin picks the shop.
    await page.getByTestId("setup-to-admin").click();
    await page.getByTestId("merchant-select").waitFor({ timeout: LONG });
    await page.getByTestId("merchant-select").selectOption({ label: "Kiez Kram" });
    await page.getByTestId("admin").waitFor({ timeout: LONG });

    // A product with two variants.
    await page.getByTestId("tab-products").click();
    await page.getByTestId("product-new").click();
    await page.getByTestId("product-title").fill("Kiez Hoodie");
    await page.getByTestId("product-description").fill("Heavy cotton");
    await page.getByTestId("product-price").fill("59,00");
    await page.getByTestId("product-vat").selectOption("1900");
    await page.getByTestId("product-save").click();
    await page.getByTestId("variant-form").waitFor({ timeout: LONG });
    for (const [sku, size] of [
      ["KH-M", "M"],
      ["KH-L", "L"],
    ]) {
      await page.getByTestId("variant-sku").fill(sku!);
      await page.getByTestId("variant-size").fill(size!);
      await page.getByTestId("variant-new-stock").fill("10");
      await page.getByTestId("variant-add").click();
      await page.locator(`[data-testid=variant-row][data-sku="${sku}"]`).waitFor({ timeout: LONG });
    }

    // Two hosts, invited by email; each accepts from the link in their mail.
    await page.getByTestId("tab-team").click();
    await invite(page, "ada@hosts.test");
    await invite(page, "bo@hosts.test");
    await acceptInvite(await mailLink("ada@hosts.test", /accept-invite/), "Ada Host");
    await acceptInvite(await mailLink("bo@hosts.test", /accept-invite/), "Bo Host");
    await page.getByTestId("tab-products").click();
    await page.getByTestId("tab-team").click();
    await page.getByTestId("host-list").getByText("Bo Host").waitFor({ timeout: LONG });
    expect(await page.getByTestId("invite-status-ada@hosts.test").textContent()).toBe("accepted");

    // The show: Ada hosts, Bo co-hosts with 30 %, three line-up items, starting at a set time in Berlin.
    await page.getByTestId("tab-shows").click();
    await page.getByTestId("new-show").click();
    await page.getByTestId("show-title").fill("Friday drop");
    await page.getByTestId("show-description").fill("New hoodies, live");
    await page.getByTestId("show-starts").fill("2030-06-07T20:00");
    await page.getByTestId("show-host").selectOption({ label: "Ada Host" });
    await page.getByTestId("add-cohost").click();
    await page.getByTestId("cohost-0").selectOption({ label: "Bo Host" });
    await page.getByTestId("cohost-share-0").fill("30");
    expect(await page.getByTestId("host-keeps").textContent()).toContain("70");
    for (let n = 0; n < 3; n++) await page.getByTestId("add-item").click();
    await page.getByTestId("item-variant-0").selectOption({ index: 1 });
    await page.getByTestId("item-price-0").fill("49,00");
    await page.getByTestId("item-quantity-0").fill("3");
    await page.getByTestId("item-variant-1").selectOption({ index: 2 });
    await page.getByTestId("item-price-1").fill("49,00");
    await page.getByTestId("item-quantity-1").fill("2");
    await page.getByTestId("item-variant-2").selectOption({ index: 1 });
    await page.getByTestId("item-price-2").fill("45,00");
    // More than the shelf holds: a clear error in the form, nothing saved.
    await page.getByTestId("item-quantity-2").fill("99");
    await page.getByTestId("show-save").click();
    await page.getByTestId("show-form-error").waitFor({ timeout: LONG });
    expect(await page.getByTestId("show-form-error").textContent()).toContain("3");
    await page.getByTestId("item-quantity-2").fill("4");
    const cover = await sharp({ create: { width: 1600, height: 900, channels: 3, background: { r: 30, g: 30, b: 60 } } })
      .jpeg()
      .toBuffer();
    await page.getByTestId("show-cover-new").setInputFiles({ name: "cover.jpg", mimeType: "image/jpeg", buffer: cover });
    await page.getByTestId("show-save").click();
    await page.getByTestId("show-list").getByText("Friday drop").waitFor({ timeout: LONG });

    const shop = (await page.evaluate(() => fetch("/api/admin/merchants").then((r) => r.json()))).merchants[0];
    const listed = await page.evaluate((id) => fetch(`/api/admin/shows?merchantId=${id}`).then((r) => r.json()), shop.id);
    expect(listed.shows).toHaveLength(1);
    const show = (await page.evaluate((id) => fetch(`/api/admin/shows/${id}`).then((r) => r.json()), listed.shows[0].id)).show;
    expect(show).toMatchObject({ title: "Friday drop", scheduledAt: "2030-06-07T18:00:00.000Z", startsAtLocal: "2030-06-07T20:00", hostName: "Ada Host" });
    expect(show.hosts.map((h: { displayName: string; shareBp: number }) => [h.displayName, h.shareBp])).toEqual([
      ["Ada Host", 7000],
      ["Bo Host", 3000],
    ]);
    expect(show.lineup.map((i: { title: string; quantity: number; showPrice: number }) => [i.title, i.quantity, i.showPrice])).toEqual([
      ["Kiez Hoodie (M)", 3, 4900],
      ["Kiez Hoodie (L)", 2, 4900],
      ["Kiez Hoodie (M)", 4, 4500],
    ]);

    // Viewers see it as upcoming on the home page.
    const { context: viewerContext, errors: viewerErrors } = await newVisitor(browser, server.url, { timezoneId: "America/New_York", locale: "en-US" });
    const viewer = await viewerContext.newPage();
    await viewer.goto("/");
    const upcoming = viewer.getByTestId("shows-upcoming");
    await upcoming.getByText("Friday drop").waitFor({ timeout: LONG });
    // Its cover, resized like product pictures, on the card.
    expect(await upcoming.getByTestId("show-cover").getAttribute("src")).toMatch(/^\/media\/shows\/.+-800\.webp$/);
    expect(viewerErrors).toEqual([]);
    await viewerContext.close();

    // A second shop; Ada, already a host, joins it from its invite by signing in (a host works for several shops).
    const post = (path: string, body: unknown) =>
      page.evaluate(
        ([p, b]) =>
          fetch(p as string, { method: "POST", headers: { "content-type": "application/json", "x-showcart-csrf": "1" }, body: JSON.stringify(b) }).then((r) =>
            r.json(),
          ),
        [path, body] as const,
      );
    const second = await post("/api/admin/merchants", {
      name: "Second Shop",
      legalName: "Second Shop UG",
      address: { line1: "Weg 2", postalCode: "20095", city: "Hamburg", country: "DE" },
      vatId: "DE987654321",
    });
    await post("/api/admin/invites", { email: "ada@hosts.test", role: "host", merchantId: second.shop.id });
    const join = await mailLink("ada@hosts.test", /Second Shop/);
    const { context: adaContext, errors: adaErrors } = await newVisitor(browser, server.url);
    const ada = await adaContext.newPage();
    await ada.goto(`/accept-invite${new URL(join).hash}`);
    await ada.getByTestId("join-form").waitFor({ timeout: LONG });
    await ada.getByTestId("login-email").fill("ada@hosts.test");
    await ada.getByTestId("login-password").fill("host password 123");
    await ada.getByTestId("login-submit").click();
    await ada.getByTestId("join-submit").click();
    await ada.getByTestId("join-done").waitFor({ timeout: LONG });
    const secondHosts = await page.evaluate((id) => fetch(`/api/admin/hosts?merchantId=${id}`).then((r) => r.json()), second.shop.id);
    expect(secondHosts.hosts.map((h: { displayName: string }) => h.displayName)).toEqual(["Ada Host"]);
    expect(adaErrors).toEqual([]);
    await adaContext.close();

    expect(errors).toEqual([]);
    await context.close();
  }, 240_000);
});
