import type { MerchantService } from "../catalog/index.js";
import { type Db, scoped } from "../db/index.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import type { Show, ShowService } from "../shows/index.js";
import type { Kysely } from "kysely";
import type { EmbedTables } from "./schema.js";
import { originsOf, replaceOrigins } from "./store.js";

// A show slug (shows/service.ts's rule): anything else is no show, and never reaches SQL (a NUL byte would be a 500).
const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

export interface EmbedDeps {
  db: Db;
  clock: Clock;
  shows: ShowService;
  merchants: MerchantService;
}

/** Which sites may frame a shop's shows: the list behind the embed page's CSP `frame-ancestors` and oEmbed. */
export class EmbedService {
  readonly #db: Kysely<EmbedTables>;
  readonly #deps: EmbedDeps;

  constructor(deps: EmbedDeps) {
    this.#db = scoped<EmbedTables>(deps.db);
    this.#deps = deps;
  }

  async origins(merchantId: string): Promise<string[]> {
    return originsOf(this.#db, merchantId);
  }

  /** Replaces the shop's list (already validated and normalised by protocol/embed.ts). */
  async setOrigins(merchantId: string, origins: readonly string[]): Promise<string[]> {
    // An admin may name any merchant id: an unknown one is a 404, not a foreign-key failure.
    await this.#deps.merchants.shop(merchantId);
    await replaceOrigins(this.#db, merchantId, origins, this.#deps.clock.now());
    return this.origins(merchantId);
  }

  /** A show by slug with its shop's origins; null for an unknown slug (the page then may be framed by nobody). */
  async embeddable(slug: string): Promise<{ show: Show; origins: string[] } | null> {
    if (!SLUG.test(slug)) return null;
    const show = await this.#deps.shows.show(slug).catch((err: unknown) => {
      if (err instanceof AppError && err.code === "not_found") return null;
      throw err;
    });
    if (!show || show.slug !== slug) return null;
    return { show, origins: await this.origins(show.merchantId) };
  }
}
