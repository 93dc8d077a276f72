export { CommissionService, commissionFor } from "./service.js";
