import type { SavedBuyerDetails, ShippingAddress } from "../../protocol/api.js";
import type { Db } from "../db/index.js";
import type { PaymentProvider } from "../payments/index.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";

/** What one-tap checkout needs from a signed-in buyer's saved details. */
export interface SavedCheckout {
  address: ShippingAddress;
  card: { token: string; fingerprint: string };
}

/**
 * A signed-in buyer's saved shipping address and payment method (one of each). The card is tokenized by the payment
 * provider; we keep brand, last 4 digits, the keyed fingerprint (for per-buyer limits) and the token — never the number.
 */
export class BuyerService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly payments: PaymentProvider,
    private readonly cardFingerprint: (cardNumber: string) => string,
  ) {}

  async details(accountId: string): Promise<SavedBuyerDetails> {
    const [a, pm] = await Promise.all([
      this.db.selectFrom("buyer_addresses").selectAll().where("account_id", "=", accountId).executeTakeFirst(),
      this.db.selectFrom("buyer_payment_methods").select(["brand", "last4"]).where("account_id", "=", accountId).executeTakeFirst(),
    ]);
    return {
      address: a ? { name: a.name, line1: a.line1, ...(a.line2 ? { line2: a.line2 } : {}), postalCode: a.postal_code, city: a.city, country: a.country } : null,
      paymentMethod: pm ? { brand: pm.brand, last4: pm.last4 } : null,
    };
  }

  async saveAddress(accountId: string, address: ShippingAddress): Promise<SavedBuyerDetails> {
    const values = {
      name: address.name,
      line1: address.line1,
      line2: address.line2 ?? null,
      postal_code: address.postalCode,
      city: address.city,
      country: address.country,
      updated_at: this.clock.now(),
    };
    await this.db
      .insertInto("buyer_addresses")
      .values({ account_id: accountId, ...values })
      .onConflict((oc) => oc.column("account_id").doUpdateSet(values))
      .execute();
    return this.details(accountId);
  }

  async savePaymentMethod(accountId: string, cardNumber: string): Promise<SavedBuyerDetails> {
    if (!this.payments.tokenize) throw new AppError("invalid_body", `The ${this.payments.name} payment provider cannot save cards.`);
    const saved = await this.payments.tokenize(cardNumber);
    if (!saved.ok) throw new AppError("invalid_body", "number: not a valid card number", [{ path: "number", message: "not a valid card number" }]);
    const values = { brand: saved.brand, last4: saved.last4, fingerprint: this.cardFingerprint(cardNumber), token: saved.token, created_at: this.clock.now() };
    await this.db
      .insertInto("buyer_payment_methods")
      .values({ account_id: accountId, ...values })
      .onConflict((oc) => oc.column("account_id").doUpdateSet(values))
      .execute();
    return this.details(accountId);
  }

  async removePaymentMethod(accountId: string): Promise<SavedBuyerDetails> {
    await this.db.deleteFrom("buyer_payment_methods").where("account_id", "=", accountId).execute();
    return this.details(accountId);
  }

  /** The saved card and address, or invalid_body naming what is missing. */
  async forCheckout(accountId: string): Promise<SavedCheckout> {
    const [a, pm] = await Promise.all([
      this.details(accountId),
      this.db.selectFrom("buyer_payment_methods").select(["token", "fingerprint"]).where("account_id", "=", accountId).executeTakeFirst(),
    ]);
    const missing = [...(a.address ? [] : ["address"]), ...(pm ? [] : ["payment method"])];
    if (!a.address || !pm)
      throw new AppError("invalid_body", `useSaved: save a ${missing.join(" and a ")} first`, [
        { path: "useSaved", message: `no saved ${missing.join(", ")}` },
      ]);
    return { address: a.address, card: { token: pm.token, fingerprint: pm.fingerprint } };
  }
}
