import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { type Account, LoginForm } from "../accounts/LoginForm.js";
import { useAnalyticsText } from "../analytics/analyticsText.js";
import { ShopOverviewView, ShowReportView } from "../analytics/ReportViews.js";
import { Header } from "../components/Layout.js";
import { api } from "../platform/apiClient.js";

// /admin/analytics/<showId>: a show's report (its host, the shop's owner and staff, admins); /admin/analytics: the
// shop overview (owner and staff; an admin names the shop with ?merchantId=). The charts (uPlot) load only here and
// in the studio.
const showId = /^\/admin\/analytics\/([^/]+)$/.exec(location.pathname)?.[1];

function AnalyticsPage() {
  const { t } = useAnalyticsText();
  const [account, setAccount] = useState<Account | null | undefined>(undefined);
  const [shop, setShop] = useState<string | null | undefined>(new URLSearchParams(location.search).get("merchantId") ?? undefined);
  useEffect(() => {
    api.get<{ account: Account }>("/api/auth/me").then(
      (r) => setAccount(r.account),
      () => setAccount(null),
    );
  }, []);
  // The overview's shop: ?merchantId= (an admin's pick), else the signed-in owner's or staff member's own.
  useEffect(() => {
    if (!account || showId || shop !== undefined) return;
    api.get<{ shop: { id: string } }>("/api/admin/shop").then(
      (r) => setShop(r.shop.id),
      () => setShop(null),
    );
  }, [account]);
  if (account === undefined) return null;
  if (account === null)
    return (
      <>
        <p class="note">{t("signIn")}</p>
        <LoginForm onSignedIn={setAccount} />
      </>
    );
  if (showId) return <ShowReportView showId={decodeURIComponent(showId)} />;
  if (shop === undefined) return null;
  if (shop === null) return <p class="note">{t("pickShop")}</p>;
  return <ShopOverviewView merchantId={shop} />;
}

function Back() {
  const { t } = useAnalyticsText();
  return (
    <a class="link" href="/admin">
      {t("back")}
    </a>
  );
}

render(
  <>
    <Header>
      <Back />
    </Header>
    <main class="page">
      <AnalyticsPage />
    </main>
  </>,
  document.getElementById("app")!,
);
