import { type ModuleContext, type ModulePlugin, modulePlugin } from "../modules.js";
import type { PaymentProvider } from "../payments/index.js";
import { buyersModule } from "./plugin.js";
import { BuyerService } from "./service.js";

/** Saved addresses and cards (one-tap checkout). */
export function createBuyersModule(
  ctx: ModuleContext,
  doors: { payments: PaymentProvider; cardFingerprint(cardNumber: string): string },
): { buyers: BuyerService; plugin: ModulePlugin } {
  const buyers = new BuyerService(ctx.db, ctx.clock, doors.payments, doors.cardFingerprint);
  return { buyers, plugin: modulePlugin("buyers", buyersModule, { buyers }) };
}
