export { ShowService, canManage, requireMerchantStaff, newStreamKey, type Show } from "./service.js";
