import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { orderBody } from "../support/fixtures.js";
import { login, request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { launchChromium, newVisitor, signedInVisitor } from "./browser.js";

// The host's studio shows the commission of a sale the moment it is paid (earnings.updated), the sale came through
// the host's share link opened in a real browser (first-party cookie), and /earnings shows the same pending amount.
let server: TestServer;
let browser: Browser;
const LONG = 45_000;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer({ demo: true, synthetic: false }), launchChromium()]);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const signedIn = (cookie: string) => signedInVisitor(browser, server.url, cookie);

const digits = (s: string | null) => Number((s ?? "").replace(/\D/g, ""));

describe("host earnings", () => {
  it("the host's studio shows the commission of a sale made through the host's share link, live, and /earnings lists it", async () => {
    const host = await signedIn(await login(server.url, server.demo.hostEmail, server.demo.hostPassword));
    const studio = await host.context.newPage();
    await studio.goto(`/studio/${server.demo.showId}`);
    await studio.getByTestId("studio-title").waitFor({ timeout: LONG });
    const shareText = await studio.getByTestId("share-link").locator("code").textContent({ timeout: LONG });
    const shareUrl = new URL(shareText!);
    expect(shareUrl.searchParams.get("ref")).toMatch(/^[a-z0-9]{12}$/);
    const before = digits(await studio.getByTestId("stat-commission").textContent());

    // A buyer opens the share link (the server sets the first-party cookie) and buys from that browser.
    const buyer = await newVisitor(browser, server.url);
    const page = await buyer.context.newPage();
    await page.goto(`${shareUrl.pathname}${shareUrl.search}`);
    await page.getByTestId("show-title").waitFor({ timeout: LONG });
    expect((await buyer.context.cookies()).some((c) => c.name === "sc_ref" && c.httpOnly)).toBe(true);
    const show = await request(server.url, "GET", "/api/shows/demo");
    const offerId = show.body.show.offers.find((o: { pinned: boolean }) => o.pinned).id;
    const order = await page.evaluate(
      async (body) => {
        const res = await fetch("/api/orders", {
          method: "POST",
          headers: { "content-type": "application/json", "idempotency-key": `e2e-earnings-${Date.now()}` },
          body: JSON.stringify(body),
        });
        return (await res.json()).order as { id: string; total: number };
      },
      orderBody(offerId, { quantity: 2 }),
    );
    expect((await server.services.commissions.attributionOf(order.id))?.source).toBe("link");
    // Demo merchant has no rule set: the show's rate (10 %) on the gross total, rounded down.
    const commission = Math.floor((order.total * 1000) / 10_000);

    // The studio's commission figure moves by exactly that commission without a reload.
    await expect
      .poll(async () => digits(await studio.getByTestId("stat-commission").textContent()), { timeout: LONG, interval: 250 })
      .toBe(before + commission);

    // The host's earnings page: pending earnings, and this month's statement to download.
    const earnings = await host.context.newPage();
    await earnings.goto("/earnings");
    await earnings.getByTestId("earnings-pending").waitFor({ timeout: LONG });
    expect(digits(await earnings.getByTestId("earnings-pending").textContent())).toBe(before + commission);
    const csvHref = await earnings.getByTestId("statement-csv").first().getAttribute("href");
    expect(csvHref).toMatch(/^\/api\/earnings\/statements\/\d{4}-\d{2}\.csv$/);
    const csv = await earnings.evaluate(async (href) => (await fetch(href!)).text(), csvHref);
    expect(csv).toContain(order.id);

    // The payout account is saved with the API client's PUT: a wrong IBAN comes back as the server's message, a right
    // one is kept and shown masked. The page is switched to German: the refusal is said in German, with the server's
    // specifics (which field) after it.
    await earnings.getByTestId("lang-de").click();
    const form = earnings.getByTestId("payout-account-form");
    await earnings.getByTestId("payout-holder").fill("Demo Host");
    await earnings.getByTestId("payout-iban").fill("DE89370400440532013001"); // check digits do not match
    await earnings.getByTestId("payout-bic").fill("COBADEFFXXX");
    await form.getByRole("button").click();
    await earnings.getByTestId("payout-error").waitFor({ timeout: LONG });
    expect(await earnings.getByTestId("payout-error").textContent()).toMatch(/^Die Eingabe ist nicht gültig\. \(iban: /);
    await earnings.getByTestId("payout-iban").fill("DE89370400440532013000");
    await form.getByRole("button").click();
    await form.getByRole("status").waitFor({ timeout: LONG });
    await expect.poll(async () => earnings.getByTestId("payout-account-form").textContent(), { timeout: LONG }).toMatch(/3000/);
    expect(await earnings.getByTestId("payout-error").count()).toBe(0);
    expect([...host.errors, ...buyer.errors]).toEqual([]);
    await Promise.all([host.context.close(), buyer.context.close()]);
  }, 300_000);

  it("the shop pays its host from /admin in German: the host by name, the payout's status in words", async () => {
    const merchantCookie = await login(server.url, server.demo.merchantEmail, server.demo.hostPassword);
    const hostCookie = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
    const me = (await request(server.url, "GET", "/api/auth/me", { cookie: hostCookie })).body.account as { id: string; displayName: string };
    // No return window and a minimum of one cent: a sale's commission can be paid out at once.
    const rules = { percentBp: 1000, returnWindowDays: 0, payoutMinimum: 1 };
    expect((await request(server.url, "POST", "/api/admin/commission-rules", { cookie: merchantCookie, body: rules })).status).toBe(201);
    const bank = { debtorName: "Demo Shop GmbH", iban: "DE89370400440532013000", bic: "COBADEFFXXX" };
    expect((await request(server.url, "PUT", "/api/admin/payout-settings", { cookie: merchantCookie, body: bank })).status).toBe(200);
    const show = await request(server.url, "GET", "/api/shows/demo");
    const offerId = show.body.show.offers.find((o: { pinned: boolean }) => o.pinned).id;
    expect(
      (await request(server.url, "POST", "/api/orders", { body: orderBody(offerId), headers: { "idempotency-key": `e2e-payout-${Date.now()}` } })).status,
    ).toBe(201);
    await server.services.commissions.matureDue();

    const admin = await signedIn(merchantCookie);
    const page = await admin.context.newPage();
    await page.goto("/admin");
    await page.getByTestId("lang-de").click();
    await page.getByTestId("tab-payouts").click();
    const available = page.getByTestId("payouts-available");
    await available.waitFor({ timeout: LONG });
    // The host by name, not by account id.
    expect(await available.locator("tbody td").first().textContent()).toBe(me.displayName);
    await page.getByTestId("payouts-run").click();
    await page.getByTestId("payouts-note").filter({ hasText: "1 Auszahlung erstellt." }).waitFor({ timeout: LONG });
    const history = page.getByTestId("payouts-history");
    await history.waitFor({ timeout: LONG });
    expect(await history.locator("tbody tr").first().locator("td").allTextContents()).toEqual([me.displayName, expect.stringMatching(/€/), "vorbereitet"]);
    expect(admin.errors).toEqual([]);
    await admin.context.close();
  }, 300_000);
});
