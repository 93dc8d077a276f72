import type { Browser, BrowserContext, Page } from "playwright-core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { utcToZonedLocal } from "../../src/protocol/time-zone.js";
import type { Clock } from "../../src/server/platform/clock.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { FAKE_MEDIA_ARGS, launchChromium, newVisitor } from "./browser.js";

// Issue #14's proof: one merchant's business from an empty installation (DEMO=0) to a paid bag, all in Chromium.
// The show is scheduled two minutes ahead of the server's clock, which the test then moves on by two minutes (an
// injected clock: real time plus an offset) instead of sleeping. Waits are generous (2 shared cores); nothing
// asserts on elapsed time.
const LONG = 40_000;

/** Real time plus an offset the test moves on: sessions, holds and sockets keep working, the schedule comes due. */
class OffsetClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

const clock = new OffsetClock();
let server: TestServer;
let browser: Browser;
const contexts: { context: BrowserContext; errors: string[]; who: string }[] = [];

beforeAll(async () => {
  [server, browser] = await Promise.all([
    // No reconnect grace, so the host's Stop (afterAll) ends the show at once.
    startTestServer({ demo: false, synthetic: false, clock, env: { DEV_MAILBOX: "1", RECONNECT_GRACE_SECONDS: "0" } }),
    launchChromium({ args: FAKE_MEDIA_ARGS }),
  ]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function visitor(who: string, opts: Parameters<typeof newVisitor>[2] = {}): Promise<Page> {
  const v = await newVisitor(browser, server.url, opts);
  contexts.push({ ...v, who });
  return v.context.newPage();
}

const picture = (r: number, g: number, b: number) =>
  sharp({ create: { width: 900, height: 900, channels: 3, background: { r, g, b } } })
    .jpeg()
    .toBuffer();

/**
 * Opens the dev mailbox page, finds the newest message to `email` whose subject matches, and returns the link of its
 * button as the HTML part shows it (in the sandboxed frame). Polls: emails leave through the outbox.
 */
async function linkFromMailbox(page: Page, email: string, subject: RegExp, button: string): Promise<string> {
  for (let i = 0; i < 60; i++) {
    await page.goto("/dev/mailbox");
    const mail = page.locator(`[data-testid=mail][data-to="${email}"]`).filter({ has: page.locator("h2", { hasText: subject }) });
    if (await mail.count()) {
      const frame = mail.first().frameLocator("[data-testid=mail-html]");
      const href = await frame.getByRole("link", { name: button }).getAttribute("href", { timeout: LONG });
      // The text part carries the same link.
      await page.getByTestId("mailbox-part-text").click();
      const text = await page.locator(`[data-testid=mail][data-to="${email}"]`).first().getByTestId("mail-text").textContent();
      expect(text).toContain(href!);
      return href!;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`no mail to ${email} matching ${subject}`);
}

/** The link names the server's PUBLIC_URL (unset here); the same path and fragment on the test server. */
const onServer = (link: string) => {
  const u = new URL(link);
  return `${u.pathname}${u.search}${u.hash}`;
};

async function addProduct(page: Page, p: { title: string; price: string; colour: [number, number, number]; variants: [string, string, string][] }) {
  await page.getByTestId("product-new").click();
  await page.getByTestId("product-title").fill(p.title);
  await page.getByTestId("product-description").fill(`${p.title}, live only`);
  await page.getByTestId("product-price").fill(p.price);
  await page.getByTestId("product-vat").selectOption("1900");
  await page.getByTestId("product-save").click();
  await page.getByTestId("variant-form").waitFor({ timeout: LONG });
  // Something that is not an image: a clear error, nothing stored.
  await page.getByTestId("product-file").setInputFiles({ name: "notes.jpg", mimeType: "image/jpeg", buffer: Buffer.from("not a picture") });
  await page.locator("[data-testid=product-message].alert").waitFor({ timeout: LONG });
  expect(await page.getByTestId("product-image").count()).toBe(0);
  await page.getByTestId("product-file").setInputFiles({ name: `${p.title}.jpg`, mimeType: "image/jpeg", buffer: await picture(...p.colour) });
  await page.getByTestId("product-image").waitFor({ timeout: LONG });
  for (const [sku, size, stock] of p.variants) {
    await page.getByTestId("variant-sku").fill(sku);
    await page.getByTestId("variant-size").fill(size);
    await page.getByTestId("variant-new-stock").fill(stock);
    await page.getByTestId("variant-add").click();
    await page.locator(`[data-testid=variant-row][data-sku="${sku}"]`).waitFor({ timeout: LONG });
  }
}

async function invite(page: Page, email: string): Promise<void> {
  await page.getByTestId("invite-email").fill(email);
  await page.getByTestId("invite-role").selectOption("host");
  await page.getByTestId("invite-send").click();
  await page.getByTestId(`invite-status-${email}`).waitFor({ timeout: LONG });
}

/** A host opens the invitation from the dev mailbox and creates their account with it. */
async function acceptFromMailbox(email: string, name: string, password: string): Promise<void> {
  const page = await visitor(name);
  const link = await linkFromMailbox(page, email, /invites you/, "Accept the invitation");
  await page.goto(onServer(link));
  await page.getByTestId("invite-name").fill(name);
  await page.getByTestId("invite-password").fill(password);
  await page.getByTestId("invite-submit").click();
  await page.waitForURL((u) => u.pathname === "/", { timeout: LONG });
  await page.close();
}

async function openShop(page: Page, slug: string): Promise<void> {
  await page.goto(`/shows/${slug}`);
  await page.getByTestId("tab-shop").click();
  await page.getByTestId("shop").waitFor({ timeout: LONG });
}

const shopItem = (page: Page, title: string) => page.getByTestId("shop-item").filter({ has: page.locator(".shop-item-title", { hasText: title }) });
const remainingIs = (page: Page, offerId: string, n: number) =>
  page.waitForFunction(
    ([id, expected]) =>
      document.querySelector(`[data-testid=shop-item][data-offer-id="${id}"] [data-testid=shop-remaining]`)?.getAttribute("data-remaining") ===
      String(expected),
    [offerId, n] as const,
    { timeout: LONG },
  );

describe("a merchant's business from an empty installation (DEMO=0)", () => {
  it("sets up the shop, plans a show with two hosts, goes live from the browser, sells a bag of two and books the split commission", async () => {
    // ── Onboarding: the platform admin and the first shop.
    const admin = await visitor("admin");
    await admin.goto("/");
    await admin.waitForURL((u) => u.pathname === "/setup", { timeout: LONG });
    await admin.getByTestId("setup-name").fill("Alex Admin");
    await admin.getByTestId("setup-email").fill("alex@kiez.test");
    await admin.getByTestId("setup-password").fill("admin password 123");
    await admin.getByTestId("setup-shop-name").fill("Kiez Kram");
    await admin.getByTestId("setup-shop-legalName").fill("Kiez Kram GmbH");
    await admin.getByTestId("setup-shop-line1").fill("Hauptstr. 1");
    await admin.getByTestId("setup-shop-postalCode").fill("10115");
    await admin.getByTestId("setup-shop-city").fill("Berlin");
    await admin.getByTestId("setup-shop-vatId").fill("DE123456789");
    await admin.getByTestId("setup-shop-timeZone").selectOption("Europe/Berlin");
    await admin.getByTestId("setup-submit").click();
    await admin.getByTestId("setup-done").waitFor({ timeout: LONG });
    await admin.getByTestId("setup-to-admin").click();
    await admin.getByTestId("merchant-select").waitFor({ timeout: LONG });
    await admin.getByTestId("merchant-select").selectOption({ label: "Kiez Kram" });
    await admin.getByTestId("admin").waitFor({ timeout: LONG });

    // ── Two products, each with a picture and two variants.
    await admin.getByTestId("tab-products").click();
    await addProduct(admin, {
      title: "Kiez Hoodie",
      price: "59,00",
      colour: [30, 30, 90],
      variants: [
        ["KH-M", "M", "10"],
        ["KH-L", "L", "10"],
      ],
    });
    await addProduct(admin, {
      title: "Spree Cap",
      price: "25,00",
      colour: [200, 60, 40],
      variants: [
        ["SC-S", "S", "8"],
        ["SC-L", "L", "8"],
      ],
    });
    await expect(admin.getByTestId("product-row").count()).resolves.toBe(2);

    // ── Two hosts, invited by email; each opens the invitation from the dev mailbox and accepts.
    await admin.getByTestId("tab-team").click();
    await invite(admin, "ada@hosts.test");
    await invite(admin, "bo@hosts.test");
    await acceptFromMailbox("ada@hosts.test", "Ada Host", "ada password 123");
    await acceptFromMailbox("bo@hosts.test", "Bo Host", "bo password 123");
    await admin.getByTestId("tab-products").click();
    await admin.getByTestId("tab-team").click();
    await admin.getByTestId("host-list").getByText("Bo Host").waitFor({ timeout: LONG });

    // ── The show, two minutes from now in the shop's time zone: Ada hosts, Bo co-hosts with 30 %, three items.
    const startsAt = new Date(Math.ceil((clock.now().getTime() + 120_000) / 60_000) * 60_000);
    await admin.getByTestId("tab-shows").click();
    await admin.getByTestId("new-show").click();
    await admin.getByTestId("show-title").fill("Friday drop");
    await admin.getByTestId("show-description").fill("New hoodies and caps, live");
    await admin.getByTestId("show-starts").fill(utcToZonedLocal(startsAt, "Europe/Berlin"));
    await admin.getByTestId("show-host").selectOption({ label: "Ada Host" });
    await admin.getByTestId("add-cohost").click();
    await admin.getByTestId("cohost-0").selectOption({ label: "Bo Host" });
    await admin.getByTestId("cohost-share-0").fill("30");
    expect(await admin.getByTestId("host-keeps").textContent()).toContain("70");
    for (let n = 0; n < 3; n++) await admin.getByTestId("add-item").click();
    const item = async (n: number, product: string, variant: number, price: string, quantity: string) => {
      await admin.getByTestId(`item-product-${n}`).selectOption({ label: product });
      await admin.getByTestId(`item-variant-${n}`).selectOption({ index: variant });
      await admin.getByTestId(`item-price-${n}`).fill(price);
      await admin.getByTestId(`item-quantity-${n}`).fill(quantity);
    };
    await item(0, "Kiez Hoodie", 1, "49,00", "3");
    await item(1, "Kiez Hoodie", 2, "49,00", "2");
    await item(2, "Spree Cap", 1, "19,00", "4");
    await admin.getByTestId("show-save").click();
    await admin.getByTestId("show-list").getByText("Friday drop").waitFor({ timeout: LONG });
    const merchantId: string = (await admin.evaluate(() => fetch("/api/admin/merchants").then((r) => r.json()))).merchants[0].id;
    const listed = await admin.evaluate((id) => fetch(`/api/admin/shows?merchantId=${id}`).then((r) => r.json()), merchantId);
    const show = (await admin.evaluate((id) => fetch(`/api/admin/shows/${id}`).then((r) => r.json()), listed.shows[0].id)).show;
    expect(show).toMatchObject({ title: "Friday drop", scheduledAt: startsAt.toISOString(), hostName: "Ada Host", status: "scheduled" });
    expect(show.lineup.map((i: { title: string; quantity: number }) => [i.title, i.quantity])).toEqual([
      ["Kiez Hoodie (M)", 3],
      ["Kiez Hoodie (L)", 2],
      ["Spree Cap (S)", 4],
    ]);

    // ── Upcoming on the home page.
    const home = await visitor("home viewer", { timezoneId: "America/New_York", locale: "en-US" });
    await home.goto("/");
    await home.getByTestId("shows-upcoming").getByText("Friday drop").waitFor({ timeout: LONG });
    await home.close();

    // A viewer already waits in the show room with the shop tab open (nothing on sale yet).
    const watcher = await visitor("watcher");
    await openShop(watcher, show.slug);
    await expect(watcher.getByTestId("shop-item").count()).resolves.toBe(0);

    // ── Two minutes later (the server's clock moves on): Ada goes live from the studio with the fake camera.
    clock.offsetMs += startsAt.getTime() - clock.now().getTime() + 1_000;
    const studio = await visitor("studio (Ada)");
    await studio.goto(`/studio/${show.id}`);
    await studio.getByTestId("login-email").fill("ada@hosts.test");
    await studio.getByTestId("login-password").fill("ada password 123");
    await studio.getByTestId("login-submit").click();
    await studio.getByTestId("studio-title").waitFor({ timeout: LONG });
    await studio.getByTestId("studio-setup-open").click();
    await studio.getByTestId("golive-start").click();
    await studio.locator("[data-testid=golive][data-phase=live]").waitFor({ timeout: LONG });
    await expect.poll(async () => (await server.services.shows.show(show.id)).status, { timeout: LONG, interval: 250 }).toBe("live");
    await studio.getByTestId("studio-setup-close").click();

    // The whole line-up goes on sale: the first item pinned, the other two open in the shop tab.
    await studio.getByTestId("lineup-open-all").click();
    await studio.locator("[data-testid=lineup-item][data-state=pinned]").waitFor({ timeout: LONG });
    await expect(studio.locator("[data-testid=lineup-item][data-state=open]").count()).resolves.toBe(2);
    // The waiting viewer's shop tab fills live: the pinned offer and the two opened without a pin.
    await watcher.locator("[data-testid=shop-item]").nth(2).waitFor({ timeout: LONG });
    await expect(watcher.getByTestId("shop-item").count()).resolves.toBe(3);
    const offerIdOf = async (title: string) => (await shopItem(watcher, title).getAttribute("data-offer-id"))!;
    const hoodieM = await offerIdOf("Kiez Hoodie (M)");
    const cap = await offerIdOf("Spree Cap (S)");
    await remainingIs(watcher, hoodieM, 3);
    await remainingIs(watcher, cap, 4);

    // ── A buyer puts two items of the line-up in the bag and pays once.
    const buyer = await visitor("buyer");
    await openShop(buyer, show.slug);
    await shopItem(buyer, "Kiez Hoodie (M)").getByTestId("shop-add").click();
    await shopItem(buyer, "Spree Cap (S)").getByTestId("shop-add").click();
    await expect(buyer.getByTestId("bag-line").count()).resolves.toBe(2);
    await buyer.getByTestId("bag-checkout").click();
    await buyer.getByTestId("checkout-bag").waitFor({ timeout: LONG });
    await buyer.getByTestId("checkout-name").fill("Bea Beutel");
    await buyer.getByTestId("checkout-email").fill("bea@example.com");
    await buyer.getByTestId("checkout-line1").fill("Taschenweg 2");
    await buyer.getByTestId("checkout-postalCode").fill("20095");
    await buyer.getByTestId("checkout-city").fill("Hamburg");
    await buyer.getByTestId("checkout-submit").click();
    await buyer.getByTestId("order-confirmation").waitFor({ timeout: LONG });
    await expect(buyer.getByTestId("order-line").count()).resolves.toBe(2);
    const orderId = (await buyer.getByTestId("order-id").textContent())!;

    // ── Both units drop live for the other viewer.
    await Promise.all([remainingIs(watcher, hoodieM, 2), remainingIs(watcher, cap, 3)]);

    // ── Ada's studio: the commission, split with Bo 70 / 30.
    const order = await server.services.orders.order(orderId);
    expect(order).toMatchObject({ status: "paid", quantity: 2, total: 4900 + 1900 });
    const commission = await server.services.commissions.showPendingEarnings(show.id);
    expect(commission).toBeGreaterThan(0);
    const money = (cents: number) => new Intl.NumberFormat("en-GB", { style: "currency", currency: "EUR" }).format(cents / 100);
    await studio.waitForFunction((text) => document.querySelector("[data-testid=stat-commission]")?.textContent === text, money(commission), {
      timeout: LONG,
    });
    const split = studio.getByTestId("commission-split");
    const share = (name: string) => split.locator("[data-testid=commission-share]").filter({ hasText: name });
    await expect(share("Ada Host").getAttribute("data-share-bp")).resolves.toBe("7000");
    await expect(share("Bo Host").getAttribute("data-share-bp")).resolves.toBe("3000");
    const ada = Number(await share("Ada Host").getAttribute("data-amount"));
    const bo = Number(await share("Bo Host").getAttribute("data-amount"));
    expect(ada + bo).toBe(commission);
    expect(Math.abs(bo - commission * 0.3)).toBeLessThanOrEqual(1);
    expect(await share("Bo Host").textContent()).toContain(money(bo));

    // ── The merchant's order list: one order, two lines, each named.
    await admin.getByTestId("tab-orders").click();
    await admin.getByTestId("orders-table").waitFor({ timeout: LONG });
    const rows = admin.getByTestId("order-row");
    await expect(rows.count()).resolves.toBe(1);
    await expect(rows.first().getAttribute("data-order-id")).resolves.toBe(orderId);
    const lines = rows.first().getByTestId("order-row-line");
    await expect(lines.allTextContents()).resolves.toEqual([expect.stringContaining("Kiez Hoodie (M)"), expect.stringContaining("Spree Cap (S)")]);

    // The host stops; the show goes offline.
    await studio.getByTestId("studio-setup-open").click();
    await studio.getByTestId("golive-stop").click();
    await expect.poll(async () => (await server.services.shows.show(show.id)).status, { timeout: LONG, interval: 250 }).toBe("offline");

    for (const c of contexts) expect(c.errors, c.who).toEqual([]);
    await Promise.all(contexts.map((c) => c.context.close()));
  }, 420_000);
});
