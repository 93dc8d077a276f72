import Stripe from "stripe";

export interface TransferRequest {
  payoutId: string;
  amount: number;
  currency: string;
  /** The host's connected account (acct_…). */
  destination: string;
  description: string;
}

export type TransferResult = { ok: true; ref: string } | { ok: false; reason: string };

/** How a payout leaves the platform when it is not a SEPA file: one transfer per payout. */
export interface PayoutTransfers {
  transfer(req: TransferRequest): Promise<TransferResult>;
}

/**
 * Stripe Connect: a Transfer from the platform's balance to the host's connected account, under the idempotency key
 * `payout:<id>` so a retried run never pays twice. `apiBase` points the client at a local stand-in in tests.
 */
export class StripeConnectTransfers implements PayoutTransfers {
  readonly client: Stripe;

  constructor(opts: { secretKey: string; apiBase?: string; timeoutMs?: number }) {
    const base = opts.apiBase ? new URL(opts.apiBase) : null;
    const protocol = base?.protocol === "http:" ? "http" : "https";
    this.client = new Stripe(opts.secretKey, {
      timeout: opts.timeoutMs ?? 20_000,
      maxNetworkRetries: 1,
      appInfo: { name: "Showcart" },
      ...(base ? { host: base.hostname, port: base.port || (protocol === "http" ? 80 : 443), protocol } : {}),
    });
  }

  async transfer(req: TransferRequest): Promise<TransferResult> {
    try {
      const t = await this.client.transfers.create(
        {
          amount: req.amount,
          currency: req.currency.toLowerCase(),
          destination: req.destination,
          description: req.description,
          transfer_group: req.payoutId,
          metadata: { payout_id: req.payoutId },
        },
        { idempotencyKey: `payout:${req.payoutId}` },
      );
      return { ok: true, ref: t.id };
    } catch (err) {
      const e = err as { type?: string; message?: string };
      return { ok: false, reason: e.type === "StripeInvalidRequestError" || e.type === "StripeCardError" ? (e.message ?? "refused") : "stripe unavailable" };
    }
  }
}
