import type { AdminProductView, CreateProductBody, CreateVariantBody, ProductView, VariantView } from "../../protocol/api.js";
import type { Kysely, Selectable } from "kysely";
import { type Db, scoped } from "../db/index.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { randomId } from "../platform/ids.js";
import { isUniqueViolation } from "../db/index.js";
import { freeShopSlug } from "./merchants.js";
import type { CatalogTables } from "./schema.js";

export interface Product extends ProductView {
  merchantId: string;
  /** VAT contained in the gross `price`, basis points (1900 = 19 %). */
  vatRateBp: number;
}

export interface Variant extends VariantView {
  merchantId: string;
}

type ProductRow = Omit<Selectable<CatalogTables["products"]>, "archived_at">;
type VariantRow = Omit<Selectable<CatalogTables["product_variants"]>, "created_at" | "archived_at">;

// Only EUR for now: every price and VAT rule here assumes two minor digits and EU VAT.
const CURRENCY = "EUR";

/** Where an uploaded picture is served: 400 and 800 px wide WebP, named by a random id so they never change. */
export const productImageUrl = (productId: string, imageId: string, width: 400 | 800) => `/media/products/${productId}/${imageId}-${width}.webp`;

const toProduct = (r: ProductRow): Product => ({
  id: r.id,
  merchantId: r.merchant_id,
  title: r.title,
  description: r.description,
  imageUrl: r.image_url,
  price: Number(r.price),
  currency: r.currency,
  vatRateBp: r.vat_rate_bp,
});

const toVariant = (r: VariantRow): Variant => ({
  id: r.id,
  productId: r.product_id,
  merchantId: r.merchant_id,
  sku: r.sku,
  size: r.size,
  colour: r.colour,
  stock: r.stock,
});

function skuTaken(err: unknown): never {
  if (isUniqueViolation(err)) throw new AppError("conflict", "sku: already used by another variant of this merchant");
  throw err;
}

/** Merchants, their products (gross prices with a VAT rate) and the products' variants with stock. */
export class CatalogService {
  private readonly db: Kysely<CatalogTables>;

  constructor(
    db: Db,
    private readonly clock: Clock,
  ) {
    this.db = scoped(db);
  }

  async createMerchant(name: string): Promise<{ id: string; name: string }> {
    const id = randomId("mer");
    await this.db
      .insertInto("merchants")
      .values({ id, name, slug: await freeShopSlug(this.db, name, id), created_at: this.clock.now() })
      .execute();
    return { id, name };
  }

  /** The shop's name and the slug of its public page (/shops/<slug>); empty strings for an unknown id. */
  async merchantLink(id: string): Promise<{ name: string; slug: string }> {
    const row = await this.db.selectFrom("merchants").select(["name", "slug"]).where("id", "=", id).executeTakeFirst();
    return { name: row?.name ?? "", slug: row?.slug ?? "" };
  }

  async merchantName(id: string): Promise<string> {
    const row = await this.db.selectFrom("merchants").select("name").where("id", "=", id).executeTakeFirst();
    return row?.name ?? "";
  }

  async createProduct(input: Omit<Product, "id" | "vatRateBp"> & { vatRateBp?: number }): Promise<Product> {
    const id = randomId("prd");
    const vatRateBp = input.vatRateBp ?? 1900;
    await this.db
      .insertInto("products")
      .values({
        id,
        merchant_id: input.merchantId,
        title: input.title,
        description: input.description,
        image_url: input.imageUrl,
        price: input.price,
        currency: input.currency,
        vat_rate_bp: vatRateBp,
        created_at: this.clock.now(),
      })
      .execute();
    return { id, ...input, vatRateBp };
  }

  /** The merchant's products that are not archived, oldest first. */
  async productsOf(merchantId: string): Promise<Product[]> {
    return (await this.#liveProductRows(merchantId)).map(toProduct);
  }

  /** The rows of a merchant's products that are not archived, oldest first (the shop's list and the admin's). */
  #liveProductRows(merchantId: string) {
    return this.db
      .selectFrom("products")
      .selectAll()
      .where("merchant_id", "=", merchantId)
      .where("archived_at", "is", null)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
  }

  async product(id: string): Promise<Product> {
    const row = await this.db.selectFrom("products").selectAll().where("id", "=", id).executeTakeFirst();
    if (!row) throw new AppError("not_found", "No such product.");
    return toProduct(row);
  }

  // --- merchant admin ---

  async adminProducts(merchantId: string): Promise<AdminProductView[]> {
    const rows = await this.#liveProductRows(merchantId);
    if (rows.length === 0) return [];
    const variants = await this.db
      .selectFrom("product_variants")
      .selectAll()
      .where(
        "product_id",
        "in",
        rows.map((r) => r.id),
      )
      .where("archived_at", "is", null)
      .orderBy("created_at")
      .orderBy("sku")
      .execute();
    return rows.map((r) =>
      adminView(
        r,
        variants.filter((v) => v.product_id === r.id),
      ),
    );
  }

  async adminProduct(id: string): Promise<AdminProductView> {
    const row = await this.db.selectFrom("products").selectAll().where("id", "=", id).where("archived_at", "is", null).executeTakeFirst();
    if (!row) throw new AppError("not_found", "No such product.");
    const variants = await this.db
      .selectFrom("product_variants")
      .selectAll()
      .where("product_id", "=", id)
      .where("archived_at", "is", null)
      .orderBy("created_at")
      .orderBy("sku")
      .execute();
    return adminView(row, variants);
  }

  /** A product with its variants, in one transaction (a taken SKU leaves nothing behind). */
  async createProductWithVariants(merchantId: string, body: CreateProductBody): Promise<AdminProductView> {
    const id = randomId("prd");
    const now = this.clock.now();
    await this.db
      .transaction()
      .execute(async (tx) => {
        await tx
          .insertInto("products")
          .values({
            id,
            merchant_id: merchantId,
            title: body.title,
            description: body.description ?? "",
            image_url: "",
            price: body.price,
            currency: CURRENCY,
            vat_rate_bp: body.vatRateBp,
            created_at: now,
          })
          .execute();
        for (const v of body.variants ?? [])
          await tx
            .insertInto("product_variants")
            .values(variantValues(id, merchantId, v, now))
            .execute();
      })
      .catch(skuTaken);
    return this.adminProduct(id);
  }

  async updateProduct(id: string, patch: { title?: string; description?: string; price?: number; vatRateBp?: number }): Promise<AdminProductView> {
    const res = await this.db
      .updateTable("products")
      .set({ title: patch.title, description: patch.description, price: patch.price, vat_rate_bp: patch.vatRateBp })
      .where("id", "=", id)
      .where("archived_at", "is", null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw new AppError("not_found", "No such product.");
    return this.adminProduct(id);
  }

  /** Archived, not deleted: offers and orders keep pointing at it. It leaves the admin and studio lists. */
  async archiveProduct(id: string): Promise<void> {
    const now = this.clock.now();
    const res = await this.db.updateTable("products").set({ archived_at: now }).where("id", "=", id).where("archived_at", "is", null).executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw new AppError("not_found", "No such product.");
    await this.db.updateTable("product_variants").set({ archived_at: now }).where("product_id", "=", id).where("archived_at", "is", null).execute();
  }

  async addVariant(productId: string, body: CreateVariantBody): Promise<VariantView> {
    const product = await this.product(productId);
    const live = await this.db.selectFrom("products").select("id").where("id", "=", productId).where("archived_at", "is", null).executeTakeFirst();
    if (!live) throw new AppError("not_found", "No such product.");
    const values = variantValues(productId, product.merchantId, body, this.clock.now());
    await this.db.insertInto("product_variants").values(values).execute().catch(skuTaken);
    return toVariantView(values);
  }

  async variant(id: string): Promise<Variant> {
    const row = await this.db.selectFrom("product_variants").selectAll().where("id", "=", id).where("archived_at", "is", null).executeTakeFirst();
    if (!row) throw new AppError("not_found", "No such variant.");
    return toVariant(row);
  }

  /** `stock` sets the count on the shelf (units already reserved by offers are not in it). */
  async updateVariant(id: string, patch: { sku?: string; size?: string; colour?: string; stock?: number }): Promise<VariantView> {
    const row = await this.db
      .updateTable("product_variants")
      .set({ sku: patch.sku, size: patch.size, colour: patch.colour, stock: patch.stock })
      .where("id", "=", id)
      .where("archived_at", "is", null)
      .returningAll()
      .executeTakeFirst()
      .catch(skuTaken);
    if (!row) throw new AppError("not_found", "No such variant.");
    return toVariantView(row);
  }

  async archiveVariant(id: string): Promise<void> {
    const res = await this.db
      .updateTable("product_variants")
      .set({ archived_at: this.clock.now() })
      .where("id", "=", id)
      .where("archived_at", "is", null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw new AppError("not_found", "No such variant.");
  }

  /** Points the product at a freshly stored picture. Earlier pictures stay on disk: offers copied their URL. */
  async setImage(productId: string, imageId: string): Promise<AdminProductView> {
    const res = await this.db
      .updateTable("products")
      .set({ image_id: imageId, image_url: productImageUrl(productId, imageId, 800) })
      .where("id", "=", productId)
      .where("archived_at", "is", null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw new AppError("not_found", "No such product.");
    return this.adminProduct(productId);
  }
}

function variantValues(productId: string, merchantId: string, v: CreateVariantBody, now: Date) {
  return {
    id: randomId("var"),
    product_id: productId,
    merchant_id: merchantId,
    sku: v.sku,
    size: v.size ?? "",
    colour: v.colour ?? "",
    stock: v.stock,
    created_at: now,
  };
}

const toVariantView = (r: VariantRow): VariantView => ({ id: r.id, productId: r.product_id, sku: r.sku, size: r.size, colour: r.colour, stock: r.stock });

function adminView(r: ProductRow, variants: VariantRow[]): AdminProductView {
  return {
    ...productView(toProduct(r)),
    vatRateBp: r.vat_rate_bp,
    thumbUrl: r.image_id ? productImageUrl(r.id, r.image_id, 400) : null,
    variants: variants.map(toVariantView),
    createdAt: new Date(r.created_at).toISOString(),
  };
}

export function productView(p: Product): ProductView {
  return { id: p.id, title: p.title, description: p.description, imageUrl: p.imageUrl, price: p.price, currency: p.currency };
}

/** "M / Blue" for an offer's title; empty when the variant has neither. */
export function variantLabel(v: Pick<VariantView, "size" | "colour">): string {
  return [v.size, v.colour].filter(Boolean).join(" / ");
}
