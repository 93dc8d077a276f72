import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { AdminProductView, ShowSalesView } from "../../protocol/api.js";
import { api } from "../apiClient.js";
import { useAdminText } from "../components/admin/adminText.js";
import { OrdersPanel, errorText } from "../components/admin/OrdersPanel.js";
import { ProductsPanel } from "../components/admin/ProductsPanel.js";
import { ShowsPanel } from "../components/admin/ShowsPanel.js";
import { Centered, Header } from "../components/Layout.js";
import { type Account, LoginForm } from "../components/LoginForm.js";

type Tab = "orders" | "products" | "shows";
const MERCHANT_ROLES = ["merchant", "staff", "admin"];

function Dashboard({ account }: { account: Account }) {
  const { t } = useAdminText();
  const [tab, setTab] = useState<Tab>("orders");
  const [products, setProducts] = useState<AdminProductView[]>([]);
  const [shows, setShows] = useState<ShowSalesView[]>([]);
  const [error, setError] = useState<string | null>(null);

  const load = async () => {
    try {
      const [p, s] = await Promise.all([api.get<{ products: AdminProductView[] }>("/api/admin/products"), api.get<{ shows: ShowSalesView[] }>("/api/admin/sales")]);
      setProducts(p.products);
      setShows(s.shows);
      setError(null);
    } catch (err) {
      setError(errorText(err, t));
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
        <span class="muted">{account.email}</span>
      </div>
      <div class="admin-tabs" role="tablist">
        {tabButton("orders")}
        {tabButton("products")}
        {tabButton("shows")}
      </div>
      {error && <p class="alert">{error}</p>}
      {tab === "orders" && <OrdersPanel shows={shows} />}
      {tab === "products" && <ProductsPanel products={products} onChanged={load} />}
      {tab === "shows" && <ShowsPanel shows={shows} products={products} onChanged={load} />}
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
