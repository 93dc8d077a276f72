import type { CardSetupView, SavePaymentMethodBody, SavedBuyerDetails, ShippingAddress } from "../../protocol/api.js";
import type { Kysely } from "kysely";
import { type Db, scoped } from "../db/index.js";
import type { PaymentProvider } from "../payments/index.js";
import type { Clock } from "../platform/clock.js";
import type { BuyersTables } from "./schema.js";
import { AppError } from "../platform/errors.js";

/** What one-tap checkout needs from a signed-in buyer's saved details. */
export interface SavedCheckout {
  address: ShippingAddress;
  /** `customer`: the provider's customer the card is attached to (Stripe charges a saved card only with it). */
  card: { token: string; fingerprint: string; customer?: string };
}

/**
 * A signed-in buyer's saved shipping address and payment method (one of each). The card is tokenized by the payment
 * provider; we keep brand, last 4 digits, the keyed fingerprint (for per-buyer limits) and the token — never the number.
 */
export class BuyerService {
  private readonly db: Kysely<BuyersTables>;

  constructor(
    db: Db,
    private readonly clock: Clock,
    private readonly payments: PaymentProvider,
    private readonly cardFingerprint: (cardNumber: string) => string,
  ) {
    this.db = scoped(db);
  }

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

  /** The saved delivery address's country, or null without one (giveaways' eligibility). */
  async addressCountry(accountId: string): Promise<string | null> {
    const row = await this.db.selectFrom("buyer_addresses").select("country").where("account_id", "=", accountId).executeTakeFirst();
    return row?.country ?? null;
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

  /** Saves the buyer's card: a test card number (built-in provider) or a card setup the browser finished (Stripe). */
  async savePaymentMethod(accountId: string, body: SavePaymentMethodBody): Promise<SavedBuyerDetails> {
    if (body.method === "stripe") return this.#saveSetupCard(accountId, body.setupIntentId);
    const { tokenize } = this.payments;
    if (!tokenize || this.payments.startCardSetup)
      throw new AppError("invalid_body", `The ${this.payments.name} payment provider saves cards through POST /api/me/payment-method/setup.`);
    const saved = await tokenize.call(this.payments, body.number);
    if (!saved.ok) throw new AppError("invalid_body", "number: not a valid card number", [{ path: "number", message: "not a valid card number" }]);
    await this.#store(accountId, {
      brand: saved.brand,
      last4: saved.last4,
      fingerprint: this.cardFingerprint(body.number),
      token: saved.token,
      customer_ref: null,
    });
    return this.details(accountId);
  }

  /**
   * Stripe: the buyer's Customer (made once per account) and a SetupIntent for off-session use; Stripe.js confirms it
   * in the browser with the client secret, then POST /api/me/payment-method names the SetupIntent.
   */
  async startCardSetup(account: { id: string; email: string }): Promise<CardSetupView> {
    const { startCardSetup } = this.payments;
    if (!startCardSetup)
      throw new AppError("invalid_body", `The ${this.payments.name} payment provider saves a card from its number (POST /api/me/payment-method).`);
    const known = await this.#customer(account.id);
    const started = await startCardSetup.call(this.payments, { customer: known, accountId: account.id, email: account.email }).catch(providerUnavailable);
    if (!known)
      await this.db
        .insertInto("buyer_payment_customers")
        .values({ account_id: account.id, provider: this.payments.name, customer_ref: started.customer, created_at: this.clock.now() })
        .onConflict((oc) => oc.columns(["account_id", "provider"]).doNothing())
        .execute();
    return { provider: "stripe", clientSecret: started.clientSecret };
  }

  async #saveSetupCard(accountId: string, setupIntentId: string): Promise<SavedBuyerDetails> {
    const { finishCardSetup } = this.payments;
    if (!finishCardSetup) throw new AppError("invalid_body", `The ${this.payments.name} payment provider does not save cards through Stripe.`);
    const customer = await this.#customer(accountId);
    const notYours = () => new AppError("invalid_body", "setupIntentId: no card setup of this account", [{ path: "setupIntentId", message: "not found" }]);
    if (!customer) throw notYours();
    const result = await finishCardSetup.call(this.payments, { setupId: setupIntentId, customer }).catch(providerUnavailable);
    if (!result.ok) {
      if (result.reason === "not_found") throw notYours();
      if (result.reason === "incomplete")
        throw new AppError("conflict", "The card setup is not finished yet (the bank may still be asking the buyer).", { status: result.status });
      throw new AppError("payment_declined", "The card could not be saved.", { status: result.status });
    }
    const { card } = result;
    const previous = await this.db.selectFrom("buyer_payment_methods").select(["token", "provider"]).where("account_id", "=", accountId).executeTakeFirst();
    await this.#store(accountId, {
      brand: card.brand,
      last4: card.last4,
      // As orders key a provider's fingerprint: the same card saved here and typed in by a guest counts as one buyer.
      fingerprint: card.fingerprint ? this.cardFingerprint(`provider:${this.payments.name}:${card.fingerprint}`) : "",
      token: card.token,
      customer_ref: card.customer,
    });
    // One saved card per account: the one it replaces is detached, so it can never be charged again.
    if (previous && previous.token !== card.token && previous.provider === this.payments.name) await this.payments.removeCard?.(previous.token).catch(() => {});
    return this.details(accountId);
  }

  async #store(accountId: string, card: { brand: string; last4: string; fingerprint: string; token: string; customer_ref: string | null }): Promise<void> {
    const values = { ...card, provider: this.payments.name, created_at: this.clock.now() };
    await this.db
      .insertInto("buyer_payment_methods")
      .values({ account_id: accountId, ...values })
      .onConflict((oc) => oc.column("account_id").doUpdateSet(values))
      .execute();
  }

  async #customer(accountId: string): Promise<string | null> {
    const row = await this.db
      .selectFrom("buyer_payment_customers")
      .select("customer_ref")
      .where("account_id", "=", accountId)
      .where("provider", "=", this.payments.name)
      .executeTakeFirst();
    return row?.customer_ref ?? null;
  }

  /** Forgets the saved card; a card saved with the provider (Stripe) is detached there first, so it cannot be charged. */
  async removePaymentMethod(accountId: string): Promise<SavedBuyerDetails> {
    const saved = await this.db.selectFrom("buyer_payment_methods").select(["token", "provider"]).where("account_id", "=", accountId).executeTakeFirst();
    if (saved && saved.provider === this.payments.name && this.payments.removeCard) await this.payments.removeCard(saved.token).catch(providerUnavailable);
    await this.db.deleteFrom("buyer_payment_methods").where("account_id", "=", accountId).execute();
    return this.details(accountId);
  }

  /** The saved card and address, or invalid_body naming what is missing. */
  async forCheckout(accountId: string): Promise<SavedCheckout> {
    const [a, pm] = await Promise.all([
      this.details(accountId),
      this.db
        .selectFrom("buyer_payment_methods")
        .select(["token", "fingerprint", "customer_ref"])
        .where("account_id", "=", accountId)
        // A token is only good with the provider that saved it (a deployment may have switched providers).
        .where("provider", "=", this.payments.name)
        .executeTakeFirst(),
    ]);
    const missing = [...(a.address ? [] : ["address"]), ...(pm ? [] : ["payment method"])];
    if (!a.address || !pm)
      throw new AppError("invalid_body", `useSaved: save a ${missing.join(" and a ")} first`, [
        { path: "useSaved", message: `no saved ${missing.join(", ")}` },
      ]);
    return { address: a.address, card: { token: pm.token, fingerprint: pm.fingerprint, ...(pm.customer_ref ? { customer: pm.customer_ref } : {}) } };
  }
}

/** The provider did not answer (network, its 5xx): nothing was saved or removed; the buyer may try again. */
function providerUnavailable(err: unknown): never {
  if (err instanceof AppError) throw err;
  throw new AppError("unavailable", "The payment provider did not answer; try again.");
}
