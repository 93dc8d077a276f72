import type { FastifyInstance, FastifyRequest } from "fastify";
import type { z } from "zod";
import { type Account, requireAccount } from "../accounts/index.js";
import type { CatalogService, Product, Variant } from "../catalog/index.js";
import { parseWith } from "../http/validate.js";
import { AppError } from "../platform/errors.js";
import type { Show, ShowService } from "../shows/index.js";
import type { GameAuditEntry } from "./audit-log.js";

/** What every show game answers over HTTP; the reply keys are the game's own (`giveaway`/`giveaways`, `pool`/`pools`…). */
export interface GameRouteSpec {
  /** The path segment: /api/studio/shows/:showId/<path>, /api/shows/:showId/<path>… */
  path: string;
  /** Reply keys: one game, a list of games. */
  one: string;
  many: string;
  /** POST /api/studio/shows/:showId/<path> → 201 { <one> }; parses the raw body itself. */
  create(show: Show, account: Account, body: unknown): Promise<unknown>;
  /** GET /api/studio/shows/:showId/<path> → { <many> }: every game of the show, for the studio. */
  list(showId: string): Promise<unknown[]>;
  /** GET /api/shows/:showId/<path>/current → { <one> }: the one viewers see (giveaways, polls). */
  current?(showId: string): Promise<unknown>;
  /** GET /api/shows/:showId/<path> → { <many> }: the ones viewers can still play (coupons, mystery, auctions). */
  live?(showId: string): Promise<unknown[]>;
}

/**
 * The routes every game shares. Studio routes need the show's host, the merchant's owner/staff or an admin
 * (shows.requireManager), checked before the body is read; viewer routes are public.
 */
export function registerGameRoutes(app: FastifyInstance, shows: ShowService, spec: GameRouteSpec): void {
  app.post<{ Params: { showId: string } }>(`/api/studio/shows/:showId/${spec.path}`, async (req, reply) => {
    const account = requireAccount(req);
    const show = await shows.requireManager(account, req.params.showId);
    return reply.status(201).send({ [spec.one]: await spec.create(show, account, req.body) });
  });
  app.get<{ Params: { showId: string } }>(`/api/studio/shows/:showId/${spec.path}`, async (req) => {
    const show = await shows.requireManager(requireAccount(req), req.params.showId);
    return { [spec.many]: await spec.list(show.id) };
  });
  const { current, live } = spec;
  if (current) {
    app.get<{ Params: { showId: string } }>(`/api/shows/:showId/${spec.path}/current`, async (req) => {
      const show = await shows.show(req.params.showId);
      return { [spec.one]: await current(show.id) };
    });
  }
  if (live) {
    app.get<{ Params: { showId: string } }>(`/api/shows/:showId/${spec.path}`, async (req) => {
      const show = await shows.show(req.params.showId);
      return { [spec.many]: await live(show.id) };
    });
  }
}

/**
 * The studio's check for one game's routes (open, close, draw, audit…): signed in, then the game exists (404), then
 * the caller manages its show (403). Returns the caller and what `find` read.
 */
export function gameManager<G extends { showId: string }>(shows: ShowService, find: (gameId: string) => Promise<G>) {
  return async (req: FastifyRequest, gameId: string): Promise<{ account: Account; game: G }> => {
    const account = requireAccount(req);
    const game = await find(gameId);
    await shows.requireManager(account, game.showId);
    return { account, game };
  };
}

/**
 * The studio's lifecycle buttons of one game: POST /api/studio/<path>/:<param>/<action> → { <one>: … }, each behind
 * gameManager's check. `find` reads the game (404 when there is none) and says which show it belongs to.
 */
export function registerStudioActions<G extends { showId: string }>(
  app: FastifyInstance,
  shows: ShowService,
  spec: {
    path: string;
    param: string;
    one: string;
    find: (gameId: string) => Promise<G>;
    actions: Record<string, (gameId: string, account: Account, game: G) => Promise<unknown>>;
  },
): (req: FastifyRequest, gameId: string) => Promise<{ account: Account; game: G }> {
  const managed = gameManager(shows, spec.find);
  for (const [action, run] of Object.entries(spec.actions)) {
    app.post<{ Params: Record<string, string> }>(`/api/studio/${spec.path}/:${spec.param}/${action}`, async (req) => {
      const gameId = req.params[spec.param];
      const { account, game } = await managed(req, gameId);
      return { [spec.one]: await run(gameId, account, game) };
    });
  }
  return managed;
}

/** A game that goes draft → open → closed under the studio's buttons, with an audit log (giveaways, polls). */
export interface StagedGameService<V, I> {
  create(show: Show, account: Account, input: I): Promise<V>;
  list(showId: string): Promise<V[]>;
  current(showId: string): Promise<V | null>;
  showIdOf(gameId: string): Promise<string>;
  open(gameId: string, account: Account): Promise<V>;
  close(gameId: string, accountId: string | null): Promise<V>;
  auditLog(gameId: string): Promise<GameAuditEntry[]>;
}

/**
 * Every route of a staged game but the viewers' own (entering, voting): create and list, the viewers' current one,
 * open, close and any `more` buttons, and GET /api/studio/<path>/:<param>/audit.
 */
export function registerStagedGameRoutes<V, S extends z.ZodType>(
  app: FastifyInstance,
  shows: ShowService,
  game: StagedGameService<V, z.infer<S>>,
  spec: { path: string; one: string; param: string; createBody: S; more?: Record<string, (gameId: string, account: Account) => Promise<V>> },
): void {
  registerGameRoutes(app, shows, {
    path: spec.path,
    one: spec.one,
    many: spec.path,
    create: (show, account, body) => game.create(show, account, parseWith(spec.createBody, body)),
    list: (showId) => game.list(showId),
    current: (showId) => game.current(showId),
  });
  const managed = registerStudioActions(app, shows, {
    path: spec.path,
    param: spec.param,
    one: spec.one,
    find: async (id) => ({ showId: await game.showIdOf(id) }),
    actions: { open: (id, account) => game.open(id, account), close: (id, account) => game.close(id, account.id), ...spec.more },
  });
  app.get<{ Params: Record<string, string> }>(`/api/studio/${spec.path}/:${spec.param}/audit`, async (req) => {
    const gameId = req.params[spec.param];
    await managed(req, gameId);
    return { audit: await game.auditLog(gameId) };
  });
}

/**
 * A product (and variant) a studio names for a game: it must be the show's merchant's, the variant that product's.
 * `at`: where in the body, for the error's message ("items.2.").
 */
export async function merchantProduct(
  catalog: CatalogService,
  show: Show,
  ids: { productId: string; variantId?: string },
  at = "",
): Promise<{ product: Product; variant: Variant | undefined }> {
  const product = await catalog.product(ids.productId).catch(() => null);
  if (!product || product.merchantId !== show.merchantId) throw new AppError("invalid_body", `${at}productId: not a product of this show's merchant`);
  const variant = ids.variantId ? await catalog.variant(ids.variantId).catch(() => null) : undefined;
  if (variant === null || (variant && variant.productId !== product.id)) throw new AppError("invalid_body", `${at}variantId: not a variant of this product`);
  return { product, variant };
}
