import type { FastifyInstance } from "fastify";
import { savePaymentMethodBody, shippingSchema } from "../../protocol/api.js";
import { requireAccount } from "../accounts/index.js";
import { parseWith } from "../http/validate.js";
import type { BuyerService } from "./service.js";

// Saved checkout details of the signed-in account (any role). Responses never contain the card number or token.
// The card is saved from its number with the built-in test provider, and with Stripe as Stripe saves it: a SetupIntent
// (POST …/setup) confirmed in the browser by Stripe.js, then POST /api/me/payment-method with that SetupIntent's id.
export function registerBuyerRoutes(app: FastifyInstance, deps: { buyers: BuyerService }) {
  const { buyers } = deps;
  app.get("/api/me/checkout-details", async (req) => ({ details: await buyers.details(requireAccount(req).id) }));

  app.post("/api/me/address", async (req) => {
    const account = requireAccount(req);
    return { details: await buyers.saveAddress(account.id, parseWith(shippingSchema, req.body)) };
  });

  app.post("/api/me/payment-method", async (req) => {
    const account = requireAccount(req);
    const body = parseWith(savePaymentMethodBody, req.body);
    return { details: await buyers.savePaymentMethod(account.id, body) };
  });

  // Stripe: the client secret of a new SetupIntent for Stripe.js (answered to this browser only, never logged).
  app.post("/api/me/payment-method/setup", async (req) => {
    const account = requireAccount(req);
    return { setup: await buyers.startCardSetup(account) };
  });

  app.delete("/api/me/payment-method", async (req) => ({ details: await buyers.removePaymentMethod(requireAccount(req).id) }));
}
