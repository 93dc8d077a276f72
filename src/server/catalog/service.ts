import type { ProductView } from "../../protocol/api.js";
import type { Db } from "../db/index.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { randomId } from "../platform/ids.js";

export interface Product extends ProductView {
  merchantId: string;
}

type ProductRow = { id: string; merchant_id: string; title: string; description: string; image_url: string; price: number; currency: string };

const toProduct = (r: ProductRow): Product => ({
  id: r.id,
  merchantId: r.merchant_id,
  title: r.title,
  description: r.description,
  imageUrl: r.image_url,
  price: Number(r.price),
  currency: r.currency,
});

export class CatalogService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async createMerchant(name: string): Promise<{ id: string; name: string }> {
    const id = randomId("mer");
    await this.db.insertInto("merchants").values({ id, name, created_at: this.clock.now() }).execute();
    return { id, name };
  }

  async merchantName(id: string): Promise<string> {
    const row = await this.db.selectFrom("merchants").select("name").where("id", "=", id).executeTakeFirst();
    return row?.name ?? "";
  }

  async createProduct(input: Omit<Product, "id">): Promise<Product> {
    const id = randomId("prd");
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
        created_at: this.clock.now(),
      })
      .execute();
    return { id, ...input };
  }

  async productsOf(merchantId: string): Promise<Product[]> {
    const rows = await this.db.selectFrom("products").selectAll().where("merchant_id", "=", merchantId).orderBy("created_at").orderBy("id").execute();
    return rows.map(toProduct);
  }

  async product(id: string): Promise<Product> {
    const row = await this.db.selectFrom("products").selectAll().where("id", "=", id).executeTakeFirst();
    if (!row) throw new AppError("not_found", "No such product.");
    return toProduct(row);
  }
}

export function productView(p: Product): ProductView {
  return { id: p.id, title: p.title, description: p.description, imageUrl: p.imageUrl, price: p.price, currency: p.currency };
}
