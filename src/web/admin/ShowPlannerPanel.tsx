import { useEffect, useState } from "preact/hooks";
import { errorText } from "../i18n/apiErrors.js";
import type { Lang } from "../i18n/lang.js";
import { type AdminProductView, type AdminShowView, type GameKind, SHOW_CATEGORIES, type ShopView, type ShowCategory } from "../../protocol/api.js";
import { ApiError, api } from "../platform/apiClient.js";
import { parsePriceToCents } from "../platform/money.js";
import { categoryKey, useCategoryText } from "../shows/categoryText.js";
import { EmailReminder } from "./TeamPanel.js";
import { scoped } from "./merchantScope.js";
import { type MerchantT, useMerchantText } from "./merchantText.js";

const GAMES: GameKind[] = ["auction", "giveaway", "poll", "mystery", "coupon"];
type Filter = "all" | "upcoming" | "live" | "past" | "cancelled";

interface Host {
  id: string;
  displayName: string;
}
interface ItemDraft {
  key: number;
  productId: string;
  variantId: string;
  price: string;
  quantity: string;
  limit: string;
  startPinned: boolean;
  onlyPinned: boolean;
}
interface Draft {
  title: string;
  description: string;
  startsAtLocal: string;
  language: string;
  category: ShowCategory;
  hostAccountId: string;
  commission: string;
  coHosts: { key: number; accountId: string; share: string }[];
  games: GameKind[];
  items: ItemDraft[];
}

let keys = 0;
const pct = (bp: number) => String(bp / 100);
const toBp = (s: string) => Math.round(Number(s.replace(",", ".")) * 100);

function draftOf(show: AdminShowView | null, hosts: Host[]): Draft {
  if (!show)
    return {
      title: "",
      description: "",
      startsAtLocal: "",
      language: "de",
      category: "other",
      hostAccountId: hosts[0]?.id ?? "",
      commission: "10",
      coHosts: [],
      games: [],
      items: [],
    };
  return {
    title: show.title,
    description: show.description,
    startsAtLocal: show.startsAtLocal ?? "",
    language: show.language,
    category: show.category,
    hostAccountId: show.hostAccountId,
    commission: pct(show.commissionRateBp),
    coHosts: show.hosts.filter((h) => h.accountId !== show.hostAccountId).map((h) => ({ key: ++keys, accountId: h.accountId, share: pct(h.shareBp) })),
    games: show.plannedGames,
    items: (show.lineup ?? [])
      .filter((i) => i.state === "planned")
      .map((i) => ({
        key: ++keys,
        productId: i.productId,
        variantId: i.variantId ?? "",
        price: (i.showPrice / 100).toFixed(2),
        quantity: String(i.quantity),
        limit: i.perBuyerLimit ? String(i.perBuyerLimit) : "",
        startPinned: i.startPinned,
        onlyPinned: i.sellsOnlyWhilePinned,
      })),
  };
}

function formError(err: unknown, t: MerchantT, lang: Lang): string {
  if (err instanceof ApiError) {
    const d = (err.details ?? {}) as { index?: number; stock?: number; sharedBp?: number };
    if (err.code === "scheduled_in_past") return t("form.pastStart");
    if (err.code === "insufficient_stock" && d.index !== undefined) return t("form.tooMany", { n: d.index + 1, stock: d.stock ?? 0 });
    if (err.code === "split_too_high" && d.sharedBp !== undefined) return t("form.splitTooHigh", { share: d.sharedBp / 100 });
  }
  return errorText(err, lang);
}

/** The show form: details, start time in the shop's zone, host and co-hosts' split, planned games, the line-up, cover. */
function ShowForm({
  show,
  hosts,
  products,
  shop,
  onSaved,
  onClose,
}: {
  show: AdminShowView | null;
  hosts: Host[];
  products: AdminProductView[];
  shop: ShopView | null;
  onSaved(show: AdminShowView): void;
  onClose(): void;
}) {
  const { t, lang } = useMerchantText();
  const { t: categoryText } = useCategoryText();
  const [d, setD] = useState<Draft>(() => draftOf(show, hosts));
  const [cover, setCover] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const set = (patch: Partial<Draft>) => setD({ ...d, ...patch });
  const setItem = (key: number, patch: Partial<ItemDraft>) => set({ items: d.items.map((i) => (i.key === key ? { ...i, ...patch } : i)) });
  const move = (index: number, by: number) => {
    const items = [...d.items];
    const [it] = items.splice(index, 1);
    items.splice(index + by, 0, it!);
    set({ items });
  };
  const shared = d.coHosts.reduce((s, c) => s + (toBp(c.share) || 0), 0);
  const id = show?.id ?? "new";

  const submit = async (e: Event) => {
    e.preventDefault();
    if (shared >= 10_000) return setError(t("form.splitTooHigh", { share: shared / 100 }));
    const lineup = [];
    for (const [n, i] of d.items.entries()) {
      const showPrice = parsePriceToCents(i.price);
      if (showPrice === null) return setError(t("form.priceInvalid", { n: n + 1 }));
      lineup.push({
        productId: i.productId,
        ...(i.variantId ? { variantId: i.variantId } : {}),
        showPrice,
        quantity: Number(i.quantity),
        ...(i.limit ? { perBuyerLimit: Number(i.limit) } : { perBuyerLimit: null }),
        startPinned: i.startPinned,
        sellsOnlyWhilePinned: i.onlyPinned,
      });
    }
    const body = {
      title: d.title.trim(),
      description: d.description.trim(),
      ...(d.startsAtLocal ? { startsAtLocal: d.startsAtLocal } : show ? { scheduledAt: null } : {}),
      language: d.language,
      category: d.category,
      ...(show && show.status !== "scheduled"
        ? {}
        : {
            hostAccountId: d.hostAccountId,
            commissionRateBp: toBp(d.commission),
            coHosts: d.coHosts.map((c) => ({ accountId: c.accountId, shareBp: toBp(c.share) })),
          }),
      plannedGames: d.games,
      lineup,
    };
    setBusy(true);
    setError(null);
    try {
      let saved = show
        ? (await api.patch<{ show: AdminShowView }>(`/api/admin/shows/${encodeURIComponent(show.id)}`, body)).show
        : (await api.post<{ show: AdminShowView }>("/api/admin/shows", { ...body, ...merchantField() })).show;
      if (cover) {
        try {
          saved = (await api.upload<{ show: AdminShowView }>(`/api/admin/shows/${encodeURIComponent(saved.id)}/cover`, cover)).show;
        } catch (err) {
          setError(t("form.coverFailed", { message: errorText(err, lang) }));
        }
      }
      onSaved(saved);
    } catch (err) {
      setError(formError(err, t, lang));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="panel admin-form" onSubmit={submit} data-testid="show-form">
      <h2>{show ? t("form.editShow", { title: show.title }) : t("form.newShow")}</h2>
      <label class="field">
        <span>{t("form.title")}</span>
        <input required maxLength={120} value={d.title} onInput={(e) => set({ title: e.currentTarget.value })} data-testid="show-title" />
      </label>
      <label class="field">
        <span>{t("form.description")}</span>
        <textarea maxLength={5000} rows={3} value={d.description} onInput={(e) => set({ description: e.currentTarget.value })} data-testid="show-description" />
      </label>
      <label class="field">
        <span>{t("form.startsAt", { zone: shop?.timeZone ?? show?.timeZone ?? "" })}</span>
        <input type="datetime-local" value={d.startsAtLocal} onInput={(e) => set({ startsAtLocal: e.currentTarget.value })} data-testid="show-starts" />
      </label>
      <label class="field">
        <span>{t("form.language")}</span>
        <select value={d.language} onChange={(e) => set({ language: e.currentTarget.value })} data-testid="show-language">
          <option value="de">{t("form.lang.de")}</option>
          <option value="en">{t("form.lang.en")}</option>
        </select>
      </label>
      <label class="field">
        <span>{t("form.category")}</span>
        <select value={d.category} onChange={(e) => set({ category: e.currentTarget.value as ShowCategory })} data-testid="show-category">
          {SHOW_CATEGORIES.map((c) => (
            <option value={c}>{categoryText(categoryKey(c))}</option>
          ))}
        </select>
      </label>
      <label class="field">
        <span>{t("form.host")}</span>
        <select required value={d.hostAccountId} onChange={(e) => set({ hostAccountId: e.currentTarget.value })} data-testid="show-host">
          {hosts.map((h) => (
            <option value={h.id}>{h.displayName}</option>
          ))}
        </select>
      </label>
      <label class="field">
        <span>{t("form.commission")}</span>
        <input
          required
          inputMode="decimal"
          class="input-narrow"
          value={d.commission}
          onInput={(e) => set({ commission: e.currentTarget.value })}
          data-testid="show-commission"
        />
      </label>
      <fieldset>
        <legend>{t("form.coHosts")}</legend>
        {d.coHosts.map((c, n) => (
          <div class="admin-inline" key={c.key}>
            <label class="field">
              <span>{t("form.coHost")}</span>
              <select
                value={c.accountId}
                onChange={(e) => set({ coHosts: d.coHosts.map((x) => (x.key === c.key ? { ...x, accountId: e.currentTarget.value } : x)) })}
                data-testid={`cohost-${n}`}
              >
                {hosts
                  .filter((h) => h.id !== d.hostAccountId)
                  .map((h) => (
                    <option value={h.id}>{h.displayName}</option>
                  ))}
              </select>
            </label>
            <label class="field">
              <span>{t("form.share")}</span>
              <input
                required
                inputMode="decimal"
                class="input-narrow"
                value={c.share}
                onInput={(e) => set({ coHosts: d.coHosts.map((x) => (x.key === c.key ? { ...x, share: e.currentTarget.value } : x)) })}
                data-testid={`cohost-share-${n}`}
              />
            </label>
            <button type="button" class="btn btn-small" onClick={() => set({ coHosts: d.coHosts.filter((x) => x.key !== c.key) })}>
              {t("form.remove")}
            </button>
          </div>
        ))}
        <p class={shared >= 10_000 ? "alert" : "muted"} data-testid="host-keeps">
          {shared >= 10_000 ? t("form.splitTooHigh", { share: shared / 100 }) : t("form.hostKeeps", { share: (10_000 - shared) / 100 })}
        </p>
        <button
          type="button"
          class="btn btn-small"
          disabled={hosts.filter((h) => h.id !== d.hostAccountId).length === 0}
          onClick={() => set({ coHosts: [...d.coHosts, { key: ++keys, accountId: hosts.find((h) => h.id !== d.hostAccountId)?.id ?? "", share: "30" }] })}
          data-testid="add-cohost"
        >
          {t("form.addCoHost")}
        </button>
      </fieldset>
      <fieldset>
        <legend>{t("form.games")}</legend>
        {GAMES.map((g) => (
          <label class="check">
            <input
              type="checkbox"
              checked={d.games.includes(g)}
              onChange={(e) => set({ games: e.currentTarget.checked ? [...d.games, g] : d.games.filter((x) => x !== g) })}
            />{" "}
            {t(`form.game.${g}`)}
          </label>
        ))}
      </fieldset>
      <fieldset data-testid="lineup-editor">
        <legend>{t("form.lineup")}</legend>
        {d.items.length === 0 && <p class="muted">{t("form.lineupEmpty")}</p>}
        <ol class="lineup-list">
          {d.items.map((i, n) => {
            const product = products.find((p) => p.id === i.productId);
            return (
              <li key={i.key} class="admin-inline" data-testid={`lineup-item-${n}`} aria-label={t("form.itemN", { n: n + 1 })}>
                <label class="field">
                  <span>{t("form.product")}</span>
                  <select
                    value={i.productId}
                    onChange={(e) => setItem(i.key, { productId: e.currentTarget.value, variantId: "" })}
                    data-testid={`item-product-${n}`}
                  >
                    {products.map((p) => (
                      <option value={p.id}>{p.title}</option>
                    ))}
                  </select>
                </label>
                {product && product.variants.length > 0 && (
                  <label class="field">
                    <span>{t("form.variant")}</span>
                    <select value={i.variantId} onChange={(e) => setItem(i.key, { variantId: e.currentTarget.value })} data-testid={`item-variant-${n}`}>
                      <option value="">{t("form.noVariant")}</option>
                      {product.variants.map((v) => (
                        <option value={v.id}>
                          {[v.sku, v.size, v.colour].filter(Boolean).join(" · ")} — {t("form.inStock", { stock: v.stock })}
                        </option>
                      ))}
                    </select>
                  </label>
                )}
                <label class="field">
                  <span>{t("form.showPrice")}</span>
                  <input
                    required
                    inputMode="decimal"
                    class="input-narrow"
                    value={i.price}
                    onInput={(e) => setItem(i.key, { price: e.currentTarget.value })}
                    data-testid={`item-price-${n}`}
                  />
                </label>
                <label class="field">
                  <span>{t("form.quantity")}</span>
                  <input
                    required
                    type="number"
                    min={1}
                    class="input-narrow"
                    value={i.quantity}
                    onInput={(e) => setItem(i.key, { quantity: e.currentTarget.value })}
                    data-testid={`item-quantity-${n}`}
                  />
                </label>
                <label class="field">
                  <span>{t("form.limit")}</span>
                  <input type="number" min={1} class="input-narrow" value={i.limit} onInput={(e) => setItem(i.key, { limit: e.currentTarget.value })} />
                </label>
                <label class="check">
                  <input type="checkbox" checked={i.startPinned} onChange={(e) => setItem(i.key, { startPinned: e.currentTarget.checked })} />{" "}
                  {t("form.startPinned")}
                </label>
                <label class="check">
                  <input type="checkbox" checked={i.onlyPinned} onChange={(e) => setItem(i.key, { onlyPinned: e.currentTarget.checked })} />{" "}
                  {t("form.onlyPinned")}
                </label>
                <button type="button" class="btn btn-small" disabled={n === 0} onClick={() => move(n, -1)} aria-label={`${t("form.up")} (${n + 1})`}>
                  ↑
                </button>
                <button
                  type="button"
                  class="btn btn-small"
                  disabled={n === d.items.length - 1}
                  onClick={() => move(n, 1)}
                  aria-label={`${t("form.down")} (${n + 1})`}
                >
                  ↓
                </button>
                <button type="button" class="btn btn-small" onClick={() => set({ items: d.items.filter((x) => x.key !== i.key) })}>
                  {t("form.remove")}
                </button>
              </li>
            );
          })}
        </ol>
        <button
          type="button"
          class="btn btn-small"
          disabled={products.length === 0}
          onClick={() =>
            set({
              items: [
                ...d.items,
                {
                  key: ++keys,
                  productId: products[0]!.id,
                  variantId: products[0]!.variants[0]?.id ?? "",
                  price: (products[0]!.price / 100).toFixed(2),
                  quantity: "1",
                  limit: "",
                  startPinned: d.items.length === 0,
                  onlyPinned: false,
                },
              ],
            })
          }
          data-testid="add-item"
        >
          {t("form.addItem")}
        </button>
      </fieldset>
      <label class="field">
        <span>{t("form.cover")}</span>
        <input
          type="file"
          accept="image/jpeg,image/png,image/webp"
          onChange={(e) => setCover(e.currentTarget.files?.[0] ?? null)}
          data-testid={`show-cover-${id}`}
        />
      </label>
      {show?.coverThumbUrl && <img class="admin-preview" src={show.coverThumbUrl} alt={show.title} width={200} />}
      {error && (
        <p class="alert" role="alert" data-testid="show-form-error">
          {error}
        </p>
      )}
      <div class="admin-inline">
        <button type="submit" class="btn btn-primary" disabled={busy || hosts.length === 0} data-testid="show-save">
          {t("form.save")}
        </button>
        <button type="button" class="btn" onClick={onClose}>
          {t("form.cancelEdit")}
        </button>
      </div>
    </form>
  );
}

// The admin's merchant picker adds ?merchantId= to paths; creation names it in the body.
function merchantField(): { merchantId?: string } {
  const m = /merchantId=([^&]+)/.exec(scoped("/x"));
  return m ? { merchantId: decodeURIComponent(m[1]!) } : {};
}

/** The merchant's shows: filters, search, and per show edit, duplicate, cancel (confirmed); the form above the list. */
export function ShowPlannerPanel({ products, onChanged }: { products: AdminProductView[]; onChanged(): void }) {
  const { t, locale, lang } = useMerchantText();
  const [shows, setShows] = useState<AdminShowView[]>([]);
  const [hosts, setHosts] = useState<Host[]>([]);
  const [shop, setShop] = useState<ShopView | null>(null);
  const [filter, setFilter] = useState<Filter>("all");
  const [q, setQ] = useState("");
  const [editing, setEditing] = useState<AdminShowView | "new" | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = async () => {
    try {
      const qs = `?status=${filter}${q.trim() ? `&q=${encodeURIComponent(q.trim())}` : ""}`;
      const [s, h] = await Promise.all([
        api.get<{ shows: AdminShowView[] }>(scoped(`/api/admin/shows${qs}`)),
        api.get<{ hosts: Host[] }>(scoped("/api/admin/hosts")),
      ]);
      setShows(s.shows);
      setHosts(h.hosts);
      setError(null);
    } catch (err) {
      setError(formError(err, t, lang));
    }
  };
  useEffect(() => void load(), [filter, q]);
  useEffect(() => {
    api.get<{ shop: ShopView }>(scoped("/api/admin/shop")).then(
      (r) => setShop(r.shop),
      () => setShop(null),
    );
  }, []);

  const edit = async (id: string) => {
    try {
      setEditing((await api.get<{ show: AdminShowView }>(`/api/admin/shows/${encodeURIComponent(id)}`)).show);
    } catch (err) {
      setError(formError(err, t, lang));
    }
  };
  const act = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
      await load();
      onChanged();
    } catch (err) {
      setError(formError(err, t, lang));
    }
  };
  const when = (s: AdminShowView) =>
    s.scheduledAt
      ? new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone: s.timeZone }).format(new Date(s.scheduledAt))
      : t("list.unscheduled");

  return (
    <section class="admin-section" data-testid="show-planner">
      <EmailReminder />
      <div class="panel-head">
        <h2>{t("list.title")}</h2>
        <button type="button" class="btn btn-primary" onClick={() => setEditing("new")} data-testid="new-show">
          {t("form.newShow")}
        </button>
      </div>
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
      {editing && (
        <ShowForm
          key={editing === "new" ? "new" : editing.id}
          show={editing === "new" ? null : editing}
          hosts={hosts}
          products={products}
          shop={shop}
          onClose={() => setEditing(null)}
          onSaved={(s) => {
            setEditing(null);
            setNote(`${t("form.saved")} ${s.title}`);
            void load();
            onChanged();
          }}
        />
      )}
      <div class="admin-filters">
        <label class="field">
          <span>{t("list.filter")}</span>
          <select value={filter} onChange={(e) => setFilter(e.currentTarget.value as Filter)} data-testid="show-filter">
            {(["all", "upcoming", "live", "past", "cancelled"] as const).map((f) => (
              <option value={f}>{t(`list.${f}`)}</option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>{t("list.search")}</span>
          <input type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} data-testid="show-search" />
        </label>
      </div>
      {shows.length === 0 ? (
        <p class="muted">{t("list.empty")}</p>
      ) : (
        <table class="admin-table" data-testid="show-list">
          <thead>
            <tr>
              <th scope="col">{t("form.title")}</th>
              <th scope="col">{t("list.when")}</th>
              <th scope="col">{t("form.host")}</th>
              <th scope="col">{t("list.filter")}</th>
              <th scope="col">
                <span class="sr-only">{t("list.edit")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shows.map((s) => (
              <tr key={s.id} data-testid={`show-row-${s.slug}`}>
                <td>{s.title}</td>
                <td>{when(s)}</td>
                <td>{s.hosts.map((h) => `${h.displayName} (${h.shareBp / 100} %)`).join(", ")}</td>
                <td>{s.cancelled ? t("list.isCancelled") : s.status}</td>
                <td class="admin-inline">
                  {!s.cancelled && s.status !== "ended" && (
                    <button type="button" class="btn btn-small" onClick={() => void edit(s.id)} data-testid={`edit-${s.slug}`}>
                      {t("list.edit")}
                    </button>
                  )}
                  <button
                    type="button"
                    class="btn btn-small"
                    onClick={() => void act(() => api.post(`/api/admin/shows/${encodeURIComponent(s.id)}/duplicate`, {}))}
                    data-testid={`duplicate-${s.slug}`}
                  >
                    {t("list.duplicate")}
                  </button>
                  {!s.cancelled && s.status === "scheduled" && (
                    <button
                      type="button"
                      class="btn btn-small btn-danger"
                      onClick={() => {
                        if (confirm(t("list.confirmCancel", { title: s.title })))
                          void act(() => api.post(`/api/admin/shows/${encodeURIComponent(s.id)}/cancel`, {}));
                      }}
                      data-testid={`cancel-${s.slug}`}
                    >
                      {t("list.cancel")}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
