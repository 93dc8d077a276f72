import { useEffect, useState } from "preact/hooks";
import { api } from "../platform/apiClient.js";

export interface SignedIn {
  id: string;
  email: string;
}

/** The signed-in account for pages that only need to know who it is (follow, remind): undefined while asking, null signed out. */
export function useSignedIn(): SignedIn | null | undefined {
  const [account, setAccount] = useState<SignedIn | null | undefined>(undefined);
  useEffect(() => {
    api.get<{ account: SignedIn }>("/api/auth/me").then(
      (r) => setAccount(r.account),
      () => setAccount(null),
    );
  }, []);
  return account;
}
