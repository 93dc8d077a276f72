export { ShowService, canManage, newStreamKey, type Show } from "./service.js";
