import type { Timestamp } from "../db/column-types.js";

// A signed-in buyer's saved address and card: the tables this module writes.
// db/schema.ts composes every module's tables into `Database`.
export interface BuyersTables {
  buyer_addresses: {
    account_id: string;
    name: string;
    line1: string;
    line2: string | null;
    postal_code: string;
    city: string;
    country: string;
    updated_at: Timestamp;
  };
  buyer_payment_methods: {
    account_id: string;
    brand: string;
    last4: string;
    fingerprint: string;
    token: string;
    created_at: Timestamp;
    /** The provider that saved the card (`test`, `stripe`): a token is only good with its own provider. */
    provider: string;
    /** The provider's customer the card is attached to (Stripe), if any. */
    customer_ref: string | null;
  };
  /** One customer per buyer account and provider (Stripe's Customer), made the first time a card is saved. */
  buyer_payment_customers: { account_id: string; provider: string; customer_ref: string; created_at: Timestamp };
}
