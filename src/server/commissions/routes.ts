import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import {
  adminMerchantQuery,
  commissionRulesBody,
  merchantPayoutSettingsBody,
  painExportQuery,
  statementQuery,
  payoutAccountBody,
  runPayoutBody,
  showHostsBody,
  type PayoutAvailableView,
  type PayoutView,
} from "../../protocol/api.js";
import { requireAccount } from "../accounts/index.js";
import { ownOrigin } from "../http/origin.js";
import { parseWith } from "../http/validate.js";
import type { Clock } from "../platform/clock.js";
import { AppError } from "../platform/errors.js";
import { requireMerchantStaff, type ShowService } from "../shows/index.js";
import { REF_COOKIE, SHARE_CODE, refCookieValue } from "./attribution.js";
import { type PayoutService, statementCsv, statementPdf } from "./payouts.js";
import type { CommissionService } from "./service.js";

export interface CommissionRouteDeps {
  commissions: CommissionService;
  payouts: PayoutService;
  shows: ShowService;
  clock: Clock;
  secureCookie: boolean;
  publicUrl: string;
  /** PUBLIC_URL's origin when set: the viewer's share link is on it, else on the request's own origin. */
  publicOrigin?: string | null;
  /** Accounts' display names by id (the payouts lists name their hosts). */
  displayNames(accountIds: string[]): Promise<Map<string, string>>;
}

const STATEMENT_FILE = /^(\d{4}-\d{2})\.(csv|pdf)$/;
const ID = /^[A-Za-z0-9_-]{1,64}$/;
// The cookie outlives any attribution window a merchant can set (max 90 days); the window is applied per order.
const REF_COOKIE_MAX_AGE_S = 90 * 24 * 3600;

function merchantOf(req: FastifyRequest, query: { merchantId?: string } = parseWith(adminMerchantQuery, req.query ?? {}, "invalid_query")): string {
  const account = requireAccount(req);
  const merchantId = account.role === "admin" ? query.merchantId : account.merchantId;
  if (account.role === "admin" && !merchantId) throw new AppError("invalid_query", "merchantId: required for platform admins");
  if (!merchantId) throw new AppError("forbidden", "Only the merchant's owner or staff can do that.");
  requireMerchantStaff(account, merchantId);
  return merchantId;
}

/**
 * Commission rules and payouts for merchants (/api/admin/…), earnings for hosts (/api/earnings…), co-hosts and share
 * links for the studio, and the share-link cookie on /shows/:id?ref=…
 */
export function registerCommissionRoutes(app: FastifyInstance, deps: CommissionRouteDeps) {
  const { commissions, payouts, shows } = deps;

  // A host's share link: remember the code and when it was opened (first-party, HttpOnly; last touch wins).
  app.addHook("onRequest", async (req, reply) => {
    if (req.method !== "GET" || !req.url.startsWith("/shows/")) return;
    const url = new URL(req.url, "http://x");
    const ref = url.searchParams.get("ref");
    const m = /^\/shows\/([^/]+)$/.exec(url.pathname);
    if (!m || !ref || !SHARE_CODE.test(ref)) return;
    const codeShow = await commissions.shareCodeShow(ref);
    if (!codeShow) return;
    const show = await shows.show(decodeURIComponent(m[1]!)).catch(() => null);
    if (!show || show.id !== codeShow) return;
    reply.setCookie(REF_COOKIE, refCookieValue(ref, deps.clock.now()), {
      path: "/",
      httpOnly: true,
      sameSite: "lax",
      secure: deps.secureCookie,
      maxAge: REF_COOKIE_MAX_AGE_S,
    });
  });

  // ── Merchant: rule sets ──
  app.get("/api/admin/commission-rules", async (req) => {
    const versions = await commissions.ruleSets(merchantOf(req));
    return { current: versions[0] ?? null, versions };
  });
  app.post("/api/admin/commission-rules", async (req, reply) => {
    const merchantId = merchantOf(req);
    const rules = parseWith(commissionRulesBody, req.body);
    return reply.status(201).send({ ruleSet: await commissions.publishRuleSet(merchantId, rules, requireAccount(req).id) });
  });
  app.get<{ Params: { version: string } }>("/api/admin/commission-rules/:version", async (req) => {
    const v = z.coerce.number().int().min(1).max(1_000_000).safeParse(req.params.version);
    if (!v.success) throw new AppError("not_found", "No such rule set version.");
    return { ruleSet: await commissions.ruleSet(merchantOf(req), v.data) };
  });
  app.delete("/api/admin/commission-rules", async (req) => {
    return { ruleSet: await commissions.publishRuleSet(merchantOf(req), null, requireAccount(req).id) };
  });

  // ── Merchant: co-hosts of a show ──
  app.get<{ Params: { showId: string } }>("/api/admin/shows/:showId/hosts", async (req) => {
    const show = await shows.show(req.params.showId);
    requireMerchantStaff(requireAccount(req), show.merchantId);
    return { hosts: await commissions.showHosts(show.id) };
  });
  app.put<{ Params: { showId: string } }>("/api/admin/shows/:showId/hosts", async (req) => {
    const show = await shows.show(req.params.showId);
    requireMerchantStaff(requireAccount(req), show.merchantId);
    const body = parseWith(showHostsBody, req.body);
    return { hosts: await commissions.setShowHosts(show.id, show.merchantId, body.hosts) };
  });

  // ── Merchant: payouts ──
  app.get("/api/admin/payout-settings", async (req) => ({ settings: await payouts.merchantSettings(merchantOf(req)) }));
  app.put("/api/admin/payout-settings", async (req) => {
    const merchantId = merchantOf(req);
    await payouts.setMerchantSettings(merchantId, parseWith(merchantPayoutSettingsBody, req.body));
    return { settings: await payouts.merchantSettings(merchantId) };
  });
  // The merchant's lists name each host (a host who left the team keeps the name of the account): one lookup for the
  // hosts of every list of an answer, then `name` adds them to each list.
  const hostNames = async (rows: { hostAccountId: string }[]) => {
    const names = await deps.displayNames([...new Set(rows.map((r) => r.hostAccountId))]);
    return <T extends { hostAccountId: string }>(list: T[]): (T & { hostName: string })[] =>
      list.map((r) => ({ ...r, hostName: names.get(r.hostAccountId) ?? r.hostAccountId }));
  };
  app.get("/api/admin/payouts", async (req): Promise<{ payouts: PayoutView[]; available: PayoutAvailableView[] }> => {
    const merchantId = merchantOf(req);
    const [list, balances] = await Promise.all([payouts.list({ merchantId }), payouts.available(merchantId, "EUR")]);
    const available = [...balances].map(([hostAccountId, amount]) => ({ hostAccountId, amount, currency: "EUR" }));
    const name = await hostNames([...list, ...available]);
    return { payouts: name(list), available: name(available) };
  });
  app.post("/api/admin/payouts", async (req, reply) => {
    const merchantId = merchantOf(req);
    const body = parseWith(runPayoutBody, req.body ?? {});
    const run = await payouts.run(merchantId, body);
    const name = await hostNames([...run.payouts, ...run.skipped]);
    return reply.status(201).send({ payouts: name(run.payouts), skipped: name(run.skipped) });
  });
  app.get<{ Params: { batchId: string } }>("/api/admin/payouts/batches/:batchId/pain.001.xml", async (req, reply) => {
    const query = parseWith(painExportQuery, req.query ?? {}, "invalid_query");
    const merchantId = merchantOf(req, query);
    if (!ID.test(req.params.batchId)) throw new AppError("not_found", "No such SEPA batch.");
    const xml = await payouts.painForBatch(merchantId, req.params.batchId, query.version);
    return reply
      .type("application/xml; charset=utf-8")
      .header("content-disposition", `attachment; filename="pain.001-${req.params.batchId}.xml"`)
      .header("cache-control", "no-store")
      .send(xml);
  });

  // ── Host: own earnings ──
  app.get("/api/earnings", async (req) => {
    const account = requireAccount(req);
    const [balances, list, months, payoutAccount] = await Promise.all([
      commissions.balances(account.id),
      payouts.list({ hostAccountId: account.id }),
      payouts.statementMonths(account.id),
      payouts.hostPayoutAccount(account.id),
    ]);
    return { balances, payouts: list, statements: months, payoutAccount };
  });
  app.put("/api/earnings/payout-account", async (req) => {
    const account = requireAccount(req);
    await payouts.setHostPayoutAccount(account.id, parseWith(payoutAccountBody, req.body));
    return { payoutAccount: await payouts.hostPayoutAccount(account.id) };
  });
  app.get<{ Params: { file: string } }>("/api/earnings/statements/:file", async (req, reply) => {
    const account = requireAccount(req);
    const m = STATEMENT_FILE.exec(req.params.file);
    if (!m) throw new AppError("not_found", "Statements are /api/earnings/statements/YYYY-MM.csv or .pdf");
    const statement = await payouts.statement(account.id, m[1]!);
    reply.header("content-disposition", `attachment; filename="statement-${m[1]}.${m[2]}"`).header("cache-control", "no-store");
    if (m[2] === "csv") return reply.type("text/csv; charset=utf-8").send(statementCsv(statement));
    const { lang } = parseWith(statementQuery, req.query ?? {}, "invalid_query");
    // The language asked for (the earnings page passes its own), else the host's account language.
    return reply.type("application/pdf").send(await statementPdf(statement, lang ?? statement.hostLang ?? "en"));
  });

  // ── Studio: the host's share link and the show's pending earnings ──
  app.get<{ Params: { showId: string } }>("/api/studio/shows/:showId/share-link", async (req) => {
    const account = requireAccount(req);
    const show = await shows.show(req.params.showId);
    const hosts = await commissions.showHosts(show.id);
    if (account.id !== show.hostAccountId && !hosts.some((h) => h.accountId === account.id))
      throw new AppError("forbidden", "Only a host of the show has a share link.");
    const code = await commissions.shareCode(show.id, account.id);
    return { code, url: `${deps.publicUrl}/shows/${encodeURIComponent(show.slug)}?ref=${code}` };
  });
  // ── Viewer page: the link its share sheet passes on ──
  // Anyone: a host or co-host of the show, signed in, shares their own share link (the sales it brings are theirs,
  // as with the studio's link); everyone else shares the show's plain address.
  app.get<{ Params: { idOrSlug: string } }>("/api/shows/:idOrSlug/share", async (req, reply) => {
    const show = await shows.show(req.params.idOrSlug);
    const base = deps.publicOrigin ?? ownOrigin(req) ?? deps.publicUrl;
    const url = `${base}/shows/${encodeURIComponent(show.slug)}`;
    const account = req.account;
    let code: string | null = null;
    if (account) {
      const host = account.id === show.hostAccountId || (await commissions.showHosts(show.id)).some((h) => h.accountId === account.id);
      if (host) code = await commissions.shareCode(show.id, account.id);
    }
    // The answer depends on who asks: never from a shared cache.
    reply.header("Cache-Control", "private, no-store");
    return { share: { url: code ? `${url}?ref=${code}` : url, code, title: show.title } };
  });
  app.get<{ Params: { showId: string } }>("/api/studio/shows/:showId/earnings", async (req) => {
    const show = await shows.requireManager(requireAccount(req), req.params.showId);
    return { pending: await commissions.showPendingEarnings(show.id), commission: await commissions.showCommission(show.id), currency: "EUR" };
  });
}
