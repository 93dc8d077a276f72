export { CLAIM_USE_GRACE_MS, CouponService, couponView, discountFor } from "./service.js";
export { registerCouponRoutes } from "./routes.js";
export { couponsModule } from "./plugin.js";
export { createCouponsModule } from "./factory.js";
