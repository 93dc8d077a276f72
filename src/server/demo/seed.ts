import fs from "node:fs";
import path from "node:path";
import type { AccountService } from "../accounts/index.js";
import type { CatalogService } from "../catalog/index.js";
import type { OfferService } from "../offers/index.js";
import { secretToken } from "../platform/ids.js";
import type { ShowService } from "../shows/index.js";

export interface DemoInfo {
  showId: string;
  slug: string;
  hostEmail: string;
  hostPassword: string;
  merchantEmail: string;
  streamKey: string;
}

export const DEMO_SLUG = "demo";
const HOST_EMAIL = "host@demo.showcart.local";
const MERCHANT_EMAIL = "merchant@demo.showcart.local";

/**
 * On an empty database: a merchant, its owner, a host, three products and the `demo` show. The generated password is
 * kept in <dataDir>/demo-login.json (mode 600) so every start can print it again. Each start makes sure the demo
 * show has a pinned, open offer to buy.
 */
export async function seedDemo(deps: {
  dataDir: string;
  accounts: AccountService;
  catalog: CatalogService;
  shows: ShowService;
  offers: OfferService;
  commissionBp: number;
}): Promise<DemoInfo> {
  const credFile = path.join(deps.dataDir, "demo-login.json");
  const existingId = await deps.shows.showIdForSlug(DEMO_SLUG);
  let info: DemoInfo;
  if (!existingId) {
    const password = secretToken(9);
    const merchant = await deps.catalog.createMerchant("Showcart Demo Shop");
    await deps.accounts.createAccount({ email: MERCHANT_EMAIL, password, displayName: "Demo Shop", role: "merchant", merchantId: merchant.id });
    const host = await deps.accounts.createAccount({ email: HOST_EMAIL, password, displayName: "Mia (Host)", role: "host", merchantId: merchant.id });
    const products = [
      { title: "Cloud Runner Sneaker", description: "Light running shoe, recycled mesh upper.", image: "sneaker", price: 12_999 },
      { title: "Studio Wireless Headphones", description: "Noise cancelling, 40 h battery.", image: "headphones", price: 19_900 },
      { title: "Stoneware Mug, 350 ml", description: "Hand-glazed, dishwasher safe.", image: "mug", price: 2_490 },
    ];
    for (const p of products) {
      await deps.catalog.createProduct({
        merchantId: merchant.id,
        title: p.title,
        description: p.description,
        imageUrl: `/images/demo/${p.image}.svg`,
        price: p.price,
        currency: "EUR",
      });
    }
    const show = await deps.shows.createShow({
      merchantId: merchant.id,
      hostAccountId: host.id,
      slug: DEMO_SLUG,
      title: "Showcart Demo Live",
      commissionRateBp: deps.commissionBp,
    });
    info = { showId: show.id, slug: DEMO_SLUG, hostEmail: HOST_EMAIL, hostPassword: password, merchantEmail: MERCHANT_EMAIL, streamKey: show.streamKey };
    fs.mkdirSync(deps.dataDir, { recursive: true });
    fs.writeFileSync(credFile, JSON.stringify({ hostEmail: HOST_EMAIL, merchantEmail: MERCHANT_EMAIL, password }), { mode: 0o600 });
  } else {
    const creds = JSON.parse(fs.readFileSync(credFile, "utf8")) as { hostEmail: string; merchantEmail: string; password: string };
    info = {
      showId: existingId,
      slug: DEMO_SLUG,
      hostEmail: creds.hostEmail,
      hostPassword: creds.password,
      merchantEmail: creds.merchantEmail,
      streamKey: await deps.shows.streamKey(existingId),
    };
  }
  const show = await deps.shows.show(info.showId);
  const open = await deps.offers.activeOffers(show.id);
  if (!open.some((o) => o.pinned && o.remaining > 0)) {
    const [first] = await deps.catalog.productsOf(show.merchantId);
    if (first) await deps.offers.create(show.id, first, { showPrice: Math.round(first.price * 0.7), quantity: 50, durationSeconds: 2 * 3600, pin: true });
  }
  return info;
}
