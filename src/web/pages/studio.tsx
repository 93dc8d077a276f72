import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { OfferView, ProductView, ShowView, StudioStats, VariantView } from "../../protocol/api.js";
import type { Envelope, ServerEvents } from "../../protocol/realtime.js";
import { ApiError, api } from "../platform/apiClient.js";
import { ChatPanel, useChatExtras } from "../chat/ChatPanel.js";
import { lazyComponent } from "../platform/lazy.js";
import { Centered, Header, LoadError, StatusBadge } from "../components/Layout.js";
import { Icon } from "../components/Icon.js";
import { LivePlayer } from "../media/LivePlayer.js";
import { BrowserPublisher } from "../media/BrowserPublisher.js";
import { type Account, LoginForm } from "../accounts/LoginForm.js";
import { formatCountdown } from "../components/OfferCard.js";
import { SimulcastPanel } from "../simulcast/SimulcastPanel.js";
import { AuctionStudio } from "../games/AuctionStudio.js";
import { CouponStudio } from "../games/CouponStudio.js";
import { MysteryStudio } from "../games/MysteryStudio.js";
import { GiveawayStudio } from "../games/GiveawayStudio.js";
import { PollStudio } from "../games/PollStudio.js";
import { useGameText } from "../games/GiveawayText.js";
import { useStudioText } from "../shows/studioText.js";
import { formatMoney, parsePriceToCents } from "../platform/money.js";
import { connectRealtime } from "../realtime/connectRealtime.js";
import { withOffer } from "../realtime/showState.js";
import { useRoom } from "../realtime/useRoom.js";
import { useServerNow } from "../platform/useServerNow.js";
// Chat moderation: its own chunk, loaded when the studio renders it.
const ModerationPanel = lazyComponent(() => import("../chat/ModerationPanel.js").then((m) => m.ModerationPanel));

interface StudioData {
  show: ShowView;
  products: ProductView[];
  ingest: { rtmpUrl: string; streamKeyHint: string };
  stats?: StudioStats;
}

function errorMessage(err: unknown, fallback: string): string {
  return err instanceof ApiError ? err.message : fallback;
}

function Counters({ stats }: { stats: StudioStats }) {
  const { t, locale } = useStudioText();
  const item = (label: string, value: string, testId: string) => (
    <div class="counter">
      <span class="counter-value" data-testid={testId}>
        {value}
      </span>
      <span class="counter-label">{label}</span>
    </div>
  );
  const n = new Intl.NumberFormat(locale);
  return (
    <section class="counters" data-testid="studio-counters">
      {item(t("studio.viewers"), n.format(stats.viewers), "stat-viewers")}
      {item(t("studio.unitsSold"), n.format(stats.unitsSold), "stat-units")}
      {item(t("studio.revenue"), formatMoney(stats.revenue, stats.currency, locale), "stat-revenue")}
      {item(t("studio.commission"), formatMoney(stats.commission, stats.currency, locale), "stat-commission")}
    </section>
  );
}

/** The host's own share link for this show (orders through it within the attribution window are theirs). */
function ShareLink({ showId }: { showId: string }) {
  const { t } = useStudioText();
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    // Merchant accounts have no link (403): the block stays hidden.
    api.get<{ url: string }>(`/api/studio/shows/${encodeURIComponent(showId)}/share-link`).then(
      (r) => setUrl(r.url),
      () => setUrl(null),
    );
  }, [showId]);
  if (!url) return null;
  return (
    <p class="muted share-link" data-testid="share-link">
      {t("studio.shareLink")} <code>{url}</code> <CopyButton value={url} />
    </p>
  );
}

function CopyButton({ value }: { value: string }) {
  const { t } = useStudioText();
  const [copied, setCopied] = useState(false);
  const copy = () =>
    navigator.clipboard?.writeText(value).then(
      () => {
        setCopied(true);
        setTimeout(() => setCopied(false), 1500);
      },
      () => undefined,
    );
  return (
    <button type="button" class="btn btn-small" onClick={copy}>
      {copied ? t("studio.copied") : t("studio.copy")}
    </button>
  );
}

function IngestPanel({ showId, ingest }: { showId: string; ingest: StudioData["ingest"] }) {
  const { t } = useStudioText();
  const [key, setKey] = useState<string | null>(null);
  const [visible, setVisible] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const base = `/api/studio/shows/${encodeURIComponent(showId)}/stream-key`;

  const reveal = async () => {
    if (key) return setVisible(!visible);
    setBusy(true);
    try {
      const r = await api.post<{ streamKey: string }>(`${base}/reveal`);
      setKey(r.streamKey);
      setVisible(true);
    } catch (err) {
      setMessage(errorMessage(err, t("common.error")));
    } finally {
      setBusy(false);
    }
  };
  const rotate = async () => {
    setBusy(true);
    setConfirming(false);
    try {
      const r = await api.post<{ streamKey: string }>(`${base}/rotate`);
      setKey(r.streamKey);
      setVisible(true);
      setMessage(t("studio.rotated"));
    } catch (err) {
      setMessage(errorMessage(err, t("common.error")));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel" data-testid="ingest">
      <h2>{t("studio.ingest")}</h2>
      <p class="muted">{t("studio.ingestLead")}</p>
      <div class="kv">
        <span class="kv-label">{t("studio.rtmpUrl")}</span>
        <code data-testid="rtmp-url">{ingest.rtmpUrl}</code>
        <CopyButton value={ingest.rtmpUrl} />
      </div>
      <div class="kv">
        <span class="kv-label">{t("studio.streamKey")}</span>
        <code data-testid="stream-key">{visible && key ? key : ingest.streamKeyHint}</code>
        <button type="button" class="btn btn-small" onClick={reveal} disabled={busy} data-testid="reveal-key">
          {visible ? t("studio.hide") : t("studio.reveal")}
        </button>
        {visible && key && <CopyButton value={key} />}
      </div>
      {confirming ? (
        <div class="confirm" role="alertdialog" data-testid="rotate-confirm">
          <p>{t("studio.rotateConfirm")}</p>
          <button type="button" class="btn btn-danger btn-small" onClick={rotate} data-testid="rotate-yes">
            {t("studio.rotateYes")}
          </button>
          <button type="button" class="btn btn-small" onClick={() => setConfirming(false)}>
            {t("common.cancel")}
          </button>
        </div>
      ) : (
        <button type="button" class="btn btn-small" onClick={() => setConfirming(true)} disabled={busy} data-testid="rotate-key">
          {t("studio.rotate")}
        </button>
      )}
      {message && (
        <p class="note" role="status">
          {message}
        </p>
      )}
    </section>
  );
}

/** Studio products carry their variants (size/colour with stock) so an offer can be made per variant. */
type StudioProduct = ProductView & { variants?: VariantView[] };
const variantName = (v: VariantView) => [v.size, v.colour].filter(Boolean).join(" / ") || v.sku;

function CreateOfferForm({ showId, products, onOffer }: { showId: string; products: StudioProduct[]; onOffer(offer: OfferView): void }) {
  const { t, locale } = useStudioText();
  const [productId, setProductId] = useState(products[0]?.id ?? "");
  const [price, setPrice] = useState("");
  const [quantity, setQuantity] = useState("10");
  const [minutes, setMinutes] = useState("10");
  const [perBuyer, setPerBuyer] = useState("");
  const [pin, setPin] = useState(true);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  // Per variant: units to put on sale ("" = not in this offer).
  const [variantUnits, setVariantUnits] = useState<Record<string, string>>({});
  const product = products.find((p) => p.id === productId);
  const variants = product?.variants ?? [];

  if (!products.length) return <p class="muted">{t("studio.noProducts")}</p>;

  const submit = async (e: Event) => {
    e.preventDefault();
    const showPrice = parsePriceToCents(price);
    if (showPrice === null) return setMessage({ ok: false, text: t("studio.priceInvalid") });
    // The offer API takes one variant per offer: each picked variant becomes its own offer with its own units.
    const picked = variants.map((v) => ({ v, units: Number(variantUnits[v.id] || 0) })).filter((p) => p.units > 0);
    if (variants.length > 0) {
      if (picked.length === 0) return setMessage({ ok: false, text: t("studio.variantPickOne") });
      const over = picked.find((p) => p.units > p.v.stock);
      if (over) return setMessage({ ok: false, text: t("studio.variantTooMany", { label: variantName(over.v), n: over.v.stock }) });
    }
    setBusy(true);
    setMessage(null);
    const base = { productId, showPrice, durationSeconds: Math.round(Number(minutes) * 60), ...(perBuyer.trim() ? { perBuyerLimit: Number(perBuyer) } : {}) };
    const bodies =
      variants.length > 0
        ? picked.map((p, i) => ({ ...base, variantId: p.v.id, quantity: p.units, pin: pin && i === 0 }))
        : [{ ...base, quantity: Number(quantity), pin }];
    try {
      for (const body of bodies) {
        const { offer } = await api.post<{ offer: OfferView }>(`/api/studio/shows/${encodeURIComponent(showId)}/offers`, body);
        onOffer(offer);
      }
      setMessage({ ok: true, text: bodies.length > 1 ? t("studio.variantOffersCreated", { n: bodies.length }) : t("studio.offerCreated") });
      setPrice("");
      setVariantUnits({});
    } catch (err) {
      setMessage({ ok: false, text: errorMessage(err, t("common.error")) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="offer-form" onSubmit={submit} data-testid="create-offer-form">
      <label class="field">
        <span>{t("studio.product")}</span>
        <select
          value={productId}
          onChange={(e) => {
            setProductId(e.currentTarget.value);
            setVariantUnits({});
          }}
          data-testid="offer-product"
        >
          {products.map((p) => (
            <option value={p.id}>
              {p.title} — {formatMoney(p.price, p.currency, locale)}
            </option>
          ))}
        </select>
      </label>
      <div class="field-row">
        <label class="field">
          <span>{t("studio.showPrice")}</span>
          <input
            inputMode="decimal"
            required
            value={price}
            placeholder={product ? (product.price / 100).toLocaleString(locale, { minimumFractionDigits: 2 }) : ""}
            onInput={(e) => setPrice(e.currentTarget.value)}
            data-testid="offer-price"
          />
        </label>
        {variants.length === 0 && (
          <label class="field">
            <span>{t("studio.quantity")}</span>
            <input type="number" min={1} required value={quantity} onInput={(e) => setQuantity(e.currentTarget.value)} data-testid="offer-quantity" />
          </label>
        )}
        <label class="field">
          <span>{t("studio.duration")}</span>
          <input type="number" min={1} step="any" required value={minutes} onInput={(e) => setMinutes(e.currentTarget.value)} data-testid="offer-duration" />
        </label>
        <label class="field">
          <span>{t("studio.perBuyerLimit")}</span>
          <input
            type="number"
            min={1}
            placeholder="—"
            value={perBuyer}
            onInput={(e) => setPerBuyer(e.currentTarget.value)}
            data-testid="offer-per-buyer-limit"
          />
        </label>
      </div>
      {variants.length > 0 && (
        <fieldset data-testid="offer-variants">
          <legend>{t("studio.variants")}</legend>
          <p class="muted">{t("studio.variantHelp")}</p>
          {variants.map((v) => (
            <div class="field-row" data-testid="offer-variant" data-variant-id={v.id}>
              <label class="check">
                <input
                  type="checkbox"
                  checked={Number(variantUnits[v.id] || 0) > 0}
                  disabled={v.stock === 0}
                  onChange={(e) => {
                    const on = e.currentTarget.checked;
                    setVariantUnits((u) => ({ ...u, [v.id]: on ? String(Math.min(v.stock, 10)) : "" }));
                  }}
                  data-testid="offer-variant-pick"
                />
                {variantName(v)} <span class="muted">({t("studio.variantStock", { n: v.stock })})</span>
              </label>
              <label class="field">
                <span>{t("studio.quantity")}</span>
                <input
                  type="number"
                  min={0}
                  max={v.stock}
                  value={variantUnits[v.id] ?? ""}
                  disabled={v.stock === 0}
                  onInput={(e) => {
                    const value = e.currentTarget.value;
                    setVariantUnits((u) => ({ ...u, [v.id]: value }));
                  }}
                  data-testid="offer-variant-units"
                />
              </label>
            </div>
          ))}
        </fieldset>
      )}
      <label class="check">
        <input type="checkbox" checked={pin} onChange={(e) => setPin(e.currentTarget.checked)} data-testid="offer-pin" />
        {t("studio.pinNow")}
      </label>
      {message && (
        <p class={message.ok ? "note" : "alert"} role="status" data-testid="create-offer-message">
          {message.text}
        </p>
      )}
      <button type="submit" class="btn btn-primary" disabled={busy} data-testid="create-offer">
        {t("studio.createOffer")}
      </button>
    </form>
  );
}

function OffersList({ offers, onOffer }: { offers: OfferView[]; onOffer(offer: OfferView): void }) {
  const { t, locale } = useStudioText();
  const now = useServerNow();
  const [error, setError] = useState<string | null>(null);
  const act = (offerId: string, action: "pin" | "unpin" | "end") => {
    setError(null);
    const path = `/api/studio/offers/${encodeURIComponent(offerId)}/${action === "end" ? "end" : "pin"}`;
    const body = action === "end" ? {} : { pinned: action === "pin" };
    // The offer.* event updates every open studio and viewer; the response just makes this one snappy.
    api.post<{ offer: OfferView }>(path, body).then(
      (r) => onOffer(r.offer),
      (err) => setError(errorMessage(err, t("common.error"))),
    );
  };
  const active = offers.filter((o) => o.status === "active");
  return (
    <>
      {error && (
        <p class="alert" role="alert">
          {error}
        </p>
      )}
      {active.length === 0 ? (
        <p class="muted">{t("studio.noOffers")}</p>
      ) : (
        <ul class="offer-list" data-testid="studio-offers">
          {active.map((o) => (
            <li key={o.id} class={o.pinned ? "is-pinned" : ""} data-testid="studio-offer" data-offer-id={o.id}>
              <img src={o.imageUrl} alt="" width={48} height={48} />
              <div class="offer-list-body">
                <strong>
                  {o.title}
                  {o.pinned && <span class="badge badge-live">{t("studio.pinned")}</span>}
                </strong>
                <span class="muted">
                  {formatMoney(o.showPrice, o.currency, locale)} · {t("offer.left", { n: o.remaining })} · {formatCountdown(Date.parse(o.endsAt) - now)}
                </span>
              </div>
              <div class="offer-list-actions">
                {o.pinned ? (
                  <button type="button" class="btn btn-small" onClick={() => act(o.id, "unpin")} data-testid="unpin-offer">
                    {t("studio.unpin")}
                  </button>
                ) : (
                  <button type="button" class="btn btn-small" onClick={() => act(o.id, "pin")} data-testid="pin-offer">
                    {t("studio.pin")}
                  </button>
                )}
                <button type="button" class="btn btn-small btn-danger" onClick={() => act(o.id, "end")} data-testid="end-offer">
                  {t("studio.end")}
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function GamesStudio({ showId, products }: { showId: string; products: ProductView[] }) {
  const { t } = useGameText();
  return (
    <>
      <section class="panel">
        <h2>{t("studio.giveaways")}</h2>
        <GiveawayStudio showId={showId} />
      </section>
      <section class="panel">
        <h2>{t("studio.polls")}</h2>
        <PollStudio showId={showId} products={products} />
      </section>
    </>
  );
}

function Studio({ data, account, onSignOut }: { data: StudioData; account: Account; onSignOut(): void }) {
  const { t } = useStudioText();
  const { show } = data;
  // Counters start at zero until the first stats.updated if the response carried none.
  const [reports, setReports] = useState(0);
  const [stats, setStats] = useState<StudioStats>(data.stats ?? { viewers: 0, unitsSold: 0, revenue: 0, commission: 0, currency: "EUR" });
  // The show room carries offers and chat (the host's cookie makes its messages role "host");
  // the read-only studio room adds the sales counters.
  const { room, setRoom, connected, error, connection } = useRoom(
    `/ws/shows/${encodeURIComponent(show.id)}`,
    {
      status: show.status,
      viewers: data.stats?.viewers ?? 0,
      offers: show.offers,
      chat: [],
    },
    { onEvent: (ev) => void chatExtras.onEvent(ev) },
  );
  const chatExtras = useChatExtras(show.id, connected, true);
  const studioChat = `/api/studio/shows/${encodeURIComponent(show.id)}/chat`;
  const chatActions = [
    ...(chatExtras.actions ?? []),
    {
      label: t("mod.ban"),
      testId: "chat-ban",
      run: (m: { id: string }) => void api.post(`${studioChat}/messages/${encodeURIComponent(m.id)}/ban`, { deleteRecentMinutes: 10 }).catch(() => {}),
    },
  ];
  const mergeOffer = (offer: OfferView) => setRoom((r) => withOffer(r, offer));
  useEffect(() => {
    const conn = connectRealtime({
      path: `/ws/studio/${encodeURIComponent(show.id)}`,
      handlers: {
        onSnapshot: () => undefined,
        onEvent: (ev: Envelope) => {
          if (ev.t === "stats.updated") setStats(ev.d as ServerEvents["stats.updated"]);
          if (ev.t === "chat.reported") setReports((n) => n + 1);
          // A sale's commission was written: the hosts' pending earnings from this show, at once (before the stats tick).
          if (ev.t === "earnings.updated") {
            const d = ev.d as ServerEvents["earnings.updated"];
            setStats((s) => ({ ...s, commission: d.pending, currency: d.currency }));
          }
        },
      },
    });
    return () => conn.close();
  }, [show.id]);

  return (
    <>
      <Header>
        <span class="muted signed-in">{t("login.signedInAs", { name: account.displayName })}</span>
        <button type="button" class="btn btn-small" onClick={onSignOut} data-testid="logout">
          {t("login.logout")}
        </button>
      </Header>
      <main class="studio">
        <div class="studio-head">
          <div>
            <StatusBadge status={room.status} />
            <h1 data-testid="studio-title">{show.title}</h1>
            <a href={`/shows/${encodeURIComponent(show.slug)}`} target="_blank" rel="noopener">
              {t("studio.openViewer")} <Icon name="external" size={14} />
            </a>{" "}
            <a href="/earnings" data-testid="studio-earnings-link">
              {t("studio.earnings")}
            </a>
            <ShareLink showId={show.id} />
          </div>
          <Counters stats={stats} />
        </div>
        <div class="studio-grid">
          <div class="studio-main">
            <section class="panel">
              <h2>{t("studio.preview")}</h2>
              {room.status === "live" || room.status === "reconnecting" ? (
                <LivePlayer src={show.playbackUrl} testId="preview" />
              ) : (
                <div class="player off-air" data-testid="off-air">
                  <p>{t("show.away")}</p>
                </div>
              )}
            </section>
            <section class="panel">
              <h2>{t("studio.offers")}</h2>
              <OffersList offers={room.offers} onOffer={mergeOffer} />
            </section>
            <section class="panel">
              <h2>{t("studio.products")}</h2>
              <CreateOfferForm showId={show.id} products={data.products} onOffer={mergeOffer} />
            </section>
            <section class="panel">
              <h2>{t("studio.auctions")}</h2>
              <AuctionStudio showId={show.id} products={data.products} />
            </section>
            <section class="panel">
              <h2>{t("studio.mystery")}</h2>
              <MysteryStudio showId={show.id} products={data.products} />
            </section>
            <section class="panel">
              <h2>{t("studio.coupons")}</h2>
              <CouponStudio showId={show.id} />
            </section>
            <GamesStudio showId={show.id} products={data.products} />
            <BrowserPublisher showId={show.id} stats={stats} />
            <IngestPanel showId={show.id} ingest={data.ingest} />
            <SimulcastPanel showId={show.id} />
            <section class="panel">
              <h2>{t("studio.moderation")}</h2>
              <ModerationPanel showId={show.id} reports={reports} />
            </section>
          </div>
          <div class="studio-side">
            <ChatPanel
              messages={chatExtras.visible(room.chat)}
              connected={connected}
              error={error}
              pinned={chatExtras.pinned}
              actions={chatActions}
              onSend={(text) => connection.current?.send({ t: "chat.send", d: { text } }) ?? false}
            />
          </div>
        </div>
      </main>
    </>
  );
}

type PageState =
  | { kind: "loading" }
  | { kind: "login" }
  | { kind: "error"; message: string; retry: boolean }
  | { kind: "ready"; data: StudioData; account: Account };

function StudioPage() {
  const { t } = useStudioText();
  const showId = decodeURIComponent(location.pathname.split("/")[2] ?? "");
  const [state, setState] = useState<PageState>({ kind: "loading" });

  const load = async () => {
    setState({ kind: "loading" });
    try {
      const { account } = await api.get<{ account: Account }>("/api/auth/me");
      const data = await api.get<StudioData>(`/api/studio/shows/${encodeURIComponent(showId)}`);
      document.title = `${t("studio.title")} · ${data.show.title} · Showcart`;
      setState({ kind: "ready", data, account });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setState({ kind: "login" });
      else if (err instanceof ApiError && err.status === 403) setState({ kind: "error", message: t("studio.forbidden"), retry: false });
      else if (err instanceof ApiError && err.status === 404) setState({ kind: "error", message: t("studio.notFound"), retry: false });
      else setState({ kind: "error", message: t("common.error"), retry: true });
    }
  };
  useEffect(() => void load(), [showId]);

  const signOut = () => {
    api.post("/api/auth/logout").finally(() => setState({ kind: "login" }));
  };

  switch (state.kind) {
    case "loading":
      return (
        <>
          <Header />
          <Centered>{t("common.loading")}</Centered>
        </>
      );
    case "login":
      return (
        <>
          <Header />
          <main class="page-narrow">
            <LoginForm onSignedIn={() => void load()} />
          </main>
        </>
      );
    case "error":
      return (
        <>
          <Header>
            <button type="button" class="btn btn-small" onClick={signOut}>
              {t("login.logout")}
            </button>
          </Header>
          <LoadError message={state.message} onRetry={state.retry ? () => void load() : undefined} />
        </>
      );
    case "ready":
      return <Studio data={state.data} account={state.account} onSignOut={signOut} />;
  }
}

render(<StudioPage />, document.getElementById("app")!);
