import { useEffect, useState } from "preact/hooks";

interface InviteView {
  id: string;
  email: string;
  role: "host" | "staff";
  status: "pending" | "accepted" | "expired" | "revoked";
  createdAt: string;
  expiresAt: string;
}
import { useErrorText } from "../i18n/apiErrors.js";
import { api } from "../platform/apiClient.js";
import type { ShopView } from "../../protocol/api.js";
import { ShopFields, type ShopFieldsValue, emptyShop, shopBodyOf } from "./ShopForm.js";
import { scoped } from "./merchantScope.js";
import { useMerchantText } from "./merchantText.js";

interface Host {
  id: string;
  displayName: string;
  email: string;
}

function merchantField(): { merchantId?: string } {
  const m = /merchantId=([^&]+)/.exec(scoped("/x"));
  return m ? { merchantId: decodeURIComponent(m[1]!) } : {};
}

/** The shop's people: hosts, and invites (list with status, revoke with confirmation, the invite form). Owners and admins. */
export function TeamPanel({ canInvite }: { canInvite: boolean }) {
  const { t, locale, lang } = useMerchantText();
  const errorText = useErrorText();
  const [invites, setInvites] = useState<InviteView[]>([]);
  const [hosts, setHosts] = useState<Host[]>([]);
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<"host" | "staff">("host");
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = async () => {
    try {
      const [h, i] = await Promise.all([
        api.get<{ hosts: Host[] }>(scoped("/api/admin/hosts")),
        canInvite ? api.get<{ invites: InviteView[] }>(scoped("/api/admin/invites")) : Promise.resolve({ invites: [] }),
      ]);
      setHosts(h.hosts);
      setInvites(i.invites);
    } catch (err) {
      setError(errorText(err));
    }
  };
  useEffect(() => void load(), []);

  const invite = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      await api.post("/api/admin/invites", { email: email.trim(), role, lang, ...merchantField() });
      setNote(t("team.sent", { email: email.trim() }));
      setEmail("");
      await load();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const revoke = async (inv: InviteView) => {
    if (!confirm(t("team.confirmRevoke", { email: inv.email }))) return;
    try {
      await api.del(`/api/admin/invites/${encodeURIComponent(inv.id)}`);
      await load();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const date = (iso: string) => new Intl.DateTimeFormat(locale, { dateStyle: "medium" }).format(new Date(iso));

  return (
    <section class="admin-section" data-testid="team-panel">
      <EmailReminder />
      <h2>{t("team.hosts")}</h2>
      {hosts.length === 0 ? (
        <p class="muted">{t("team.noHosts")}</p>
      ) : (
        <ul data-testid="host-list">
          {hosts.map((h) => (
            <li>
              {h.displayName} <span class="muted">{h.email}</span>
            </li>
          ))}
        </ul>
      )}
      {!canInvite ? (
        <p class="muted">{t("team.ownerOnly")}</p>
      ) : (
        <>
          <form class="admin-form admin-inline" onSubmit={invite} data-testid="invite-form">
            <h3>{t("team.invite")}</h3>
            <label class="field">
              <span>{t("team.email")}</span>
              <input required type="email" maxLength={254} value={email} onInput={(e) => setEmail(e.currentTarget.value)} data-testid="invite-email" />
            </label>
            <label class="field">
              <span>{t("team.role")}</span>
              <select value={role} onChange={(e) => setRole(e.currentTarget.value as "host" | "staff")} data-testid="invite-role">
                <option value="host">{t("team.role.host")}</option>
                <option value="staff">{t("team.role.staff")}</option>
              </select>
            </label>
            <button type="submit" class="btn btn-primary" data-testid="invite-send">
              {t("team.send")}
            </button>
          </form>
          {note && (
            <p class="note" role="status" data-testid="invite-note">
              {note}
            </p>
          )}
          {invites.length === 0 ? (
            <p class="muted">{t("team.empty")}</p>
          ) : (
            <table class="admin-table" data-testid="invite-list">
              <thead>
                <tr>
                  <th scope="col">{t("team.email")}</th>
                  <th scope="col">{t("team.role")}</th>
                  <th scope="col">{t("team.status")}</th>
                  <th scope="col">{t("team.expires")}</th>
                  <th scope="col">
                    <span class="sr-only">{t("team.revoke")}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {invites.map((inv) => (
                  <tr key={inv.id}>
                    <td>{inv.email}</td>
                    <td>{t(`team.role.${inv.role}`)}</td>
                    <td data-testid={`invite-status-${inv.email}`}>{t(`team.status.${inv.status}`)}</td>
                    <td>{date(inv.expiresAt)}</td>
                    <td>
                      {inv.status === "pending" && (
                        <button type="button" class="btn btn-small btn-danger" onClick={() => void revoke(inv)}>
                          {t("team.revoke")}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
      {error && (
        <p class="alert" role="alert">
          {error}
        </p>
      )}
      {canInvite && <ShopDetails />}
    </section>
  );
}

/** Until the signed-in account confirmed its address: a reminder with a button that sends the link again. */
export function EmailReminder() {
  const { t, lang } = useMerchantText();
  const [verified, setVerified] = useState(true);
  const [sent, setSent] = useState(false);
  useEffect(() => {
    api.get<{ verified: boolean }>("/api/auth/email-verification").then(
      (r) => setVerified(r.verified),
      () => undefined,
    );
  }, []);
  if (verified) return null;
  return (
    <p class="note" role="status" data-testid="email-reminder">
      {t("verify.unconfirmed")}{" "}
      {sent ? (
        t("verify.sent")
      ) : (
        <button type="button" class="btn btn-small" onClick={() => api.post("/api/auth/email-verification/resend", { lang }).then(() => setSent(true))}>
          {t("verify.resend")}
        </button>
      )}
    </p>
  );
}

/** The shop's details and logo (owner and admins). */
export function ShopDetails() {
  const { t } = useMerchantText();
  const errorText = useErrorText();
  const [shop, setShop] = useState<ShopView | null>(null);
  const [value, setValue] = useState<ShopFieldsValue | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const show = (s: ShopView) => {
    setShop(s);
    setValue({
      name: s.name,
      legalName: s.legalName,
      line1: s.address.line1,
      line2: s.address.line2,
      postalCode: s.address.postalCode,
      city: s.address.city,
      country: s.address.country,
      vatId: s.vatId,
      timeZone: s.timeZone,
    });
  };
  useEffect(() => {
    api.get<{ shop: ShopView }>(scoped("/api/admin/shop")).then(
      (r) => show(r.shop),
      (err) => setError(errorText(err)),
    );
  }, []);
  if (!value || !shop) return error ? <p class="alert">{error}</p> : null;
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      const { currency: _currency, ...patch } = shopBodyOf(value);
      show((await api.patch<{ shop: ShopView }>(scoped("/api/admin/shop"), patch)).shop);
      setNote(t("shop.saved"));
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  };
  const onLogo = async (e: Event) => {
    const file = (e.currentTarget as HTMLInputElement).files?.[0];
    if (!file) return;
    try {
      show((await api.upload<{ shop: ShopView }>(scoped("/api/admin/shop/logo"), file)).shop);
    } catch (err) {
      setError(t("shop.logoFailed", { message: errorText(err) }));
    }
  };
  return (
    <form class="admin-form" onSubmit={submit} data-testid="shop-details">
      <h2>{t("shop.details")}</h2>
      {shop.logoThumbUrl && <img class="admin-preview" src={shop.logoThumbUrl} alt={shop.name} width={200} />}
      <ShopFields value={value} onChange={setValue} idPrefix="shop" />
      <label class="field">
        <span>{t("shop.logo")}</span>
        <input type="file" accept="image/jpeg,image/png,image/webp" onChange={onLogo} data-testid="shop-logo" />
      </label>
      {note && (
        <p class="note" role="status">
          {note}
        </p>
      )}
      {error && (
        <p class="alert" role="alert">
          {error}
        </p>
      )}
      <button type="submit" class="btn btn-primary">
        {t("shop.save")}
      </button>
    </form>
  );
}

/** A platform admin creates a further shop (then picks it in the merchant picker). */
export function NewShopForm({ onCreated }: { onCreated(id: string): void }) {
  const { t } = useMerchantText();
  const errorText = useErrorText();
  const [open, setOpen] = useState(false);
  const [shop, setShop] = useState<ShopFieldsValue>(emptyShop);
  const [error, setError] = useState<string | null>(null);
  if (!open)
    return (
      <button type="button" class="btn btn-small" onClick={() => setOpen(true)} data-testid="new-shop">
        {t("shop.new")}
      </button>
    );
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      const r = await api.post<{ shop: { id: string } }>("/api/admin/merchants", shopBodyOf(shop));
      setOpen(false);
      setShop(emptyShop());
      onCreated(r.shop.id);
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <form class="panel admin-form" onSubmit={submit} data-testid="new-shop-form">
      <h2>{t("shop.new")}</h2>
      <ShopFields value={shop} onChange={setShop} idPrefix="new-shop" />
      {error && (
        <p class="alert" role="alert">
          {error}
        </p>
      )}
      <button type="submit" class="btn btn-primary">
        {t("shop.create")}
      </button>
    </form>
  );
}
