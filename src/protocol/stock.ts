/**
 * The one rule for stock figures (`offer.updated`, an offer's `stockVersion`): a figure replaces the one known for its
 * offer unless its version is older. Relays may reorder two commits' events, and a snapshot may be newer than an
 * event still in flight; the realtime stream applies this rule for every socket, the web client across reconnects.
 */
export function isStaleStock(knownVersion: number | undefined, version: number | undefined): boolean {
  return knownVersion !== undefined && version !== undefined && version < knownVersion;
}
