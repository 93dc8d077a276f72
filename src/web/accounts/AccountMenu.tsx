import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../platform/apiClient.js";
import { useI18n } from "../i18n/coreText.js";
import { lazyComponent } from "../platform/lazy.js";
import type { BuyerState } from "../buyers/useBuyer.js";

// The popover's forms (and Stripe's card field) load when the menu first opens: most viewers never open it.
const AccountPanel = lazyComponent(() => import("./AccountPanel.js").then((m) => m.AccountPanel));

/** The viewer page's small account menu: sign up / sign in, saved address and card for one-tap buying, sign out. */
export function AccountMenu({ buyer }: { buyer: BuyerState }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const { account } = buyer;

  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && setOpen(false);
    const onDown = (e: MouseEvent) => ref.current && !ref.current.contains(e.target as Node) && setOpen(false);
    document.addEventListener("keydown", onKey);
    document.addEventListener("mousedown", onDown);
    return () => {
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("mousedown", onDown);
    };
  }, [open]);

  if (account === undefined) return null;
  const signOut = async () => {
    await api.post("/api/auth/logout").catch(() => {});
    buyer.setAccount(null);
    setOpen(false);
  };

  return (
    <div class="account-menu" ref={ref}>
      <button type="button" class="btn btn-small" aria-expanded={open} onClick={() => setOpen((o) => !o)} data-testid="account-button">
        {account ? account.displayName : t("buyer.signIn")}
      </button>
      {open && (
        <div class="account-popover panel" role="dialog" aria-label={t("buyer.account")} data-testid="account-popover">
          <AccountPanel buyer={buyer} onSignOut={signOut} />
        </div>
      )}
    </div>
  );
}
