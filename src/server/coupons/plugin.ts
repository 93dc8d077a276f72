import type { FastifyPluginAsync } from "fastify";
import { registerCouponRoutes } from "./routes.js";

/** Coupons in the studio, their claims and the checkout's preview (an order's discount obeys the order access rule). */
export const couponsModule: FastifyPluginAsync<Parameters<typeof registerCouponRoutes>[1]> = async (app, opts) => registerCouponRoutes(app, opts);
