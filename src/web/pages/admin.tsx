import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { AdminProductView, ShowSalesView } from "../../protocol/api.js";
import { api } from "../platform/apiClient.js";
import { useAdminText } from "../admin/adminText.js";
import { OrdersPanel, useAdminErrorText } from "../admin/OrdersPanel.js";
import { PayoutsPanel } from "../admin/PayoutsPanel.js";
import { ProductsPanel } from "../admin/ProductsPanel.js";
import { ShowsPanel } from "../admin/ShowsPanel.js";
import { WebhooksPanel } from "../admin/WebhooksPanel.js";
import { EmbedPanel } from "../admin/EmbedPanel.js";
import { scoped, setActingMerchant } from "../admin/merchantScope.js";
import { NewShopForm, TeamPanel } from "../admin/TeamPanel.js";
import { useMerchantText } from "../admin/merchantText.js";
import { Centered, Header } from "../components/Layout.js";
import { type Account, LoginForm } from "../accounts/LoginForm.js";

type Tab = "orders" | "products" | "shows" | "payouts" | "webhooks" | "embed";
const MERCHANT_ROLES = ["merchant", "staff", "admin"];

interface MerchantChoice {
  id: string;
  name: string;
}
const PICKED_KEY = "showcart-admin-merchant";

/** A platform admin's /admin: pick a merchant, then the same dashboard acts for it (every list and creation). */
function AdminDashboard({ account }: { account: Account }) {
  const { t } = useAdminText();
  const errorText = useAdminErrorText();
  const [merchants, setMerchants] = useState<MerchantChoice[] | null>(null);
  const [picked, setPicked] = useState<string>("");
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.get<{ merchants: MerchantChoice[] }>("/api/admin/merchants").then(
      (r) => {
        setMerchants(r.merchants);
        let remembered: string | null = null;
        try {
          remembered = localStorage.getItem(PICKED_KEY);
        } catch {
          // storage blocked: pick again next time
        }
        if (remembered && r.merchants.some((m) => m.id === remembered)) pick(remembered);
      },
      (err) => setError(errorText(err)),
    );
  }, []);
  const shopCreated = (id: string) => {
    api.get<{ merchants: MerchantChoice[] }>("/api/admin/merchants").then((r) => {
      setMerchants(r.merchants);
      pick(id);
    });
  };
  const pick = (id: string) => {
    setActingMerchant(id || null);
    setPicked(id);
    try {
      if (id) localStorage.setItem(PICKED_KEY, id);
    } catch {
      // remembered for this visit only
    }
  };
  return (
    <>
      <div class="page admin-filters" data-testid="merchant-picker">
        <label class="field">
          <span>{t("admin.merchant")}</span>
          <select value={picked} onChange={(e) => pick(e.currentTarget.value)} disabled={!merchants?.length} data-testid="merchant-select">
            <option value="">—</option>
            {merchants?.map((m) => (
              <option value={m.id}>{m.name}</option>
            ))}
          </select>
        </label>
        <NewShopForm onCreated={shopCreated} />
      </div>
      {error && <p class="alert">{error}</p>}
      {merchants?.length === 0 && <p class="page muted">{t("admin.noMerchants")}</p>}
      {/* A new merchant is a fresh dashboard: its panels load that merchant's data from the start. */}
      {picked ? (
        <Dashboard key={picked} account={account} />
      ) : (
        merchants &&
        merchants.length > 0 && (
          <p class="page muted" data-testid="merchant-pick-hint">
            {t("admin.pickMerchant")}
          </p>
        )
      )}
    </>
  );
}

function Dashboard({ account }: { account: Account }) {
  const { t } = useAdminText();
  const errorText = useAdminErrorText();
  const merchantText = useMerchantText();
  const [tab, setTab] = useState<Tab | "team">("orders");
  const [products, setProducts] = useState<AdminProductView[]>([]);
  const [shows, setShows] = useState<ShowSalesView[]>([]);
  const [error, setError] = useState<string | null>(null);

  const load = async () => {
    try {
      const [p, s] = await Promise.all([
        api.get<{ products: AdminProductView[] }>(scoped("/api/admin/products")),
        api.get<{ shows: ShowSalesView[] }>(scoped("/api/admin/sales")),
      ]);
      setProducts(p.products);
      setShows(s.shows);
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  };
  useEffect(() => void load(), []);

  const tabButton = (id: Tab) => (
    <button type="button" role="tab" aria-selected={tab === id} class={tab === id ? "is-active" : ""} onClick={() => setTab(id)} data-testid={`tab-${id}`}>
      {t(`admin.tab.${id}`)}
    </button>
  );

  return (
    <main class="page admin" data-testid="admin">
      <div class="panel-head">
        <h1>{t("admin.title")}</h1>
        <a class="link" href={scoped("/admin/analytics")} data-testid="admin-analytics-link">
          {t("admin.analytics")}
        </a>
        <span class="muted">{account.email}</span>
      </div>
      <div class="admin-tabs" role="tablist">
        {tabButton("orders")}
        {tabButton("products")}
        {tabButton("shows")}
        {tabButton("payouts")}
        {tabButton("webhooks")}
        {tabButton("embed")}
        <button
          type="button"
          role="tab"
          aria-selected={tab === "team"}
          class={tab === "team" ? "is-active" : ""}
          onClick={() => setTab("team")}
          data-testid="tab-team"
        >
          {merchantText.t("team.title")}
        </button>
      </div>
      {error && <p class="alert">{error}</p>}
      {tab === "orders" && <OrdersPanel shows={shows} />}
      {tab === "products" && <ProductsPanel products={products} onChanged={load} />}
      {tab === "shows" && <ShowsPanel shows={shows} products={products} onChanged={load} />}
      {tab === "payouts" && <PayoutsPanel />}
      {tab === "webhooks" && <WebhooksPanel />}
      {tab === "embed" && <EmbedPanel shows={shows} canEdit={account.role === "merchant" || account.role === "admin"} />}
      {tab === "team" && <TeamPanel canInvite={account.role === "merchant" || account.role === "admin"} />}
    </main>
  );
}

function AdminPage() {
  const { t } = useAdminText();
  const [account, setAccount] = useState<Account | null | undefined>(undefined);
  useEffect(() => {
    api.get<{ account: Account }>("/api/auth/me").then(
      (r) => setAccount(r.account),
      () => setAccount(null), // 401: signed out; the login form follows
    );
  }, []);
  const signOut = async () => {
    await api.post("/api/auth/logout").catch(() => undefined);
    setAccount(null);
  };

  return (
    <>
      <Header>
        {account && (
          <button type="button" class="btn btn-small" onClick={signOut} data-testid="admin-signout">
            {t("admin.signOut")}
          </button>
        )}
      </Header>
      {account === undefined ? (
        <Centered>{t("admin.loading")}</Centered>
      ) : account === null ? (
        <main class="page-narrow">
          <LoginForm onSignedIn={setAccount} />
        </main>
      ) : account.role === "admin" ? (
        <AdminDashboard account={account} />
      ) : MERCHANT_ROLES.includes(account.role) ? (
        <Dashboard account={account} />
      ) : (
        <main class="page-narrow">
          <p class="alert" data-testid="admin-forbidden">
            {t("admin.notMerchant", { email: account.email })}
          </p>
        </main>
      )}
    </>
  );
}

render(<AdminPage />, document.getElementById("app")!);
