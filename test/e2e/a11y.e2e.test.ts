import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { orderBody } from "../support/fixtures.js";
import { createBuyer } from "../support/accounts.js";
import { login, postOrder, request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { AXE_SOURCE, describeViolations, seriousViolations } from "./axe.js";
import { launchChromium, newVisitor, signedInVisitor } from "./browser.js";

// Every page passes axe-core with no serious or critical finding (issue #14): contrast, labels, names. axe's source is
// evaluated in the page (no network, and Runtime.evaluate is not subject to the pages' CSP), and runs on the page as a
// visitor sees it once its `ready` element is there. A new page is one entry in PAGES.
const LONG = 30_000;

let server: TestServer;
/** A second server on an empty database (DEMO=0), started only when an entry asks for it. */
let emptyServer: TestServer | undefined;
let browser: Browser;
const cookies: Partial<Record<Who, string>> = {};
let orderId = "";
let orderHref = "";
const UPCOMING = "a11y-upcoming";

type Who = "host" | "merchant" | "buyer";

interface A11yPage {
  name: string;
  /** Signed in as the demo host or merchant, or a buyer with no saved details; a guest otherwise. */
  as?: Who;
  /** "empty": the server with no merchant and no demo (first-run pages); the demo server otherwise. */
  on?: "empty";
  /** Path to open, read once the server is up. */
  path: () => string;
  /** data-testid of the element whose presence means the page has rendered. */
  ready: string;
  /** What to do before the check (open a sheet, a tab), after `ready`. */
  prepare?: (page: Page) => Promise<void>;
}

const openCheckout = async (page: Page) => {
  await page.getByTestId("buy").click();
  await page.getByTestId("checkout").waitFor({ timeout: LONG });
  await page.getByTestId("hold-timer").waitFor({ timeout: LONG });
};

/** Clicks each test id in turn, waiting for it to be there first (a tab, then a row's button…), then waits for `shown`. */
const clickThrough =
  (testIds: string[], shown: string) =>
  async (page: Page): Promise<void> => {
    for (const id of testIds) await page.getByTestId(id).first().click({ timeout: LONG });
    await page.getByTestId(shown).first().waitFor({ timeout: LONG });
  };

/** The admin's order list with the paid order placed in beforeAll opened (its fulfil form showing). */
const openPaidOrder = async (page: Page) => {
  await page.locator(`[data-testid=order-row][data-order-id="${orderId}"]`).getByTestId("order-open").click({ timeout: LONG });
  await page.getByTestId("fulfil-form").waitFor({ timeout: LONG });
};

const PAGES: A11yPage[] = [
  { name: "home", path: () => "/", ready: "show-card" },
  { name: "viewer with the checkout open", path: () => `/shows/${server.demo.slug}`, ready: "offer-card", prepare: openCheckout },
  {
    name: "viewer: the buyer's account menu (saved address and card)",
    as: "buyer",
    path: () => `/shows/${server.demo.slug}`,
    ready: "offer-card",
    prepare: clickThrough(["account-button"], "saved-card-form"),
  },
  {
    name: "viewer: shop tab, bag checkout open",
    path: () => `/shows/${server.demo.slug}`,
    ready: "offer-card",
    prepare: clickThrough(["tab-shop", "shop-add", "bag-checkout"], "hold-timer"),
  },
  { name: "studio", as: "host", path: () => `/studio/${server.demo.showId}`, ready: "studio-title" },
  { name: "admin: an order opened", as: "merchant", path: () => "/admin", ready: "admin", prepare: openPaidOrder },
  { name: "admin: products", as: "merchant", path: () => "/admin", ready: "admin", prepare: clickThrough(["tab-products", "product-edit"], "variant-form") },
  { name: "admin: shows", as: "merchant", path: () => "/admin", ready: "admin", prepare: clickThrough(["tab-shows"], "show-summary") },
  {
    name: "admin: payouts and commission rules",
    as: "merchant",
    path: () => "/admin",
    ready: "admin",
    prepare: clickThrough(["tab-payouts"], "payouts-panel"),
  },
  { name: "earnings", as: "host", path: () => "/earnings", ready: "earnings-pending" },
  { name: "account: orders and the Web Push opt-in", as: "buyer", path: () => "/account", ready: "push-enable" },
  { name: "login", path: () => "/login", ready: "login-email" },
  { name: "order page", path: () => orderHref, ready: "order-page" },
  // An empty installation (DEMO=0) leads every page to the first-run page.
  { name: "first run: /setup (DEMO=0)", on: "empty", path: () => "/", ready: "setup-form" },
  { name: "admin: show form", as: "merchant", path: () => "/admin", ready: "admin", prepare: clickThrough(["tab-shows", "new-show", "add-item"], "show-form") },
  { name: "admin: team", as: "merchant", path: () => "/admin", ready: "admin", prepare: clickThrough(["tab-team"], "invite-form") },
  // The embeddable player (opened directly: the page is the same inside a merchant's frame) and its admin tab.
  { name: "embed with the checkout open", path: () => `/embed/${server.demo.slug}`, ready: "offer-card", prepare: openCheckout },
  { name: "admin: embed settings", as: "merchant", path: () => "/admin", ready: "admin", prepare: clickThrough(["tab-embed"], "embed-snippet") },
  // A scheduled show's page: countdown, line-up, "Remind me" (a guest's address form open), follow buttons.
  {
    name: "upcoming show: a guest's reminder form",
    path: () => `/shows/${UPCOMING}`,
    ready: "upcoming-stage",
    prepare: clickThrough(["remind-button"], "remind-email"),
  },
  {
    name: "upcoming show: signed in, reminder set, following",
    as: "buyer",
    path: () => `/shows/${UPCOMING}`,
    ready: "upcoming",
    prepare: clickThrough(["remind-button", "follow-shop"], "remind-set"),
  },
  { name: "unsubscribe page (a link that is not valid)", path: () => "/unsubscribe#t=rem_nope.nope", ready: "unsubscribe-state" },
];

beforeAll(async () => {
  [server, browser, emptyServer] = await Promise.all([
    startTestServer({ demo: true, synthetic: false }),
    launchChromium(),
    PAGES.some((p) => p.on === "empty") ? startTestServer({ demo: false, synthetic: false }) : undefined,
  ]);
  cookies.host = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
  cookies.merchant = await login(server.url, server.demo.merchantEmail, server.demo.hostPassword);
  cookies.buyer = (await createBuyer(server, "a11y@buyer.test", "a long password", "Ally Buyer")).cookie;
  const show = await request(server.url, "GET", `/api/shows/${server.demo.slug}`);
  const offerId = show.body.show.offers.find((o: { pinned: boolean }) => o.pinned).id;
  const placed = await postOrder(server.url, orderBody(offerId));
  expect(placed.status).toBe(201);
  orderId = placed.body.order.id;
  orderHref = `/orders/${orderId}#t=${placed.body.accessToken}`;
  const hosts = await request(server.url, "GET", "/api/admin/hosts", { cookie: cookies.merchant });
  const products = await request(server.url, "GET", "/api/admin/products", { cookie: cookies.merchant });
  const upcoming = await request(server.url, "POST", "/api/admin/shows", {
    cookie: cookies.merchant,
    body: {
      title: "Coming up: spring collection",
      slug: UPCOMING,
      description: "New colours, first look.",
      hostAccountId: hosts.body.hosts[0].id,
      scheduledAt: new Date(Date.now() + 2 * 24 * 3600_000).toISOString(),
      lineup: products.body.products
        .slice(0, 2)
        .map((p: { id: string; price: number }) => ({ productId: p.id, showPrice: Math.max(100, p.price - 300), quantity: 3 })),
    },
  });
  expect(upcoming.status).toBe(201);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all([server?.close(), emptyServer?.close()]);
});

/** Every badge the client renders (status, line-up states, simulcast destinations, chat and replay), by class. */
const BADGES = [
  "badge",
  ...["scheduled", "live", "reconnecting", "offline", "ended", "host", "replay"].map((s) => `badge badge-${s}`),
  ...["idle", "connecting", "live", "error"].map((s) => `badge destination-status-${s}`),
  "badge lineup-state",
];

describe("accessibility (axe-core: no serious or critical violations)", () => {
  it("every badge variant has at least 4.5:1 text contrast (small bold text)", async () => {
    const visitor = await newVisitor(browser, server.url);
    const page = await visitor.context.newPage();
    await page.goto("/");
    await page.getByTestId("show-card").first().waitFor({ timeout: LONG });
    // The page's own stylesheet on one of each, on the page background and on a panel (surface).
    await page.evaluate((classes) => {
      for (const bg of ["", "panel"]) {
        const box = document.createElement("div");
        box.className = bg;
        box.setAttribute("data-badges", bg || "page");
        box.innerHTML = classes.map((c) => `<span class="${c}">${c.split(" ").at(-1)} 12</span> `).join("");
        document.querySelector("main")?.append(box);
      }
    }, BADGES);
    await page.evaluate(AXE_SOURCE);
    const failing = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run: (ctx: object, opts: object) => Promise<{ violations: { nodes: { html: string }[] }[] }> } }).axe;
      const result = await axe.run({ include: [["[data-badges]"]] }, { runOnly: ["color-contrast"], resultTypes: ["violations"] });
      return result.violations.flatMap((v) => v.nodes.map((n) => n.html));
    });
    expect(failing).toEqual([]);
    await visitor.context.close();
  }, 120_000);

  for (const entry of PAGES) {
    it(`${entry.name}`, async () => {
      const base = entry.on === "empty" ? emptyServer!.url : server.url;
      const visitor = entry.as ? await signedInVisitor(browser, base, cookies[entry.as]!) : await newVisitor(browser, base);
      const page = await visitor.context.newPage();
      await page.goto(entry.path());
      await page
        .getByTestId(entry.ready)
        .first()
        .waitFor({ timeout: LONG })
        .catch(async (err: Error) => {
          const text = (
            (await page
              .locator("body")
              .textContent()
              .catch(() => "")) ?? ""
          ).slice(0, 500);
          throw new Error(`${entry.name}: ${entry.ready} never showed (${err.message}); page errors: ${JSON.stringify(visitor.errors)}; page text: ${text}`);
        });
      await entry.prepare?.(page);
      const violations = await seriousViolations(page);
      // Compared as text so a failure prints each violation's id, targets and what axe says to fix.
      expect(describeViolations(violations)).toBe("");
      expect(visitor.errors).toEqual([]);
      await visitor.context.close();
    }, 180_000);
  }
});
