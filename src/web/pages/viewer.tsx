import { render } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { GameKind, OfferView, OrderView, ShowView, WaitlistEntryView } from "../../protocol/api.js";
import { ApiError, api } from "../platform/apiClient.js";
import { AccountMenu } from "../accounts/AccountMenu.js";
import { ChatPanel, chatDeviceId, useChatExtras } from "../chat/ChatPanel.js";
import { Reactions } from "../components/Reactions.js";
import { lazyComponent } from "../platform/lazy.js";
import { Centered, Header, LoadError, StatusBadge, formatStart } from "../components/Layout.js";
import { Icon } from "../components/Icon.js";
import { LivePlayer } from "../media/LivePlayer.js";
import { OfferCard } from "../components/OfferCard.js";
import { replayOfferAt } from "../recordings/replayOffer.js";
import { ShareButton } from "../shows/ShareButton.js";
// Loaded when first shown: most viewers never open the checkout, and live viewers never see the replay player.
// The waitlist's button shows on a sold-out card only; its code also answers a `waitlist.offered` event.
const waitlist = () => import("../waitlist/WaitlistButton.js");
const WaitlistButton = lazyComponent(() => waitlist().then((m) => m.WaitlistButton));
const CheckoutSheet = lazyComponent(() => import("../checkout/CheckoutSheet.js").then((m) => m.CheckoutSheet));
const ReplayPlayer = lazyComponent(() => import("../recordings/ReplayPlayer.js").then((m) => m.ReplayPlayer));
// A scheduled show's countdown, "Remind me", follows and line-up: only for a show that has not started.
const UpcomingStage = lazyComponent(() => import("../shows/UpcomingShow.js").then((m) => m.UpcomingStage));
const UpcomingDetails = lazyComponent(() => import("../shows/UpcomingShow.js").then((m) => m.UpcomingDetails));
// The host's request to come on stage: only the asked viewer ever sees it.
const StageInviteDialog = lazyComponent(() => import("../stage/StageInviteDialog.js").then((m) => m.StageInviteDialog));
// The shop tab (every offer of the show, and the bag): loaded when first opened.
const ShopTab = lazyComponent(() => import("../checkout/ShopTab.js").then((m) => m.ShopTab));
import type { BagLine } from "../checkout/ShopTab.js";
// Auctions, giveaways, polls, mystery pools and coupon drops: after the first paint (see GamePanels).
const GAME_KINDS: readonly GameKind[] = ["auction", "giveaway", "poll", "mystery", "coupon"];
const GamePanels = lazyComponent(() => import("../games/GamePanels.js").then((m) => m.GamePanels));
import type { Envelope, PersonalFrame } from "../../protocol/realtime.js";

type StageInvited = Extract<PersonalFrame, { t: "stage.invited" }>["d"];
import { useI18n } from "../i18n/coreText.js";
import { serverNow } from "../platform/serverClock.js";
import { pinnedOffer } from "../realtime/showState.js";
import { useBuyer } from "../buyers/useBuyer.js";
import { useReplay } from "../recordings/useReplay.js";
import { useRoom } from "../realtime/useRoom.js";
import { checkoutOpened, offerShown, trafficSource } from "../analytics/beacons.js";
// The embed (/embed/<slug>, framed by a merchant's site) talks to the host page through embed/bridge.ts, loaded
// only there: the show page's viewers do not download it.
const embedded = location.pathname.startsWith("/embed/");
const embedBridge = embedded ? import("../embed/bridge.js") : null;
const toHost = (send: (bridge: typeof import("../embed/bridge.js")) => void) => void embedBridge?.then(send);

const NAME_KEY = "showcart.chatName";

function storedName(): string | null {
  try {
    return localStorage.getItem(NAME_KEY);
  } catch {
    return null;
  }
}

function OffAir({ show, status }: { show: ShowView; status: ShowView["status"] }) {
  const { t, locale } = useI18n();
  const lead =
    status === "scheduled" && show.scheduledAt
      ? t("show.scheduledLead", { time: formatStart(show.scheduledAt, locale, serverNow()) })
      : status === "ended"
        ? t("show.endedLead")
        : t("show.awayLead");
  return (
    <div class="player off-air" data-testid="off-air">
      <div>
        <p class="off-air-icon">
          <Icon name="pause" size={40} />
        </p>
        <h2>{status === "ended" ? t("status.ended") : t("show.away")}</h2>
        <p>{lead}</p>
      </div>
    </div>
  );
}

/** The embed's top bar (/embed/<slug>): no site header or account menu — a cross-site frame gets no session cookie. */
function EmbedBar({ show, viewers }: { show: ShowView; viewers: number }) {
  const { t } = useI18n();
  return (
    <header class="embed-bar">
      <span class="viewers" data-testid="viewer-count">
        <Icon name="eye" /> {t("show.viewers", { n: viewers })}
      </span>
      <a href={`/shows/${encodeURIComponent(show.slug)}`} target="_blank" rel="noopener" data-testid="embed-open">
        {t("embed.open")}
      </a>
    </header>
  );
}

function LiveShow({ show }: { show: ShowView }) {
  const { t } = useI18n();
  const [name, setName] = useState(storedName);
  const [checkout, setCheckout] = useState<OfferView | null>(null);
  const buyer = useBuyer();
  // A waitlist claim: units held for this browser's entry (from the emailed link, or announced live).
  const [claim, setClaim] = useState<{ offerId: string; orderId: string; token?: string } | null>(null);
  // Sent with the order: the claimed coupon code and the 18+ confirmation for a mystery offer.
  const [coupon, setCoupon] = useState<string | null>(null);
  const [ageConfirmed, setAgeConfirmed] = useState(false);
  const [checkoutsClosed, setCheckoutsClosed] = useState(0);
  // The chat or the shop tab, and the bag: several offers of the show bought in one checkout.
  const [tab, setTab] = useState<"chat" | "shop">("chat");
  const [bag, setBag] = useState<BagLine[]>([]);
  // The bag being checked out, as it was when checkout began (paying empties the bag, the sheet shows what was bought).
  const [bagCheckout, setBagCheckout] = useState<BagLine[] | null>(null);
  // The games' code loads only for a show that has one running, or once one starts.
  const [games, setGames] = useState<ReadonlySet<GameKind>>(() => new Set(show.games ?? []));
  // The host asked this (signed-in) viewer on stage: a personal frame, sent again after every reconnect while pending.
  const [stageInvite, setStageInvite] = useState<(StageInvited & { withdrawn?: boolean }) | null>(null);
  const listeners = useRef(new Set<(ev: Envelope) => void>());
  const subscribe = useCallback((fn: (ev: Envelope) => void) => {
    listeners.current.add(fn);
    return () => void listeners.current.delete(fn);
  }, []);
  const { room, connected, error, connection } = useRoom(
    `/ws/shows/${encodeURIComponent(show.id)}`,
    { status: show.status, viewers: 0, offers: show.offers, chat: [] },
    {
      params: () => ({ name: name ?? undefined, device: chatDeviceId(), src: trafficSource(show.status === "ended" || show.status === "offline") }),
      onPersonal: (frame) => {
        if (frame.t === "stage.invited") setStageInvite(frame.d);
        // Withdrawn unanswered: the open dialog says so (and is closed by the viewer), none opens later.
        else if (frame.t === "stage.withdrawn") setStageInvite((s) => s && { ...s, withdrawn: true });
      },
      onEvent: (ev) => {
        if (chatExtras.onEvent(ev)) return;
        const kind = ev.t.slice(0, ev.t.indexOf(".")) as GameKind;
        if (GAME_KINDS.includes(kind)) setGames((g) => (g.has(kind) ? g : new Set([...g, kind])));
        for (const fn of listeners.current) fn(ev);
        if (ev.t !== "waitlist.offered") return;
        const d = ev.d as { offerId: string; entryKey: string };
        void waitlist().then(async ({ entryKeyOf, storedEntryId, waitlistHeaders }) => {
          const entryId = storedEntryId(d.offerId);
          if (!entryId || (await entryKeyOf(entryId)) !== d.entryKey) return;
          const r = await api.get<{ entry: WaitlistEntryView }>(`/api/waitlist/${encodeURIComponent(entryId)}`, waitlistHeaders(d.offerId));
          if (r.entry.claim) setClaim({ offerId: d.offerId, orderId: r.entry.claim.orderId, token: r.entry.claim.accessToken });
        });
      },
    },
  );

  useEffect(() => {
    const orderId = new URLSearchParams(location.search).get("claim");
    if (!orderId) return;
    // The claim email's link has the order's token in the fragment: keep it for the checkout, drop it from the bar.
    const token = new URLSearchParams(location.hash.slice(1)).get("t") ?? undefined;
    if (token) history.replaceState(null, "", location.pathname + location.search);
    api.get<{ order: OrderView }>(`/api/orders/${encodeURIComponent(orderId)}`, token ? { "x-order-token": token } : undefined).then(
      (r) => setClaim({ offerId: r.order.offerId, orderId, token }),
      () => {},
    );
  }, []);

  // Refusals (slow mode, timeouts, words…) are shown by the chat panel itself.
  const chatExtras = useChatExtras(show.id, connected, buyer.account != null);

  const changeName = useCallback(
    (n: string) => {
      try {
        localStorage.setItem(NAME_KEY, n);
      } catch {
        // Kept for this visit only.
      }
      setName(n);
    },
    [setName],
  );
  // The server reads the display name from the socket URL, so a new name means a new (resumed) connection.
  const connectedName = useRef(name);
  useEffect(() => {
    if (name === connectedName.current) return;
    connectedName.current = name;
    connection.current?.reconnect();
  }, [name]);

  // The host page hears when the show goes live and when it ends (embed only).
  const postedStatus = useRef(show.status);
  useEffect(() => {
    if (!embedded || room.status === postedStatus.current) return;
    postedStatus.current = room.status;
    const status = room.status;
    if (status === "live") toHost((b) => b.postToHost("showcart:live", { show: { slug: show.slug } }));
    if (status === "ended") toHost((b) => b.postToHost("showcart:ended", { show: { slug: show.slug } }));
  }, [room.status]);
  const purchased = useCallback((order: OrderView) => {
    toHost((b) => b.postToHost("showcart:purchase", b.purchaseDetail(order)));
  }, []);

  // After the show a finished recording turns the page into a replay: the card follows the offer timeline.
  // "reconnecting" keeps the player: the same playlist continues once the encoder is back.
  const onAir = room.status === "live" || room.status === "reconnecting";
  const upcoming = room.status === "scheduled" && !show.replay;
  const replay = useReplay(show, room.status);
  const [replayTime, setReplayTime] = useState(0);
  const pinned = replay ? replayOfferAt(replay.markers, replayTime, room.offers) : pinnedOffer(room);
  const source = trafficSource(!!replay);
  useEffect(() => {
    if (pinned) offerShown(show.id, pinned.id);
  }, [pinned?.id]);
  const buy = (offer: OfferView) => {
    checkoutOpened(show.id, offer.id, source);
    setCheckout(offer);
  };
  // While the sheet is open it follows the live offer (stock, end) even if the host pins something else.
  const checkoutOffer = checkout ? (room.offers.find((o) => o.id === checkout.id) ?? checkout) : null;
  const closeCheckout = useCallback(() => {
    setCheckout(null);
    setClaim(null);
    setBagCheckout(null);
    setCheckoutsClosed((n) => n + 1);
  }, []);
  const claimOffer = claim ? (room.offers.find((o) => o.id === claim.offerId) ?? null) : null;
  const bagLines = (bagCheckout ?? []).flatMap((l) => {
    const offer = room.offers.find((o) => o.id === l.offerId);
    return offer ? [{ offer, quantity: l.quantity }] : [];
  });
  const bagUnits = bag.reduce((n, l) => n + l.quantity, 0);
  // Phones: a swipe across the video to the left opens the shop tab, to the right goes back to the chat.
  const swipeFrom = useRef<Touch>();

  return (
    <>
      {embedded ? (
        <EmbedBar show={show} viewers={room.viewers} />
      ) : (
        <Header>
          <span class="viewers" data-testid="viewer-count">
            <Icon name="eye" /> {t("show.viewers", { n: room.viewers })}
          </span>
          <ShareButton show={show} />
          <AccountMenu buyer={buyer} />
        </Header>
      )}
      <main class={embedded ? "viewer embed" : "viewer"}>
        <div
          class="stage"
          onTouchStart={(e) => {
            swipeFrom.current = e.touches[0];
          }}
          onTouchEnd={(e) => {
            const a = swipeFrom.current!;
            const b = e.changedTouches[0]!;
            const dx = b.clientX - a.clientX;
            // At least 60 px, and over twice as far sideways as up or down: a vertical drag is not a swipe.
            if (dx * dx > 3600 + 4 * (b.clientY - a.clientY) ** 2) setTab(dx < 0 ? "shop" : "chat");
          }}
        >
          {replay ? (
            <ReplayPlayer replay={replay} onTime={setReplayTime} />
          ) : onAir ? (
            <LivePlayer src={show.playbackUrl} whepUrl={`/api/shows/${encodeURIComponent(show.id)}/whep`} whepOffered={show.webrtc?.available ?? true} />
          ) : upcoming ? (
            <UpcomingStage show={show} />
          ) : (
            <OffAir show={show} status={room.status} />
          )}
          {onAir && !replay && <Reactions burst={room.reactions} onSend={(emoji) => connection.current?.send({ t: "reaction.send", d: { emoji } })} />}
          <div class="stage-info">
            <StatusBadge status={room.status} />
            <h1 data-testid="show-title">{show.title}</h1>
            {embedded || !show.hostId || !show.merchantSlug ? (
              <p class="muted">{t("home.by", { host: show.hostName, merchant: show.merchantName })}</p>
            ) : (
              // The host's and the shop's pages (their other shows, follow).
              <p class="muted show-by">
                {t("show.with")}{" "}
                <a href={`/hosts/${encodeURIComponent(show.hostId)}`} data-testid="host-link">
                  {show.hostName}
                </a>
                {" · "}
                <a href={`/shops/${encodeURIComponent(show.merchantSlug)}`} data-testid="shop-link">
                  {show.merchantName}
                </a>
              </p>
            )}
          </div>
        </div>
        <aside class="sidebar">
          {upcoming && <UpcomingDetails show={show} account={embedded ? null : buyer.account} follows={!embedded} />}
          {pinned ? (
            <OfferCard offer={pinned} onBuy={buy} soldOut={<WaitlistButton offer={pinned} accountEmail={buyer.account?.email} />} />
          ) : upcoming ? null : (
            <div class="panel offer-empty" data-testid="no-offer">
              {t("offer.none")}
            </div>
          )}
          {games.size > 0 && (
            <GamePanels
              showId={show.id}
              games={games}
              account={buyer.account}
              saved={buyer.saved}
              subscribe={subscribe}
              onCouponClaimed={setCoupon}
              onAgeConfirmed={setAgeConfirmed}
              refreshKey={checkoutsClosed}
            />
          )}
          <div class="room-tabs" role="tablist" aria-label={t("shop.tabs")}>
            <button
              type="button"
              role="tab"
              id="room-tab-chat"
              aria-selected={tab === "chat"}
              aria-controls="room-panel-chat"
              class={tab === "chat" ? "is-active" : undefined}
              onClick={() => setTab("chat")}
              data-testid="tab-chat"
            >
              {t("chat.title")}
            </button>
            <button
              type="button"
              role="tab"
              id="room-tab-shop"
              aria-selected={tab === "shop"}
              aria-controls="room-panel-shop"
              class={tab === "shop" ? "is-active" : undefined}
              onClick={() => setTab("shop")}
              data-testid="tab-shop"
            >
              {t("shop.tab")}
              {bagUnits > 0 && (
                <span class="tab-count" data-testid="bag-count">
                  {bagUnits}
                </span>
              )}
            </button>
          </div>
          {tab === "shop" && (
            <div role="tabpanel" id="room-panel-shop" aria-labelledby="room-tab-shop">
              <ShopTab
                offers={room.offers}
                lineupOrder={room.lineupOrder}
                status={room.status}
                bag={bag}
                onAdd={(offerId) => setBag((b) => (b.some((l) => l.offerId === offerId) ? b : [...b, { offerId, quantity: 1 }]))}
                onQuantity={(offerId, quantity) => setBag((b) => b.map((l) => (l.offerId === offerId ? { ...l, quantity } : l)))}
                onRemove={(offerId) => setBag((b) => b.filter((l) => l.offerId !== offerId))}
                onCheckout={() => {
                  for (const l of bag) checkoutOpened(show.id, l.offerId, source);
                  setBagCheckout(bag);
                }}
              />
            </div>
          )}
          <div role="tabpanel" id="room-panel-chat" aria-labelledby="room-tab-chat" hidden={tab !== "chat"} class="room-panel-chat">
            <ChatPanel
              messages={chatExtras.visible(room.chat)}
              connected={connected}
              name={name}
              onNameChange={changeName}
              error={error}
              pinned={chatExtras.pinned}
              skippedBefore={room.chatSkipped}
              actions={chatExtras.actions}
              onReport={(messageId, reason) => connection.current?.send({ t: "chat.report", d: { messageId, reason } })}
              onSend={(text) => connection.current?.send({ t: "chat.send", d: { text } }) ?? false}
            />
          </div>
        </aside>
      </main>
      {stageInvite && !embedded && (
        <StageInviteDialog
          showId={show.id}
          hostName={stageInvite.hostName}
          expiresAt={stageInvite.expiresAt}
          withdrawn={stageInvite.withdrawn ?? false}
          onClose={() => setStageInvite(null)}
        />
      )}
      {claim && claimOffer ? (
        <CheckoutSheet
          key={claim.orderId}
          offer={claimOffer}
          onClose={closeCheckout}
          account={buyer.account}
          saved={buyer.saved}
          claimOrderId={claim.orderId}
          claimToken={claim.token}
          onPaid={purchased}
        />
      ) : checkoutOffer ? (
        <CheckoutSheet
          offer={checkoutOffer}
          onClose={closeCheckout}
          account={buyer.account}
          saved={buyer.saved}
          orderExtras={{ ...(coupon && buyer.account ? { coupon } : {}), ...(ageConfirmed ? { ageConfirmed: true as const } : {}), source }}
          onPaid={purchased}
        />
      ) : (
        bagLines.length > 0 && (
          <CheckoutSheet
            offer={bagLines[0]!.offer}
            bag={bagLines}
            orderExtras={{ source }}
            onClose={closeCheckout}
            onPaid={(order) => {
              setBag([]);
              purchased(order);
            }}
            account={buyer.account}
            saved={buyer.saved}
          />
        )
      )}
    </>
  );
}

function ViewerPage() {
  const { t } = useI18n();
  const slug = decodeURIComponent(location.pathname.split("/")[2] ?? "");
  const [show, setShow] = useState<ShowView | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = () => {
    setError(null);
    api
      .get<{ show: ShowView }>(`/api/shows/${encodeURIComponent(slug)}`)
      .then((r) => {
        setShow(r.show);
        document.title = `${r.show.title} · Showcart`;
        toHost((b) => b.postToHost("showcart:ready", { show: { slug: r.show.slug, title: r.show.title, status: r.show.status } }));
      })
      .catch((err) => {
        const code = err instanceof ApiError && err.status === 404 ? "not_found" : "failed";
        setError(code);
        toHost((b) => b.postToHost("showcart:error", { code }));
      });
  };
  useEffect(load, [slug]);

  const Top = embedded ? () => null : Header;
  if (error) {
    return (
      <>
        <Top />
        <LoadError message={error === "not_found" ? t("show.notFound") : t("common.error")} onRetry={error === "not_found" ? undefined : load} />
      </>
    );
  }
  if (!show) {
    return (
      <>
        <Top />
        <Centered>{t("common.loading")}</Centered>
      </>
    );
  }
  return <LiveShow show={show} />;
}

render(<ViewerPage />, document.getElementById("app")!);
toHost((b) => b.reportHeight());
