// Which merchant /admin acts for. Owners and staff: always their own (the server ignores merchantId for them).
// A platform admin picks one; every admin list and creation then names it with ?merchantId=, as the API asks.
let actingFor: string | null = null;

export function setActingMerchant(merchantId: string | null): void {
  actingFor = merchantId;
}

/** The admin API path, with the picked merchant added to its query when a platform admin picked one. */
export function scoped(path: string): string {
  if (!actingFor) return path;
  return `${path}${path.includes("?") ? "&" : "?"}merchantId=${encodeURIComponent(actingFor)}`;
}
