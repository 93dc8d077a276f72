import type { Kysely } from "kysely";
import type { ShopBody, ShopView } from "../../protocol/api.js";
import { isTimeZone } from "../../protocol/time-zone.js";
import { type Db, type SharedTx, scoped } from "../db/index.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { randomId } from "../platform/ids.js";
import { ownedImageUrl } from "./images.js";
import type { CatalogTables } from "./schema.js";

type MerchantRow = CatalogTables["merchants"] extends infer T
  ? { [K in keyof T]: T[K] extends import("kysely").ColumnType<infer S, unknown, unknown> ? S : T[K] }
  : never;

export const DEFAULT_TIME_ZONE = "Europe/Berlin";

/** "Käthe's Döner & Co." → "kathe-s-doner-co": the rule of migration 96's backfill (accents folded, ß → ss). */
export function shopSlugBase(name: string): string {
  const base = name
    .toLowerCase()
    .replace(/ß/g, "ss")
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 50)
    .replace(/-+$/, "");
  return base || "shop";
}

/**
 * A free slug for a new shop: its name's, or with the tail of its id when another shop has that name's. A race
 * between two shops of one name ends at the unique index (the second create fails and is retried by its caller).
 */
export async function freeShopSlug(q: Kysely<CatalogTables>, name: string, id: string): Promise<string> {
  const base = shopSlugBase(name);
  const taken = await q.selectFrom("merchants").select("id").where("slug", "=", base).executeTakeFirst();
  return taken
    ? `${base}-${id
        .slice(-8)
        .toLowerCase()
        .replace(/[^a-z0-9]/g, "")}`
    : base;
}

/** Shops: their legal details, address, VAT id, currency, time zone and logo (the merchants table). */
export class MerchantService {
  private readonly db: Kysely<CatalogTables>;

  constructor(
    db: Db,
    private readonly clock: Clock,
  ) {
    this.db = scoped(db);
  }

  /** Whether any shop exists (the first-run page is only for an empty installation). */
  async any(tx?: SharedTx): Promise<boolean> {
    const q = scoped<CatalogTables>(tx ?? this.db);
    return !!(await q.selectFrom("merchants").select("id").limit(1).executeTakeFirst());
  }

  async create(input: ShopBody, tx?: SharedTx): Promise<ShopView> {
    const q = scoped<CatalogTables>(tx ?? this.db);
    const timeZone = input.timeZone ?? DEFAULT_TIME_ZONE;
    if (!isTimeZone(timeZone)) throw new AppError("invalid_body", "shop.timeZone: not a time zone (e.g. Europe/Berlin)");
    const id = randomId("mer");
    const row = {
      id,
      name: input.name,
      slug: await freeShopSlug(q, input.name, id),
      created_at: this.clock.now(),
      legal_name: input.legalName,
      address_line1: input.address.line1,
      address_line2: input.address.line2 ?? "",
      postal_code: input.address.postalCode,
      city: input.address.city,
      country: input.address.country,
      vat_id: input.vatId,
      currency: "EUR",
      time_zone: timeZone,
      logo_image_id: null,
    };
    await q.insertInto("merchants").values(row).execute();
    return toShop(row as MerchantRow);
  }

  async shop(id: string): Promise<ShopView> {
    const row = await this.db.selectFrom("merchants").selectAll().where("id", "=", id).executeTakeFirst();
    if (!row) throw new AppError("not_found", "No such shop.");
    return toShop(row as MerchantRow);
  }

  /** The shop with this slug (its public page), or null. */
  async bySlug(slug: string): Promise<ShopView | null> {
    const row = await this.db.selectFrom("merchants").selectAll().where("slug", "=", slug).executeTakeFirst();
    return row ? toShop(row as MerchantRow) : null;
  }

  async list(): Promise<ShopView[]> {
    const rows = await this.db.selectFrom("merchants").selectAll().orderBy("name").orderBy("id").execute();
    return rows.map((r) => toShop(r as MerchantRow));
  }

  async update(id: string, patch: Partial<ShopBody>): Promise<ShopView> {
    if (patch.timeZone !== undefined && !isTimeZone(patch.timeZone)) throw new AppError("invalid_body", "timeZone: not a time zone (e.g. Europe/Berlin)");
    const set: Record<string, string> = {};
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.legalName !== undefined) set.legal_name = patch.legalName;
    if (patch.vatId !== undefined) set.vat_id = patch.vatId;
    if (patch.timeZone !== undefined) set.time_zone = patch.timeZone;
    if (patch.address) {
      set.address_line1 = patch.address.line1;
      set.address_line2 = patch.address.line2 ?? "";
      set.postal_code = patch.address.postalCode;
      set.city = patch.address.city;
      set.country = patch.address.country;
    }
    if (Object.keys(set).length) await this.db.updateTable("merchants").set(set).where("id", "=", id).execute();
    return this.shop(id);
  }

  async setLogo(id: string, imageId: string): Promise<ShopView> {
    await this.db.updateTable("merchants").set({ logo_image_id: imageId }).where("id", "=", id).execute();
    return this.shop(id);
  }

  async timeZoneOf(id: string): Promise<string> {
    const row = await this.db.selectFrom("merchants").select("time_zone").where("id", "=", id).executeTakeFirst();
    return row?.time_zone ?? DEFAULT_TIME_ZONE;
  }
}

function toShop(r: MerchantRow): ShopView {
  return {
    id: r.id,
    name: r.name,
    slug: r.slug,
    legalName: r.legal_name,
    address: { line1: r.address_line1, line2: r.address_line2, postalCode: r.postal_code, city: r.city, country: r.country },
    vatId: r.vat_id,
    currency: r.currency,
    timeZone: r.time_zone,
    logoUrl: r.logo_image_id ? ownedImageUrl("merchants", r.id, r.logo_image_id, 800) : null,
    logoThumbUrl: r.logo_image_id ? ownedImageUrl("merchants", r.id, r.logo_image_id, 400) : null,
    createdAt: new Date(r.created_at).toISOString(),
  };
}
