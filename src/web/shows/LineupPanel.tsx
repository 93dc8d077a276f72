import { useEffect, useRef, useState } from "preact/hooks";
import { useErrorText } from "../i18n/apiErrors.js";
import type { LineupItemView, LineupView, OfferView } from "../../protocol/api.js";
import { formatCountdown } from "../components/OfferCard.js";
import { ApiError, api } from "../platform/apiClient.js";
import { formatMoney } from "../platform/money.js";
import { useServerNow } from "../platform/useServerNow.js";
import { useControlRoomText } from "./controlRoomText.js";
import { type ItemState, type LineupRow, isTyping, lineupRows } from "./lineupRows.js";
import { useStudioText } from "./studioText.js";

/** The product picture, or an empty tile of the same size for products without one. */
function Thumb({ src }: { src: string }) {
  return src ? <img src={src} alt="" width={40} height={40} loading="lazy" /> : <span class="lineup-thumb" aria-hidden="true" />;
}

/**
 * The show's line-up for the host on camera: one tap (or N, 1–9, U) pins; planned items can be reordered and removed;
 * the offers made on the fly follow, with pin, unpin and end as before.
 */
export function LineupPanel({
  showId,
  offers,
  onOffer,
  reloadKey = 0,
}: {
  showId: string;
  offers: OfferView[];
  onOffer(offer: OfferView): void;
  /** Changed by whoever added items elsewhere on the page (the add-on-the-fly form): the line-up is read again. */
  reloadKey?: number;
}) {
  const { t, locale } = useStudioText();
  const { c } = useControlRoomText();
  const errorText = useErrorText();
  const now = useServerNow();
  const [items, setItems] = useState<LineupItemView[] | null>(null);
  const [loadFailed, setLoadFailed] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  // `busy` as of now, not as of the last render: two taps in one frame start one step, not two.
  const busyNow = useRef(false);
  // A key pressed while a step runs is kept (the latest one) and run when the panel is free again, so a host who
  // presses N right after a pin is not ignored; the status line says it is waiting.
  const pendingKey = useRef<string | null>(null);
  const base = `/api/studio/shows/${encodeURIComponent(showId)}/lineup`;

  const load = () =>
    api.get<{ lineup: LineupView }>(base).then(
      (r) => {
        setItems(r.lineup.items);
        setLoadFailed(false);
      },
      () => setLoadFailed(true),
    );
  useEffect(() => void load(), [showId, reloadKey]);
  // Another studio (a co-host, the merchant) may have opened an item: an offer of this show that no item knows yet
  // reloads the line-up, so its row shows the item's state rather than an on-the-fly row.
  const offerIds = offers.map((o) => o.id).join(",");
  const known = useRef(new Set<string>());
  useEffect(() => {
    if (!items) return;
    const mine = new Set(items.map((i) => i.offerId).filter((id): id is string => !!id));
    const fresh = offers.some((o) => !mine.has(o.id) && !known.current.has(o.id));
    for (const o of offers) known.current.add(o.id);
    if (fresh && items.some((i) => !i.offerId)) void load();
  }, [offerIds, items]);

  const rows = lineupRows(items ?? [], offers);
  const pinnedRow = rows.find((r) => r.state === "pinned");

  const run = async (work: () => Promise<unknown>) => {
    if (busyNow.current) return;
    busyNow.current = true;
    setBusy(true);
    setMessage(null);
    try {
      await work();
    } catch (err) {
      setMessage({ ok: false, text: err instanceof ApiError && err.code === "lineup_exhausted" ? c("exhausted") : errorText(err, t("common.error")) });
    } finally {
      busyNow.current = false;
      setBusy(false);
    }
  };
  const afterPin = async (r: { item?: LineupItemView; offer: OfferView }) => {
    onOffer(r.offer);
    await load();
  };
  const pinRow = (row: LineupRow) =>
    run(async () => {
      if (row.kind === "item") await afterPin(await api.post<{ item: LineupItemView; offer: OfferView }>(`${base}/${encodeURIComponent(row.item.id)}/pin`));
      else onOffer((await api.post<{ offer: OfferView }>(`/api/studio/offers/${encodeURIComponent(row.offer.id)}/pin`, { pinned: true })).offer);
    });
  const unpin = () =>
    run(async () => {
      const offer = pinnedRow?.kind === "item" ? pinnedRow.offer : pinnedRow?.offer;
      if (!offer) return;
      onOffer((await api.post<{ offer: OfferView }>(`/api/studio/offers/${encodeURIComponent(offer.id)}/pin`, { pinned: false })).offer);
    });
  const endOffer = (offer: OfferView) =>
    run(async () => onOffer((await api.post<{ offer: OfferView }>(`/api/studio/offers/${encodeURIComponent(offer.id)}/end`)).offer));
  const pinNext = () =>
    run(async () => {
      if (items && items.length > 0) return afterPin(await api.post<{ item: LineupItemView; offer: OfferView }>(`${base}/pin-next`));
      // No line-up: the next open offer after the pinned one.
      const open = rows.filter((r) => r.state === "open" || r.state === "pinned");
      const at = open.findIndex((r) => r.state === "pinned");
      const next = open.slice(at + 1).find((r) => r.state === "open");
      if (!next) throw new ApiError(409, "lineup_exhausted", c("exhausted"));
      onOffer((await api.post<{ offer: OfferView }>(`/api/studio/offers/${encodeURIComponent(next.offer!.id)}/pin`, { pinned: true })).offer);
    });
  const move = (index: number, by: -1 | 1) =>
    run(async () => {
      if (!items) return;
      const ids = items.map((i) => i.id);
      const [id] = ids.splice(index, 1);
      ids.splice(index + by, 0, id!);
      setItems((await api.put<{ lineup: LineupView }>(`${base}/order`, { itemIds: ids })).lineup.items);
    });
  const remove = (item: LineupItemView) =>
    run(async () => {
      await api.del(`${base}/${encodeURIComponent(item.id)}`);
      await load();
    });
  const openAll = () =>
    run(async () => {
      const r = await api.post<{ lineup: LineupView }>(`${base}/open`, {});
      setItems(r.lineup.items);
      for (const i of r.lineup.items) if (i.offer) onOffer(i.offer);
    });

  // Keyboard: N pin next, 1–9 pin row n, U unpin. The latest handlers through a ref: one listener for the page.
  const keys = useRef({ pinNext, unpin, pinRow, rows, c });
  keys.current = { pinNext, unpin, pinRow, rows, c };
  const pressKey = (key: string) => {
    const k = keys.current;
    if (key === "n") void k.pinNext();
    else if (key === "u") void k.unpin();
    else {
      // The row as it is now: a step that ran meanwhile may have pinned or ended it.
      const row = k.rows[Number(key) - 1];
      if (row && (row.state === "planned" || row.state === "open")) void k.pinRow(row);
    }
  };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.repeat || e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
      const key = e.key.toLowerCase();
      if (key !== "n" && key !== "u" && !/^[1-9]$/.test(key)) return;
      e.preventDefault();
      if (busyNow.current) {
        pendingKey.current = key;
        setMessage({ ok: true, text: keys.current.c("keyQueued", { key: key.toUpperCase() }) });
      } else pressKey(key);
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);
  // The panel is free again (and has rendered what the last step changed): the kept key runs now.
  useEffect(() => {
    if (busy || pendingKey.current === null) return;
    const key = pendingKey.current;
    pendingKey.current = null;
    pressKey(key);
  }, [busy]);

  const stateLabel = (s: ItemState) => c(s === "pinned" ? "pinned" : s === "open" ? "open" : s === "ended" ? "ended" : "planned");
  const planned = (items ?? []).filter((i) => i.state === "planned").length;

  return (
    <section class="lineup" data-testid="lineup" aria-busy={items === null || busy}>
      <div class="lineup-bar">
        <button type="button" class="btn btn-primary btn-small" onClick={() => void pinNext()} disabled={busy} data-testid="lineup-pin-next">
          {c("pinNext")} <kbd>N</kbd>
        </button>
        <button type="button" class="btn btn-small" onClick={() => void unpin()} disabled={busy || !pinnedRow} data-testid="lineup-unpin">
          {c("unpin")} <kbd>U</kbd>
        </button>
        {planned > 0 && (
          <button type="button" class="btn btn-small" onClick={() => void openAll()} disabled={busy} data-testid="lineup-open-all">
            {c("openAll")}
          </button>
        )}
      </div>
      <p class="lineup-keys muted" data-testid="lineup-shortcuts">
        <span class="sr-only">{c("shortcuts")}: </span>
        {c("shortcutsHint")}
      </p>
      <p class={`lineup-message ${message && !message.ok ? "alert" : "note"}`} role="status" data-testid="lineup-message">
        {message?.text ?? ""}
      </p>
      {items === null && !loadFailed && (
        <ul class="lineup-list" aria-hidden="true">
          {[0, 1, 2].map((i) => (
            <li key={i} class="lineup-row skeleton-row">
              <span class="skeleton skeleton-thumb" />
              <span class="skeleton skeleton-line" />
            </li>
          ))}
        </ul>
      )}
      {loadFailed && (
        <p class="alert" role="alert">
          {c("lineupLoadFailed")}{" "}
          <button type="button" class="btn btn-small" onClick={() => void load()}>
            {c("lineupRetry")}
          </button>
        </p>
      )}
      {items !== null && rows.length === 0 && <p class="muted">{c("lineupEmpty")}</p>}
      {items !== null && items.length > 0 && (
        <ol class="lineup-list" data-testid="lineup-items" aria-label={c("lineup")}>
          {rows.map((row, index) => {
            if (row.kind !== "item") return null;
            const { item, offer, state } = row;
            const pinnable = state === "planned" || state === "open";
            return (
              <li key={item.id} class={`lineup-row is-${state}`} data-testid="lineup-item" data-item-id={item.id} data-state={state}>
                <span class="lineup-n" aria-hidden="true">
                  {index < 9 ? index + 1 : ""}
                </span>
                <Thumb src={item.imageUrl} />
                <div class="lineup-body">
                  <strong>{item.title}</strong>
                  <span class="muted">
                    {formatMoney(offer?.showPrice ?? item.showPrice, item.currency, locale)} ·{" "}
                    {offer ? c("left", { n: offer.remaining }) : c("planned_qty", { n: item.quantity })}
                    {offer && state !== "ended" && ` · ${formatCountdown(Date.parse(offer.endsAt) - now)}`}
                    {item.perBuyerLimit !== null && ` · ${c("perBuyer", { n: item.perBuyerLimit })}`}
                    {item.sellsOnlyWhilePinned && ` · ${c("onlyWhilePinned")}`}
                    {state === "planned" && item.stock !== null && item.stock < item.quantity && (
                      <span class="lineup-warn"> · {c("lowStock", { n: item.stock })}</span>
                    )}
                  </span>
                </div>
                <span class={`badge lineup-state${state === "pinned" ? " badge-live" : ""}`}>{stateLabel(state)}</span>
                <div class="lineup-actions">
                  {pinnable && (
                    <button
                      type="button"
                      class="btn btn-small btn-primary"
                      onClick={() => void pinRow(row)}
                      disabled={busy}
                      aria-label={c("pinItemLabel", { n: index + 1, title: item.title })}
                      data-testid="lineup-pin"
                    >
                      {c("pinItem")}
                    </button>
                  )}
                  {state === "pinned" && (
                    <button type="button" class="btn btn-small" onClick={() => void unpin()} disabled={busy} data-testid="lineup-item-unpin">
                      {c("unpin")}
                    </button>
                  )}
                  {offer && state !== "ended" && (
                    <button type="button" class="btn btn-small btn-danger" onClick={() => void endOffer(offer)} disabled={busy} data-testid="lineup-end">
                      {t("studio.end")}
                    </button>
                  )}
                  {state === "planned" && (
                    <>
                      <button
                        type="button"
                        class="btn btn-small btn-icon"
                        onClick={() => void move(index, -1)}
                        disabled={busy || index === 0}
                        aria-label={c("moveUp", { title: item.title })}
                        data-testid="lineup-up"
                      >
                        ↑
                      </button>
                      <button
                        type="button"
                        class="btn btn-small btn-icon"
                        onClick={() => void move(index, 1)}
                        disabled={busy || index === items.length - 1}
                        aria-label={c("moveDown", { title: item.title })}
                        data-testid="lineup-down"
                      >
                        ↓
                      </button>
                      <button
                        type="button"
                        class="btn btn-small btn-icon"
                        onClick={() => void remove(item)}
                        disabled={busy}
                        aria-label={c("remove", { title: item.title })}
                        data-testid="lineup-remove"
                      >
                        ×
                      </button>
                    </>
                  )}
                </div>
              </li>
            );
          })}
        </ol>
      )}
      {rows.some((r) => r.kind === "offer") && (
        <>
          <h3 class="lineup-sub">{c("otherOffers")}</h3>
          <ul class="lineup-list" data-testid="studio-offers">
            {rows.map((row, index) => {
              if (row.kind !== "offer") return null;
              const o = row.offer;
              return (
                <li key={o.id} class={`lineup-row${o.pinned ? " is-pinned" : ""}`} data-testid="studio-offer" data-offer-id={o.id} data-state={row.state}>
                  <span class="lineup-n" aria-hidden="true">
                    {index < 9 ? index + 1 : ""}
                  </span>
                  <Thumb src={o.imageUrl} />
                  <div class="lineup-body">
                    <strong>{o.title}</strong>
                    <span class="muted">
                      {formatMoney(o.showPrice, o.currency, locale)} · {t("offer.left", { n: o.remaining })} · {formatCountdown(Date.parse(o.endsAt) - now)}
                    </span>
                  </div>
                  {o.pinned && <span class="badge badge-live lineup-state">{t("studio.pinned")}</span>}
                  <div class="lineup-actions">
                    {o.pinned ? (
                      <button type="button" class="btn btn-small" onClick={() => void unpin()} disabled={busy} data-testid="unpin-offer">
                        {t("studio.unpin")}
                      </button>
                    ) : (
                      <button
                        type="button"
                        class="btn btn-small btn-primary"
                        onClick={() => void pinRow(row)}
                        disabled={busy}
                        aria-label={c("pinItemLabel", { n: index + 1, title: o.title })}
                        data-testid="pin-offer"
                      >
                        {t("studio.pin")}
                      </button>
                    )}
                    <button type="button" class="btn btn-small btn-danger" onClick={() => void endOffer(o)} disabled={busy} data-testid="end-offer">
                      {t("studio.end")}
                    </button>
                  </div>
                </li>
              );
            })}
          </ul>
        </>
      )}
    </section>
  );
}

/** The pinned card in one line under the preview, so the host sees what viewers are being shown. */
export function PinnedNow({ offers }: { offers: OfferView[] }) {
  const { c, locale } = useControlRoomText();
  const pinned = offers.find((o) => o.pinned && o.status === "active");
  return (
    <div class="pinned-now" data-testid="pinned-now" data-offer-id={pinned?.id ?? ""}>
      <span class="pinned-now-label">{c("nowPinned")}</span>
      {pinned ? (
        <span class="pinned-now-title">
          <strong>{pinned.title}</strong>{" "}
          <span class="muted">
            {formatMoney(pinned.showPrice, pinned.currency, locale)} · {c("left", { n: pinned.remaining })}
          </span>
        </span>
      ) : (
        <span class="muted">{c("nothingPinned")}</span>
      )}
    </div>
  );
}
