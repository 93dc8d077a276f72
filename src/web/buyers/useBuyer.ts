import { useCallback, useEffect, useState } from "preact/hooks";
import type { SavedBuyerDetails } from "../../protocol/api.js";
import { api } from "../platform/apiClient.js";

export interface BuyerAccount {
  id: string;
  email: string;
  displayName: string;
  role: string;
  /** The language of the account's emails (null: not chosen; the page's language stands in). */
  lang?: "de" | "en" | null;
}

export interface BuyerState {
  /** undefined while loading, null when signed out. */
  account: BuyerAccount | null | undefined;
  saved: SavedBuyerDetails | null;
  setAccount(a: BuyerAccount | null): void;
  /** The same account with changed settings (its saved details stay loaded). */
  updateAccount(a: BuyerAccount): void;
  setSaved(s: SavedBuyerDetails): void;
}

/** The signed-in buyer (if any) and their saved checkout details, shared by the account menu and the checkout. */
export function useBuyer(): BuyerState {
  const [account, setAccountState] = useState<BuyerAccount | null | undefined>(undefined);
  const [saved, setSaved] = useState<SavedBuyerDetails | null>(null);
  const setAccount = useCallback((a: BuyerAccount | null) => {
    setAccountState(a);
    setSaved(null);
    if (a)
      api.get<{ details: SavedBuyerDetails }>("/api/me/checkout-details").then(
        (r) => setSaved(r.details),
        () => {},
      );
  }, []);
  useEffect(() => {
    api.get<{ account: BuyerAccount }>("/api/auth/me").then(
      (r) => setAccount(r.account),
      () => setAccountState(null),
    );
  }, []);
  const updateAccount = useCallback((a: BuyerAccount) => setAccountState(a), []);
  return { account, saved, setAccount, updateAccount, setSaved };
}
