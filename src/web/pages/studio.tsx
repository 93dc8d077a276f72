import { render } from "preact";
import { errorText } from "../i18n/apiErrors.js";
import { StagePanel } from "../stage/StagePanel.js";
import { StudioFollowers } from "../follows/FollowerCounts.js";
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type {
  ChatModerationView,
  CommissionShareView,
  LineupItemView,
  OfferView,
  ProductView,
  ShowView,
  StudioStats,
  VariantView,
} from "../../protocol/api.js";
import type { Envelope, ServerEvents } from "../../protocol/realtime.js";
import { ApiError, api } from "../platform/apiClient.js";
import { ChatPanel, useChatExtras } from "../chat/ChatPanel.js";
import { lazyComponent } from "../platform/lazy.js";
import { Header, LoadError, StatusBadge } from "../components/Layout.js";
import { CopyButton } from "../components/CopyButton.js";
import { Icon } from "../components/Icon.js";
import { LivePlayer } from "../media/LivePlayer.js";
import { BrowserPublisher, type IceServerConfig } from "../media/BrowserPublisher.js";
import { type Account, LoginForm } from "../accounts/LoginForm.js";
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
import { LineupPanel, PinnedNow } from "../shows/LineupPanel.js";
import { useControlRoomText } from "../shows/controlRoomText.js";
import { Counter } from "../components/Counter.js";
// Chat moderation: its own chunk, loaded when the studio opens its tab.
// The live chart (uPlot) loads on its own, after the studio: the viewer page never carries it.
const LiveChart = lazyComponent(() => import("../analytics/LiveChart.js").then((m) => m.LiveChart));
const ModerationPanel = lazyComponent(() => import("../chat/ModerationPanel.js").then((m) => m.ModerationPanel));

interface StudioData {
  show: ShowView;
  products: ProductView[];
  ingest: { rtmpUrl: string; streamKeyHint: string; iceServers?: IceServerConfig[] };
  stats?: StudioStats;
}

const EMPTY_STATS: StudioStats = { viewers: 0, unitsSold: 0, revenue: 0, commission: 0, currency: "EUR" };

/** The four live figures in fixed-width cells ("—" until the first figures arrive), so nothing around them moves. */
function Counters({ stats }: { stats: StudioStats | null }) {
  const { t, locale } = useStudioText();
  const { c } = useControlRoomText();
  const n = new Intl.NumberFormat(locale);
  const money = (v: number) => (stats ? formatMoney(v, stats.currency, locale) : "—");
  return (
    <section class="counters" data-testid="studio-counters" aria-label={c("counters")} aria-live="off">
      <Counter label={t("studio.viewers")} value={stats ? n.format(stats.viewers) : "—"} testId="stat-viewers" />
      <Counter label={t("studio.unitsSold")} value={stats ? n.format(stats.unitsSold) : "—"} testId="stat-units" />
      <Counter label={t("studio.revenue")} value={money(stats?.revenue ?? 0)} testId="stat-revenue" />
      <Counter label={t("studio.commission")} value={money(stats?.commission ?? 0)} testId="stat-commission" />
    </section>
  );
}

/**
 * The show's commission by host when it is shared (co-hosts): each host's share of the split and what it has earned
 * so far. Present from the studio's first answer (no sales: every amount 0), so it moves nothing when sales come in.
 */
function CommissionSplit({ split, currency }: { split: CommissionShareView[]; currency: string }) {
  const { locale } = useStudioText();
  const { c } = useControlRoomText();
  if (split.length < 2) return null;
  const percent = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 2 });
  return (
    <p class="commission-split" data-testid="commission-split">
      <span class="muted">{c("commissionSplit")}</span>
      {split.map((h) => (
        <span class="commission-share" data-testid="commission-share" data-share-bp={h.shareBp ?? ""} data-amount={h.amount} key={h.accountId}>
          {h.shareBp === null
            ? c("commissionShareOutside", { name: h.displayName, amount: formatMoney(h.amount, currency, locale) })
            : c("commissionShare", { name: h.displayName, share: percent.format(h.shareBp / 10_000), amount: formatMoney(h.amount, currency, locale) })}
        </span>
      ))}
    </p>
  );
}

/** The host's own share link for this show (orders through it within the attribution window are theirs). */
function ShareLink({ showId }: { showId: string }) {
  const { t } = useStudioText();
  const { c } = useControlRoomText();
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    // Merchant accounts have no link (403): the block stays hidden.
    api.get<{ url: string }>(`/api/studio/shows/${encodeURIComponent(showId)}/share-link`).then(
      (r) => setUrl(r.url),
      () => setUrl(null),
    );
  }, [showId]);
  if (!url) return null;
  // A copy button at the end of the links line (the URL itself only for screen readers and the tooltip): its arrival
  // moves nothing.
  return (
    <span class="share-link" data-testid="share-link" title={url}>
      <span class="sr-only">
        {t("studio.shareLink")} <code>{url}</code>
      </span>
      <CopyButton value={url} label={c("copyShareLink")} />
    </span>
  );
}

function IngestPanel({ showId, ingest }: { showId: string; ingest: StudioData["ingest"] }) {
  const { t, lang } = useStudioText();
  const [key, setKey] = useState<string | null>(null);
  const [visible, setVisible] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const base = `/api/studio/shows/${encodeURIComponent(showId)}/stream-key`;
  // The WHIP endpoint for OBS 30+ (Bearer token: the stream key), on the origin this studio was opened from.
  const whipUrl = `${location.origin}/api/shows/${encodeURIComponent(showId)}/whip`;

  const reveal = async () => {
    if (key) return setVisible(!visible);
    setBusy(true);
    try {
      const r = await api.post<{ streamKey: string }>(`${base}/reveal`);
      setKey(r.streamKey);
      setVisible(true);
    } catch (err) {
      setMessage(errorText(err, lang));
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
      setMessage(errorText(err, lang));
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
        <span class="kv-label">{t("studio.whipUrl")}</span>
        <code data-testid="whip-url">{whipUrl}</code>
        <CopyButton value={whipUrl} />
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

function CreateOfferForm({
  showId,
  products,
  onOffer,
  onLineupChanged,
}: {
  showId: string;
  products: StudioProduct[];
  onOffer(offer: OfferView): void;
  onLineupChanged(): void;
}) {
  const { t, locale, lang } = useStudioText();
  const { c } = useControlRoomText();
  // On: the item joins the show's line-up (planned, or pinned at once with "pin now") instead of becoming a loose offer.
  const [toLineup, setToLineup] = useState(false);
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
    const show = `/api/studio/shows/${encodeURIComponent(showId)}`;
    try {
      if (toLineup) {
        for (const { pin: pinIt, ...item } of bodies) {
          const added = await api.post<{ item: LineupItemView }>(`${show}/lineup`, item);
          if (pinIt) onOffer((await api.post<{ offer: OfferView }>(`${show}/lineup/${encodeURIComponent(added.item.id)}/pin`)).offer);
        }
        onLineupChanged();
        setMessage({ ok: true, text: c("addedToLineup", { n: bodies.length }) });
      } else {
        for (const body of bodies) {
          const { offer } = await api.post<{ offer: OfferView }>(`${show}/offers`, body);
          onOffer(offer);
        }
        setMessage({ ok: true, text: bodies.length > 1 ? t("studio.variantOffersCreated", { n: bodies.length }) : t("studio.offerCreated") });
      }
      setPrice("");
      setVariantUnits({});
    } catch (err) {
      setMessage({ ok: false, text: errorText(err, lang) });
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
      <label class="check">
        <input type="checkbox" checked={toLineup} onChange={(e) => setToLineup(e.currentTarget.checked)} data-testid="offer-to-lineup" />
        {c("toLineup")}
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

type WorkTab = "lineup" | "auction" | "mystery" | "coupon" | "giveaway" | "poll";

/**
 * Tabs whose panels all stay mounted (hidden when not chosen): a half-filled game form survives a look at the line-up,
 * and the line-up's keyboard shortcuts work from any tab.
 */
type SideTab = "chat" | "stats" | "stage" | "moderation";

function Tabs<K extends string>({
  id,
  tabs,
  active,
  onChange,
  label,
}: {
  id: string;
  tabs: { key: K; label: string }[];
  active: K;
  onChange(key: K): void;
  label: string;
}) {
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== "ArrowRight" && e.key !== "ArrowLeft") return;
    const i = tabs.findIndex((t) => t.key === active);
    const next = tabs[(i + (e.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length]!;
    onChange(next.key);
    document.getElementById(`${id}-tab-${next.key}`)?.focus();
    e.preventDefault();
  };
  return (
    <div class="cr-tabs" role="tablist" aria-label={label} onKeyDown={onKeyDown}>
      {tabs.map((tab) => (
        <button
          type="button"
          role="tab"
          id={`${id}-tab-${tab.key}`}
          aria-selected={tab.key === active}
          aria-controls={`${id}-panel-${tab.key}`}
          tabIndex={tab.key === active ? 0 : -1}
          class={tab.key === active ? "is-active" : ""}
          onClick={() => onChange(tab.key)}
          data-testid={`${id}-tab-${tab.key}`}
        >
          {tab.label}
        </button>
      ))}
    </div>
  );
}

function TabPanel({ id, tab, active, children }: { id: string; tab: string; active: boolean; children: ComponentChildren }) {
  return (
    <div role="tabpanel" id={`${id}-panel-${tab}`} aria-labelledby={`${id}-tab-${tab}`} hidden={!active} class="cr-tabpanel" data-testid={`${id}-panel-${tab}`}>
      {children}
    </div>
  );
}

/** The preview: "connecting" until the room answers, the player while on air, the away card otherwise. */
function Preview({ status, connected, playbackUrl }: { status: ShowView["status"]; connected: boolean; playbackUrl: string }) {
  const { t } = useStudioText();
  const { c } = useControlRoomText();
  if (status === "live" || status === "reconnecting") return <LivePlayer src={playbackUrl} testId="preview" />;
  if (!connected)
    return (
      <div class="player off-air" data-testid="preview-connecting" role="status">
        <p>
          <span class="spinner" aria-hidden="true" /> {c("connecting")}
        </p>
      </div>
    );
  return (
    <div class="player off-air" data-testid="off-air">
      <p>{t("show.away")}</p>
    </div>
  );
}

/** Set-up the host needs before the show, not during it: go-live source, stream key, simulcast. Kept mounted. */
function SetupDrawer({ open, onClose, children }: { open: boolean; onClose(): void; children: ComponentChildren }) {
  const { c } = useControlRoomText();
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!open) return;
    closeRef.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") onClose();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [open]);
  return (
    <aside id="studio-setup" class="cr-drawer" hidden={!open} aria-labelledby="studio-setup-title" data-testid="studio-setup">
      <div class="cr-drawer-head">
        <h2 id="studio-setup-title">{c("setupTitle")}</h2>
        <button type="button" class="btn btn-small" ref={closeRef} onClick={onClose} data-testid="studio-setup-close">
          {c("close")}
        </button>
      </div>
      {children}
    </aside>
  );
}

function Studio({ data, account, onSignOut }: { data: StudioData; account: Account; onSignOut(): void }) {
  const { t } = useStudioText();
  const { c } = useControlRoomText();
  const { t: g } = useGameText();
  const { show } = data;
  // Open reports: the tab's count, from the queue at load and after every change; `reportTick` counts the studio
  // stream's chat.reported events, which reload the queue (the panel's, or only its count before the tab is opened).
  const [reports, setReports] = useState(0);
  const [reportTick, setReportTick] = useState(0);
  // Until the first stats.updated (when the response carried none) the counters show "—" in their reserved space.
  const [stats, setStats] = useState<StudioStats | null>(data.stats ?? null);
  const [liveChart, setLiveChart] = useState<ServerEvents["analytics.live"] | null>(null);
  // By host: from the first answer, then with every commission (earnings.updated); the stats ticks do not carry it.
  const [split, setSplit] = useState<CommissionShareView[]>(data.stats?.commissionSplit ?? []);
  const [work, setWork] = useState<WorkTab>("lineup");
  const [side, setSide] = useState<SideTab>("chat");
  const [moderationSeen, setModerationSeen] = useState(false);
  const [setupOpen, setSetupOpen] = useState(false);
  const [lineupKey, setLineupKey] = useState(0);
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
  // The host's answer to "Ask on stage": who was asked, or why not. Offered only on a signed-in author's messages (a
  // guest's message has no account to ask).
  const [stageNotice, setStageNotice] = useState<string | null>(null);
  const chatActions = [
    ...(chatExtras.actions ?? []),
    {
      label: t("mod.stageRequest"),
      testId: "chat-stage-request",
      applies: (m: { member?: true }) => m.member === true,
      run: (m: { id: string; author: string }) =>
        void api.post(`/api/studio/shows/${encodeURIComponent(show.id)}/stage/requests`, { messageId: m.id }).then(
          () => setStageNotice(t("mod.stageRequested", { name: m.author })),
          () => setStageNotice(t("mod.stageRequestFailed")),
        ),
    },
    {
      label: t("mod.ban"),
      testId: "chat-ban",
      run: (m: { id: string }) => void api.post(`${studioChat}/messages/${encodeURIComponent(m.id)}/ban`, { deleteRecentMinutes: 10 }).catch(() => {}),
    },
  ];
  const mergeOffer = (offer: OfferView) => setRoom((r) => withOffer(r, offer));
  useEffect(() => {
    if (moderationSeen) return;
    let live = true;
    api.get<ChatModerationView>(`${studioChat}/moderation`).then(
      (v) => live && setReports(v.reports.length),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [show.id, reportTick, moderationSeen]);
  useEffect(() => {
    const conn = connectRealtime({
      path: `/ws/studio/${encodeURIComponent(show.id)}`,
      handlers: {
        onSnapshot: () => undefined,
        onEvent: (ev: Envelope) => {
          if (ev.t === "stats.updated") setStats(ev.d as ServerEvents["stats.updated"]);
          if (ev.t === "analytics.live") setLiveChart(ev.d as ServerEvents["analytics.live"]);
          if (ev.t === "chat.reported") setReportTick((n) => n + 1);
          // A sale's commission was written: the hosts' pending earnings from this show, at once (before the stats tick).
          if (ev.t === "earnings.updated") {
            const d = ev.d as ServerEvents["earnings.updated"];
            setStats((s) => ({ ...(s ?? EMPTY_STATS), commission: d.pending, currency: d.currency }));
            setSplit(d.split);
          }
        },
      },
    });
    return () => conn.close();
  }, [show.id]);

  const workTabs: { key: WorkTab; label: string }[] = [
    { key: "lineup", label: c("lineup") },
    { key: "auction", label: c("tabAuction") },
    { key: "mystery", label: c("tabMystery") },
    { key: "coupon", label: c("tabCoupon") },
    { key: "giveaway", label: c("tabGiveaway") },
    { key: "poll", label: c("tabPoll") },
  ];
  const sideTabs: { key: SideTab; label: string }[] = [
    { key: "chat", label: c("chat") },
    { key: "stats", label: c("liveStats") },
    { key: "stage", label: c("stage") },
    { key: "moderation", label: reports > 0 ? c("moderation", { n: reports }) : c("moderationNoReports") },
  ];
  const chooseSide = (key: SideTab) => {
    setSide(key);
    if (key === "moderation") setModerationSeen(true);
  };

  return (
    <>
      <Header>
        <span class="muted signed-in">{t("login.signedInAs", { name: account.displayName })}</span>
        <button type="button" class="btn btn-small" onClick={onSignOut} data-testid="logout">
          {t("login.logout")}
        </button>
      </Header>
      <main class="control-room" data-testid="control-room">
        <div class="cr-head">
          <div class="cr-title">
            <div class="cr-title-line">
              <StatusBadge status={room.status} />
              <h1 data-testid="studio-title" title={show.title}>
                {show.title}
              </h1>
            </div>
            <StudioFollowers showId={show.id} />
          </div>
          <Counters stats={stats} />
          <button
            type="button"
            class="btn cr-setup-button"
            onClick={() => setSetupOpen((o) => !o)}
            aria-expanded={setupOpen}
            aria-controls="studio-setup"
            data-testid="studio-setup-open"
          >
            {c("setup")}
          </button>
        </div>
        <div class="cr-grid">
          <section class="cr-stage" aria-labelledby="cr-preview-title">
            <h2 id="cr-preview-title" class="sr-only">
              {t("studio.preview")}
            </h2>
            <Preview status={room.status} connected={connected} playbackUrl={show.playbackUrl} />
            <PinnedNow offers={room.offers} />
            <p class="cr-links">
              <a href={`/shows/${encodeURIComponent(show.slug)}`} target="_blank" rel="noopener">
                {c("viewerLink")} <Icon name="external" size={14} />
              </a>
              <a href="/earnings" data-testid="studio-earnings-link">
                {c("earningsLink")}
              </a>
              <ShareLink showId={show.id} />
            </p>
            <CommissionSplit split={split} currency={stats?.currency ?? "EUR"} />
          </section>
          <section class="cr-work panel" aria-label={c("workArea")}>
            <Tabs<WorkTab> id="studio" tabs={workTabs} active={work} onChange={setWork} label={c("workArea")} />
            <TabPanel id="studio" tab="lineup" active={work === "lineup"}>
              <LineupPanel showId={show.id} offers={room.offers} onOffer={mergeOffer} reloadKey={lineupKey} />
              <h3 class="lineup-sub">{c("addOnTheFly")}</h3>
              <CreateOfferForm showId={show.id} products={data.products} onOffer={mergeOffer} onLineupChanged={() => setLineupKey((k) => k + 1)} />
            </TabPanel>
            <TabPanel id="studio" tab="auction" active={work === "auction"}>
              <h3 class="sr-only">{t("studio.auctions")}</h3>
              <AuctionStudio showId={show.id} products={data.products} />
            </TabPanel>
            <TabPanel id="studio" tab="mystery" active={work === "mystery"}>
              <h3 class="sr-only">{t("studio.mystery")}</h3>
              <MysteryStudio showId={show.id} products={data.products} />
            </TabPanel>
            <TabPanel id="studio" tab="coupon" active={work === "coupon"}>
              <h3 class="sr-only">{t("studio.coupons")}</h3>
              <CouponStudio showId={show.id} />
            </TabPanel>
            <TabPanel id="studio" tab="giveaway" active={work === "giveaway"}>
              <h3 class="sr-only">{g("studio.giveaways")}</h3>
              <GiveawayStudio showId={show.id} />
            </TabPanel>
            <TabPanel id="studio" tab="poll" active={work === "poll"}>
              <h3 class="sr-only">{g("studio.polls")}</h3>
              <PollStudio showId={show.id} products={data.products} />
            </TabPanel>
          </section>
          <section class="cr-side" aria-label={c("chat")}>
            <Tabs id="studio-side" tabs={sideTabs} active={side} onChange={chooseSide} label={c("chat")} />
            <TabPanel id="studio-side" tab="chat" active={side === "chat"}>
              <ChatPanel
                messages={chatExtras.visible(room.chat)}
                connected={connected}
                error={error}
                notice={connected ? stageNotice : c("chatConnecting")}
                pinned={chatExtras.pinned}
                skippedBefore={room.chatSkipped}
                actions={chatActions}
                onSend={(text) => connection.current?.send({ t: "chat.send", d: { text } }) ?? false}
              />
            </TabPanel>
            <TabPanel id="studio-side" tab="stats" active={side === "stats"}>
              {/* A tab of its own: on a tablet held upright the chart and its tables would push the line-up off screen. */}
              <div class="panel">
                <LiveChart showId={show.id} latest={liveChart} />
                <p>
                  <a class="link" href={`/admin/analytics/${encodeURIComponent(show.id)}`} data-testid="studio-report-link">
                    {c("reportLink")}
                  </a>
                </p>
              </div>
            </TabPanel>
            <TabPanel id="studio-side" tab="stage" active={side === "stage"}>
              {side === "stage" && <StagePanel showId={show.id} />}
            </TabPanel>
            <TabPanel id="studio-side" tab="moderation" active={side === "moderation"}>
              {/* Its own chunk: loaded the first time the tab is opened, then kept. */}
              {moderationSeen && (
                <div class="panel">
                  <h3 class="sr-only">{t("studio.moderation")}</h3>
                  <ModerationPanel showId={show.id} reports={reportTick} onReports={setReports} />
                </div>
              )}
            </TabPanel>
          </section>
        </div>
        <SetupDrawer open={setupOpen} onClose={() => setSetupOpen(false)}>
          <BrowserPublisher showId={show.id} stats={stats ?? EMPTY_STATS} showStatus={room.status} iceServers={data.ingest.iceServers} />
          <IngestPanel showId={show.id} ingest={data.ingest} />
          <SimulcastPanel showId={show.id} />
        </SetupDrawer>
      </main>
    </>
  );
}

/** The studio's shape while it loads: the same grid with placeholders, so nothing moves when the data arrives. */
function ControlRoomSkeleton() {
  const { c } = useControlRoomText();
  return (
    <main class="control-room is-loading" data-testid="studio-loading" aria-busy="true">
      <div class="cr-head">
        <div class="cr-title">
          <div class="cr-title-line">
            <span class="skeleton skeleton-line skeleton-title" />
            <span class="muted" role="status">
              {c("loadingStudio")}
            </span>
          </div>
        </div>
        <div class="counters" aria-hidden="true">
          {[0, 1, 2, 3].map((i) => (
            <div key={i} class="counter">
              <span class="counter-value">—</span>
              <span class="counter-label">&nbsp;</span>
            </div>
          ))}
        </div>
      </div>
      <div class="cr-grid" aria-hidden="true">
        <div class="cr-stage">
          <div class="player off-air">
            <p>
              <span class="spinner" /> {c("connecting")}
            </p>
          </div>
        </div>
        <div class="cr-work panel">
          {[0, 1, 2, 3].map((i) => (
            <div key={i} class="lineup-row skeleton-row">
              <span class="skeleton skeleton-thumb" />
              <span class="skeleton skeleton-line" />
            </div>
          ))}
        </div>
        <div class="cr-side panel">
          <span class="skeleton skeleton-line" />
        </div>
      </div>
    </main>
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
          <ControlRoomSkeleton />
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
