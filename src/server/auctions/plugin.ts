import type { FastifyPluginAsync } from "fastify";
import type { Sweepers } from "../http/sweepers.js";
import { registerAuctionRoutes } from "./routes.js";

export type AuctionsModuleOptions = Parameters<typeof registerAuctionRoutes>[1] & { sweepers: Sweepers };

/** Auctions, bids and pre-bids; auctions whose (soft-close) end has passed are closed every 250 ms. */
export const auctionsModule: FastifyPluginAsync<AuctionsModuleOptions> = async (app, opts) => {
  registerAuctionRoutes(app, opts);
  opts.sweepers.install(app, (every) => every(250, () => opts.auctions.sweep()));
};
