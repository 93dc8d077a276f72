import type { FastifyInstance } from "fastify";
import { adminOrdersQuery, fulfilOrderBody, refundOrderBody, type OrderView } from "../../protocol/api.js";
import { requireAccount } from "../accounts/index.js";
import { parseWith } from "../http/validate.js";
import { csvDocument } from "../platform/csv.js";
import { AppError } from "../platform/errors.js";
import { requireMerchantStaff, type ShowService } from "../shows/index.js";
import type { OrderService } from "./service.js";

const CSV_COLUMNS = [
  "id",
  "createdAt",
  "status",
  "showId",
  "offerId",
  "quantity",
  "unitPrice",
  "total",
  "refundedAmount",
  "currency",
  "buyerName",
  "buyerEmail",
  "shipToName",
  "line1",
  "line2",
  "postalCode",
  "city",
  "country",
  "gift",
  "carrier",
  "trackingNumber",
  "vatRateBp",
  "vat",
  "items",
] as const;

export function ordersCsv(orders: OrderView[]): string {
  const rows = orders.map((o) => [
    o.id,
    o.createdAt,
    o.status,
    o.showId,
    o.offerId,
    o.quantity,
    o.unitPrice,
    o.total,
    o.refundedAmount,
    o.currency,
    o.buyer.name,
    o.buyer.email,
    o.shipping.name,
    o.shipping.line1,
    o.shipping.line2 ?? "",
    o.shipping.postalCode,
    o.shipping.city,
    o.shipping.country,
    o.gift ? "yes" : "",
    o.shipment?.carrier ?? "",
    o.shipment?.trackingNumber ?? "",
    o.vatRateBp,
    o.vat,
    // What was bought, one "quantity × title" per line (the titles the order list carries).
    o.lines.map((l) => `${l.quantity} × ${l.title ?? l.offerId}`).join("; "),
  ]);
  // One CSV writer for every export (platform/csv.ts): RFC 4180 quoting and formula cells prefixed with '.
  return csvDocument(CSV_COLUMNS, rows);
}

const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** A packing slip without prices: what goes in the parcel (a gift's message included). */
export function packingSlipHtml(o: OrderView, title: string, lineTitles: readonly string[] = []): string {
  const address = [o.shipping.name, o.shipping.line1, o.shipping.line2, `${o.shipping.postalCode} ${o.shipping.city}`, o.shipping.country]
    .filter(Boolean)
    .map((l) => escapeHtml(String(l)))
    .join("<br>");
  const gift = o.gift
    ? `<section><h2>A present for you</h2><p>From ${escapeHtml(o.buyer.name)}:</p><blockquote>${escapeHtml(o.gift.message)}</blockquote></section>`
    : "";
  // A bag ships every line (it is refunded whole, so a line is either all there or the bag is refunded).
  const contents =
    o.lines.length > 1
      ? o.lines.map((l, i) => `<p>${l.quantity} × ${escapeHtml(lineTitles[i] ?? l.offerId)}</p>`).join("")
      : `<p>${o.quantity - o.refundedQuantity} × ${escapeHtml(title)}</p>`;
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>Packing slip ${escapeHtml(o.id)}</title><style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto}</style><h1>Packing slip</h1><p>Order ${escapeHtml(o.id)}</p><h2>Ship to</h2><p>${address}</p><h2>Contents</h2>${contents}${gift}</html>`;
}

export function registerOrderAdminRoutes(
  app: FastifyInstance,
  deps: {
    orders: OrderService;
    shows: ShowService;
    offerTitle(offerId: string): Promise<string>;
    offerTitles(offerIds: string[]): Promise<Map<string, string>>;
  },
) {
  const { orders, shows } = deps;

  /** Each line named by its offer's title (one read for the whole list): what the merchant packs. */
  async function withLineTitles(list: OrderView[]): Promise<OrderView[]> {
    const titles = await deps.offerTitles(list.flatMap((o) => o.lines.map((l) => l.offerId)));
    return list.map((o) => ({ ...o, lines: o.lines.map((l) => ({ ...l, title: titles.get(l.offerId) ?? "" })) }));
  }

  /** The order, after checking the account works for the merchant that sold it. */
  async function orderForStaff(req: Parameters<typeof requireAccount>[0], orderId: string): Promise<OrderView> {
    const account = requireAccount(req);
    const order = await orders.order(orderId);
    requireMerchantStaff(account, (await shows.show(order.showId)).merchantId);
    return order;
  }

  async function listFor(req: Parameters<typeof requireAccount>[0]) {
    const account = requireAccount(req);
    const q = parseWith(adminOrdersQuery, req.query, "invalid_query");
    if (!account.merchantId && account.role !== "admin") throw new AppError("forbidden");
    let showIds: string[];
    if (q.showId) {
      const show = await shows.show(q.showId);
      requireMerchantStaff(account, show.merchantId);
      showIds = [show.id];
    } else {
      // A platform admin names the merchant (the /admin merchant picker); owner and staff always get their own.
      const merchantId = account.role === "admin" ? q.merchantId : account.merchantId;
      if (!merchantId) throw new AppError("invalid_query", "showId or merchantId: required for accounts without a merchant");
      requireMerchantStaff(account, merchantId);
      showIds = await shows.showIdsOfMerchant(merchantId);
    }
    return withLineTitles(await orders.list({ showIds, status: q.status, limit: q.limit }));
  }

  app.get("/api/admin/orders", async (req) => ({ orders: await listFor(req) }));

  app.get("/api/admin/orders.csv", async (req, reply) =>
    reply
      .type("text/csv; charset=utf-8")
      .header("content-disposition", 'attachment; filename="showcart-orders.csv"')
      .header("cache-control", "no-store")
      .send(ordersCsv(await listFor(req))),
  );

  app.get<{ Params: { orderId: string } }>("/api/admin/orders/:orderId", async (req) => {
    const order = await orderForStaff(req, req.params.orderId);
    const [titled] = await withLineTitles([order]);
    return { order: titled, history: await orders.history(order.id) };
  });

  app.post<{ Params: { orderId: string } }>("/api/admin/orders/:orderId/fulfil", async (req) => {
    const order = await orderForStaff(req, req.params.orderId);
    return { order: await orders.fulfil(order.id, parseWith(fulfilOrderBody, req.body)) };
  });

  app.post<{ Params: { orderId: string } }>("/api/admin/orders/:orderId/deliver", async (req) => {
    const order = await orderForStaff(req, req.params.orderId);
    return { order: await orders.deliver(order.id) };
  });

  app.post<{ Params: { orderId: string } }>("/api/admin/orders/:orderId/refund", async (req) => {
    const order = await orderForStaff(req, req.params.orderId);
    return { order: await orders.refund(order.id, parseWith(refundOrderBody, req.body ?? {})) };
  });

  app.get<{ Params: { orderId: string } }>("/api/admin/orders/:orderId/packing-slip", async (req, reply) => {
    const order = await orderForStaff(req, req.params.orderId);
    return reply
      .type("text/html; charset=utf-8")
      .header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'")
      .send(
        packingSlipHtml(
          order,
          await deps.offerTitle(order.offerId),
          order.lines.length > 1 ? await Promise.all(order.lines.map((l) => deps.offerTitle(l.offerId))) : [],
        ),
      );
  });
}
