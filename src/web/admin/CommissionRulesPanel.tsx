import { useEffect, useState } from "preact/hooks";
import { useErrorText } from "../i18n/apiErrors.js";
import type { AdminProductView, CommissionRuleSetView, CommissionRules, ShowSalesView } from "../../protocol/api.js";
import { type HostShare, lineCommission, splitBetweenHosts } from "../../protocol/commission.js";
import { vatIncluded } from "../../protocol/vat.js";
import { defineMessages, useMessages } from "../i18n/messages.js";
import { api } from "../platform/apiClient.js";
import { formatMoney } from "../platform/money.js";
import { type Draft, draftFrom, draftRulesDefaults, euroText, money, pctText, percentToBp, ruleUsed, toRules } from "./commissionDraft.js";
import { scoped } from "./merchantScope.js";

// The merchant's commission rules as a form, with the commission of an example order computed by the same code the
// ledger runs (src/protocol/commission.ts). The JSON is still the API; the form reads and writes it.
const rulesMessages = defineMessages(
  {
    title: "Commission rules",
    version: "Version {version} in force since {date}.",
    none: "No rule set: each show's own rate applies to the gross total.",
    retired: "Retired (version {version}): each show's own rate applies.",
    lead: "Hosts earn a percentage of each sale's net (gross minus VAT and coupons) plus a fixed amount per unit, never more than the net.",
    base: "Base rule",
    percent: "Percent of net (%)",
    fixed: "Fixed per unit (€)",
    tiers: "Tiers by show revenue",
    tiersLead: "From this revenue of the show (before the order), this percentage replaces the base percent.",
    tierFrom: "From show revenue (€)",
    tierPercent: "Percent (%)",
    tierRow: "Tier {n}",
    addTier: "Add tier",
    overrides: "Product and category overrides",
    overridesLead: "A product override wins over a category override, which wins over tiers and the base. Empty fields fall back to the base.",
    overrideRow: "Override {n}",
    target: "Applies to",
    product: "Product",
    category: "Category",
    categoryName: "Category name",
    addOverride: "Add override",
    categories: "Categories",
    categoriesLead: "The catalog has no categories yet: name one and tick its products.",
    categoryRow: "Category {n}",
    addCategory: "Add category",
    remove: "Remove",
    removeRow: "Remove {row}",
    windows: "Windows and payouts",
    returnDays: "Return window (days)",
    attributionDays: "Share-link attribution (days)",
    payoutMinimum: "Payout minimum (€)",
    publish: "Publish as new version",
    published: "Published version {version}.",
    retire: "Retire rules",
    retiredNow: "Rules retired: each show's own rate applies again.",
    invalid: "Check the highlighted fields: {fields}.",
    preview: "Preview: an example order",
    previewLead: "Computed in your browser with the same code as the ledger, from the form as it is now.",
    units: "Units",
    unitPrice: "Unit price (€, gross)",
    vatRate: "VAT (%)",
    coupon: "Coupon discount (€)",
    revenueBefore: "Show revenue before this order (€)",
    gross: "Paid (gross)",
    vat: "VAT contained",
    net: "Net",
    rateUsed: "Rate used",
    ruleUsed: "Rule",
    rule_product: "product override",
    rule_category: "category override",
    rule_tier: "tier from {from}",
    rule_base: "base rule",
    commission: "Commission",
    split: "Split between hosts",
    splitLead: "Co-hosts share a show's commission; cents left over by rounding go to the largest share.",
    show: "Show",
    host: "Host",
    share: "Share (%)",
    addHost: "Add co-host",
    shareSum: "Shares add up to {sum} % (must be 100 %).",
    saveSplit: "Save split for this show",
    splitSaved: "Split saved.",
    advanced: "Advanced: the rules as JSON",
    applyJson: "Use this JSON in the form",
    jsonInvalid: "That is not valid JSON.",
    loading: "Loading…",
  },
  {
    title: "Provisionsregeln",
    version: "Version {version} gilt seit {date}.",
    none: "Keine Regeln: Es gilt der Satz der jeweiligen Show auf den Bruttobetrag.",
    retired: "Zurückgezogen (Version {version}): Es gilt der Satz der jeweiligen Show.",
    lead: "Hosts erhalten einen Prozentsatz vom Netto jedes Verkaufs (brutto ohne MwSt. und Gutscheine) plus einen festen Betrag pro Stück, nie mehr als das Netto.",
    base: "Grundregel",
    percent: "Prozent vom Netto (%)",
    fixed: "Fest pro Stück (€)",
    tiers: "Staffeln nach Show-Umsatz",
    tiersLead: "Ab diesem Umsatz der Show (vor der Bestellung) ersetzt dieser Prozentsatz den Grundsatz.",
    tierFrom: "Ab Show-Umsatz (€)",
    tierPercent: "Prozent (%)",
    tierRow: "Staffel {n}",
    addTier: "Staffel hinzufügen",
    overrides: "Ausnahmen für Produkte und Kategorien",
    overridesLead: "Eine Produkt-Ausnahme geht vor einer Kategorie-Ausnahme, diese vor Staffeln und Grundregel. Leere Felder nehmen den Grundwert.",
    overrideRow: "Ausnahme {n}",
    target: "Gilt für",
    product: "Produkt",
    category: "Kategorie",
    categoryName: "Name der Kategorie",
    addOverride: "Ausnahme hinzufügen",
    categories: "Kategorien",
    categoriesLead: "Der Katalog hat noch keine Kategorien: Name vergeben und Produkte ankreuzen.",
    categoryRow: "Kategorie {n}",
    addCategory: "Kategorie hinzufügen",
    remove: "Entfernen",
    removeRow: "{row} entfernen",
    windows: "Fristen und Auszahlungen",
    returnDays: "Rückgabefrist (Tage)",
    attributionDays: "Zuordnung über Teilen-Link (Tage)",
    payoutMinimum: "Mindestbetrag für Auszahlungen (€)",
    publish: "Als neue Version veröffentlichen",
    published: "Version {version} veröffentlicht.",
    retire: "Regeln zurückziehen",
    retiredNow: "Regeln zurückgezogen: Es gilt wieder der Satz der jeweiligen Show.",
    invalid: "Bitte die markierten Felder prüfen: {fields}.",
    preview: "Vorschau: eine Beispielbestellung",
    previewLead: "Im Browser mit demselben Code wie das Hauptbuch berechnet, aus dem Formular, wie es jetzt ist.",
    units: "Stück",
    unitPrice: "Stückpreis (€, brutto)",
    vatRate: "MwSt. (%)",
    coupon: "Gutscheinrabatt (€)",
    revenueBefore: "Show-Umsatz vor dieser Bestellung (€)",
    gross: "Bezahlt (brutto)",
    vat: "Enthaltene MwSt.",
    net: "Netto",
    rateUsed: "Angewandter Satz",
    ruleUsed: "Regel",
    rule_product: "Produkt-Ausnahme",
    rule_category: "Kategorie-Ausnahme",
    rule_tier: "Staffel ab {from}",
    rule_base: "Grundregel",
    commission: "Provision",
    split: "Aufteilung zwischen Hosts",
    splitLead: "Co-Hosts teilen die Provision einer Show; Cent-Reste aus dem Runden gehen an den größten Anteil.",
    show: "Show",
    host: "Host",
    share: "Anteil (%)",
    addHost: "Co-Host hinzufügen",
    shareSum: "Die Anteile ergeben {sum} % (müssen 100 % ergeben).",
    saveSplit: "Aufteilung für diese Show speichern",
    splitSaved: "Aufteilung gespeichert.",
    advanced: "Erweitert: die Regeln als JSON",
    applyJson: "Dieses JSON ins Formular übernehmen",
    jsonInvalid: "Das ist kein gültiges JSON.",
    loading: "Wird geladen…",
  },
);

interface HostChoice {
  id: string;
  displayName: string;
  email: string;
}

export function CommissionRulesPanel() {
  const { t: p, locale } = useMessages(rulesMessages);
  const [current, setCurrent] = useState<CommissionRuleSetView | null | undefined>(undefined);
  const [draft, setDraft] = useState<Draft>(draftFrom(null));
  const [products, setProducts] = useState<AdminProductView[]>([]);
  const [shows, setShows] = useState<ShowSalesView[]>([]);
  const [hosts, setHosts] = useState<HostChoice[]>([]);
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [json, setJson] = useState("");
  // The example order and the split the preview uses.
  const [example, setExample] = useState({ productId: "", units: "2", unitPrice: "49.90", vat: "19", coupon: "", revenueBefore: "0" });
  const [showId, setShowId] = useState("");
  const [split, setSplit] = useState<{ accountId: string; share: string }[]>([]);

  const message = useErrorText();
  const load = async () => {
    try {
      const r = await api.get<{ current: CommissionRuleSetView | null }>(scoped("/api/admin/commission-rules"));
      setCurrent(r.current);
      setDraft(draftFrom(r.current?.rules ?? null));
    } catch (err) {
      setNote({ ok: false, text: message(err) });
    }
  };
  useEffect(() => {
    void load();
    api.get<{ products: AdminProductView[] }>(scoped("/api/admin/products")).then(
      (r) => {
        setProducts(r.products);
        const first = r.products[0];
        if (first) setExample((e) => ({ ...e, productId: first.id, unitPrice: euroText(first.price), vat: pctText(first.vatRateBp) }));
      },
      () => undefined,
    );
    api.get<{ shows: ShowSalesView[] }>(scoped("/api/admin/sales")).then(
      (r) => {
        setShows(r.shows);
        if (r.shows[0]) pickShow(r.shows[0].id);
      },
      () => undefined,
    );
    api.get<{ hosts: HostChoice[] }>(scoped("/api/admin/hosts")).then(
      (r) => setHosts(r.hosts),
      () => undefined,
    );
  }, []);
  const pickShow = (id: string) => {
    setShowId(id);
    if (!id) return setSplit([]);
    api.get<{ hosts: HostShare[] }>(`/api/admin/shows/${encodeURIComponent(id)}/hosts`).then(
      (r) => setSplit(r.hosts.map((h) => ({ accountId: h.accountId, share: pctText(h.shareBp) }))),
      () => setSplit([]),
    );
  };

  const { rules, bad } = toRules(draft);
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));
  const hostName = (id: string) => hosts.find((h) => h.id === id)?.displayName ?? id;
  const fmt = (cents: number) => formatMoney(cents, "EUR", locale);

  // The example order through the ledger's own evaluation (a paid order's total is already net of its coupon).
  const units = Math.max(1, Math.min(1000, Number.parseInt(example.units, 10) || 1));
  const unitPrice = money(example.unitPrice) ?? 0;
  const vatBp = percentToBp(example.vat) ?? 0;
  const gross = Math.max(0, unitPrice * units - (money(example.coupon) ?? 0));
  const revenueBefore = money(example.revenueBefore) ?? 0;
  const line = { productId: example.productId, units, gross, vat: vatIncluded(gross, vatBp), discount: 0 };
  const result = lineCommission({ version: 1, rules }, line, { showRevenueBefore: revenueBefore, showRateBp: 0 });
  const used = ruleUsed(rules, example.productId, revenueBefore);
  const shares = split.map((s) => ({ accountId: s.accountId, shareBp: percentToBp(s.share) ?? 0 })).filter((s) => s.accountId);
  const shareSum = shares.reduce((a, s) => a + s.shareBp, 0);
  const parts = shares.length > 0 && shareSum === 10_000 ? splitBetweenHosts(result.amount, shares) : null;

  const publish = async () => {
    setNote(null);
    if (bad.length) return setNote({ ok: false, text: p("invalid", { fields: bad.join(", ") }) });
    setBusy(true);
    try {
      const r = await api.post<{ ruleSet: CommissionRuleSetView }>(scoped("/api/admin/commission-rules"), rules);
      setNote({ ok: true, text: p("published", { version: r.ruleSet.version }) });
      await load();
    } catch (err) {
      setNote({ ok: false, text: message(err) });
    } finally {
      setBusy(false);
    }
  };
  const retire = async () => {
    setNote(null);
    setBusy(true);
    try {
      await api.del(scoped("/api/admin/commission-rules"));
      setNote({ ok: true, text: p("retiredNow") });
      await load();
    } catch (err) {
      setNote({ ok: false, text: message(err) });
    } finally {
      setBusy(false);
    }
  };
  const saveSplit = async () => {
    setNote(null);
    try {
      await api.put(`/api/admin/shows/${encodeURIComponent(showId)}/hosts`, { hosts: shares });
      setNote({ ok: true, text: p("splitSaved") });
    } catch (err) {
      setNote({ ok: false, text: message(err) });
    }
  };

  const isBad = (field: string) => (bad.includes(field) ? { "aria-invalid": true as const } : {});
  const text = (label: string, value: string, onInput: (v: string) => void, testId: string, field?: string, inputMode: "decimal" | "numeric" = "decimal") => (
    <label class="field">
      <span>{label}</span>
      <input inputMode={inputMode} value={value} onInput={(e) => onInput(e.currentTarget.value)} data-testid={testId} {...(field ? isBad(field) : {})} />
    </label>
  );

  if (current === undefined && !note) return <p class="muted">{p("loading")}</p>;
  return (
    <section class="panel commission-rules" data-testid="commission-rules">
      <h2>{p("title")}</h2>
      {current === null && <p class="muted">{p("none")}</p>}
      {current && !current.rules && <p class="muted">{p("retired", { version: current.version })}</p>}
      {current?.rules && (
        <p class="muted" data-testid="rules-version">
          {p("version", { version: current.version, date: new Intl.DateTimeFormat(locale, { dateStyle: "medium" }).format(new Date(current.createdAt)) })}
        </p>
      )}
      <p class="muted">{p("lead")}</p>
      <div class="rules-split">
        <div class="rules-form">
          <fieldset>
            <legend>{p("base")}</legend>
            <div class="field-row">
              {text(p("percent"), draft.percent, (v) => set({ percent: v }), "rules-percent", "percent")}
              {text(p("fixed"), draft.fixed, (v) => set({ fixed: v }), "rules-fixed", "fixed")}
            </div>
          </fieldset>
          <fieldset>
            <legend>{p("tiers")}</legend>
            <p class="muted">{p("tiersLead")}</p>
            {draft.tiers.map((tier, i) => (
              <div class="field-row rules-row" data-testid="rules-tier" role="group" aria-label={p("tierRow", { n: i + 1 })}>
                {text(
                  p("tierFrom"),
                  tier.from,
                  (v) => set({ tiers: draft.tiers.map((x, n) => (n === i ? { ...x, from: v } : x)) }),
                  "rules-tier-from",
                  `tier-from-${i + 1}`,
                )}
                {text(
                  p("tierPercent"),
                  tier.percent,
                  (v) => set({ tiers: draft.tiers.map((x, n) => (n === i ? { ...x, percent: v } : x)) }),
                  "rules-tier-percent",
                  `tier-percent-${i + 1}`,
                )}
                <button
                  type="button"
                  class="btn btn-small"
                  aria-label={p("removeRow", { row: p("tierRow", { n: i + 1 }) })}
                  onClick={() => set({ tiers: draft.tiers.filter((_, n) => n !== i) })}
                >
                  {p("remove")}
                </button>
              </div>
            ))}
            <button
              type="button"
              class="btn btn-small"
              onClick={() => set({ tiers: [...draft.tiers, { from: "", percent: "" }] })}
              data-testid="rules-add-tier"
            >
              {p("addTier")}
            </button>
          </fieldset>
          <fieldset>
            <legend>{p("overrides")}</legend>
            <p class="muted">{p("overridesLead")}</p>
            {draft.overrides.map((o, i) => {
              const put = (patch: Partial<Draft["overrides"][number]>) => set({ overrides: draft.overrides.map((x, n) => (n === i ? { ...x, ...patch } : x)) });
              return (
                <div class="field-row rules-row" data-testid="rules-override" role="group" aria-label={p("overrideRow", { n: i + 1 })}>
                  <label class="field">
                    <span>{p("target")}</span>
                    <select value={o.kind} onChange={(e) => put({ kind: e.currentTarget.value as "product" | "category" })} data-testid="rules-override-kind">
                      <option value="product">{p("product")}</option>
                      <option value="category">{p("category")}</option>
                    </select>
                  </label>
                  {o.kind === "product" ? (
                    <label class="field">
                      <span>{p("product")}</span>
                      <select
                        value={o.productId}
                        onChange={(e) => put({ productId: e.currentTarget.value })}
                        data-testid="rules-override-product"
                        {...isBad(`override-target-${i + 1}`)}
                      >
                        <option value="">—</option>
                        {products.map((x) => (
                          <option value={x.id}>{x.title}</option>
                        ))}
                      </select>
                    </label>
                  ) : (
                    <label class="field">
                      <span>{p("category")}</span>
                      <select
                        value={o.category}
                        onChange={(e) => put({ category: e.currentTarget.value })}
                        data-testid="rules-override-category"
                        {...isBad(`override-target-${i + 1}`)}
                      >
                        <option value="">—</option>
                        {draft.categories
                          .filter((c) => c.name.trim())
                          .map((c) => (
                            <option value={c.name.trim()}>{c.name.trim()}</option>
                          ))}
                      </select>
                    </label>
                  )}
                  {text(p("percent"), o.percent, (v) => put({ percent: v }), "rules-override-percent", `override-percent-${i + 1}`)}
                  {text(p("fixed"), o.fixed, (v) => put({ fixed: v }), "rules-override-fixed", `override-fixed-${i + 1}`)}
                  <button
                    type="button"
                    class="btn btn-small"
                    aria-label={p("removeRow", { row: p("overrideRow", { n: i + 1 }) })}
                    onClick={() => set({ overrides: draft.overrides.filter((_, n) => n !== i) })}
                  >
                    {p("remove")}
                  </button>
                </div>
              );
            })}
            <button
              type="button"
              class="btn btn-small"
              onClick={() =>
                set({ overrides: [...draft.overrides, { kind: "product", productId: products[0]?.id ?? "", category: "", percent: "", fixed: "" }] })
              }
              data-testid="rules-add-override"
            >
              {p("addOverride")}
            </button>
          </fieldset>
          <fieldset>
            <legend>{p("categories")}</legend>
            <p class="muted">{p("categoriesLead")}</p>
            {draft.categories.map((cat, i) => {
              const put = (patch: Partial<Draft["categories"][number]>) =>
                set({ categories: draft.categories.map((x, n) => (n === i ? { ...x, ...patch } : x)) });
              return (
                <div class="rules-row" data-testid="rules-category" role="group" aria-label={p("categoryRow", { n: i + 1 })}>
                  {text(p("categoryName"), cat.name, (v) => put({ name: v }), "rules-category-name")}
                  <div class="rules-checks">
                    {products.map((x) => (
                      <label class="check">
                        <input
                          type="checkbox"
                          checked={cat.productIds.includes(x.id)}
                          onChange={(e) =>
                            put({ productIds: e.currentTarget.checked ? [...cat.productIds, x.id] : cat.productIds.filter((id) => id !== x.id) })
                          }
                        />
                        {x.title}
                      </label>
                    ))}
                  </div>
                  <button
                    type="button"
                    class="btn btn-small"
                    aria-label={p("removeRow", { row: p("categoryRow", { n: i + 1 }) })}
                    onClick={() => set({ categories: draft.categories.filter((_, n) => n !== i) })}
                  >
                    {p("remove")}
                  </button>
                </div>
              );
            })}
            <button type="button" class="btn btn-small" onClick={() => set({ categories: [...draft.categories, { name: "", productIds: [] }] })}>
              {p("addCategory")}
            </button>
          </fieldset>
          <fieldset>
            <legend>{p("windows")}</legend>
            <div class="field-row">
              {text(p("returnDays"), draft.returnDays, (v) => set({ returnDays: v }), "rules-return-days", "returnDays", "numeric")}
              {text(p("attributionDays"), draft.attributionDays, (v) => set({ attributionDays: v }), "rules-attribution-days", "attributionDays", "numeric")}
              {text(p("payoutMinimum"), draft.payoutMinimum, (v) => set({ payoutMinimum: v }), "rules-payout-minimum", "payoutMinimum")}
            </div>
          </fieldset>
          {note && (
            <p class={note.ok ? "note" : "alert"} role="status" data-testid="rules-note">
              {note.text}
            </p>
          )}
          <div class="rules-actions">
            <button type="button" class="btn btn-primary" onClick={() => void publish()} disabled={busy} data-testid="rules-publish">
              {p("publish")}
            </button>
            {current?.rules && (
              <button type="button" class="btn btn-danger" onClick={() => void retire()} disabled={busy} data-testid="rules-retire">
                {p("retire")}
              </button>
            )}
          </div>
          <details class="rules-advanced" onToggle={(e) => (e.currentTarget as HTMLDetailsElement).open && setJson(JSON.stringify(rules, null, 2))}>
            <summary>{p("advanced")}</summary>
            <textarea rows={10} class="code" aria-label={p("advanced")} value={json} onInput={(e) => setJson(e.currentTarget.value)} data-testid="rules-json" />
            <button
              type="button"
              class="btn btn-small"
              onClick={() => {
                try {
                  setDraft(draftFrom({ ...draftRulesDefaults, ...(JSON.parse(json) as Partial<CommissionRules>) }));
                } catch {
                  setNote({ ok: false, text: p("jsonInvalid") });
                }
              }}
              data-testid="rules-json-apply"
            >
              {p("applyJson")}
            </button>
          </details>
        </div>
        <aside class="rules-preview" aria-labelledby="rules-preview-title" data-testid="rules-preview">
          <h3 id="rules-preview-title">{p("preview")}</h3>
          <p class="muted">{p("previewLead")}</p>
          <label class="field">
            <span>{p("product")}</span>
            <select
              value={example.productId}
              onChange={(e) => {
                const x = products.find((q) => q.id === e.currentTarget.value);
                setExample((ex) => ({ ...ex, productId: e.currentTarget.value, ...(x ? { unitPrice: euroText(x.price), vat: pctText(x.vatRateBp) } : {}) }));
              }}
              data-testid="preview-product"
            >
              {products.map((x) => (
                <option value={x.id}>{x.title}</option>
              ))}
            </select>
          </label>
          <div class="field-row">
            {text(p("units"), example.units, (v) => setExample((e) => ({ ...e, units: v })), "preview-units", undefined, "numeric")}
            {text(p("unitPrice"), example.unitPrice, (v) => setExample((e) => ({ ...e, unitPrice: v })), "preview-unit-price")}
          </div>
          <div class="field-row">
            {text(p("vatRate"), example.vat, (v) => setExample((e) => ({ ...e, vat: v })), "preview-vat")}
            {text(p("coupon"), example.coupon, (v) => setExample((e) => ({ ...e, coupon: v })), "preview-coupon")}
          </div>
          {text(p("revenueBefore"), example.revenueBefore, (v) => setExample((e) => ({ ...e, revenueBefore: v })), "preview-revenue-before")}
          <dl class="rules-figures">
            <dt>{p("gross")}</dt>
            <dd data-testid="preview-gross">{fmt(gross)}</dd>
            <dt>{p("vat")}</dt>
            <dd>{fmt(line.vat)}</dd>
            <dt>{p("net")}</dt>
            <dd data-testid="preview-net">{fmt(Math.max(0, gross - line.vat))}</dd>
            <dt>{p("ruleUsed")}</dt>
            <dd data-testid="preview-rule">{p(used.key, { from: used.from !== undefined ? fmt(used.from) : "" })}</dd>
            <dt>{p("rateUsed")}</dt>
            <dd data-testid="preview-rate">
              {new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(result.rateBp / 100)} % + {fmt(result.fixedPerUnit)} × {units}
            </dd>
            <dt>{p("commission")}</dt>
            <dd class="rules-commission" data-testid="preview-commission" data-amount={result.amount}>
              {fmt(result.amount)}
            </dd>
          </dl>
          <h4>{p("split")}</h4>
          <p class="muted">{p("splitLead")}</p>
          <label class="field">
            <span>{p("show")}</span>
            <select value={showId} onChange={(e) => pickShow(e.currentTarget.value)} data-testid="split-show">
              <option value="">—</option>
              {shows.map((s) => (
                <option value={s.id}>{s.title}</option>
              ))}
            </select>
          </label>
          {split.map((s, i) => (
            <div class="field-row rules-row" data-testid="split-host" role="group" aria-label={`${p("host")} ${i + 1}`}>
              <label class="field">
                <span>{p("host")}</span>
                <select
                  value={s.accountId}
                  onChange={(e) => setSplit(split.map((x, n) => (n === i ? { ...x, accountId: e.currentTarget.value } : x)))}
                  data-testid="split-host-account"
                >
                  <option value="">—</option>
                  {hosts.map((h) => (
                    <option value={h.id}>{h.displayName}</option>
                  ))}
                  {s.accountId && !hosts.some((h) => h.id === s.accountId) && <option value={s.accountId}>{s.accountId}</option>}
                </select>
              </label>
              {text(p("share"), s.share, (v) => setSplit(split.map((x, n) => (n === i ? { ...x, share: v } : x))), "split-host-share")}
              {split.length > 1 && (
                <button
                  type="button"
                  class="btn btn-small"
                  aria-label={p("removeRow", { row: `${p("host")} ${i + 1}` })}
                  onClick={() => setSplit(split.filter((_, n) => n !== i))}
                >
                  {p("remove")}
                </button>
              )}
            </div>
          ))}
          {showId && (
            <button type="button" class="btn btn-small" onClick={() => setSplit([...split, { accountId: "", share: "" }])} data-testid="split-add-host">
              {p("addHost")}
            </button>
          )}
          {shares.length > 0 && shareSum !== 10_000 && (
            <p class="alert" data-testid="split-sum">
              {p("shareSum", { sum: new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(shareSum / 100) })}
            </p>
          )}
          {parts && (
            <ul class="rules-parts" data-testid="preview-split">
              {[...parts].map(([id, amount]) => (
                <li data-testid="preview-split-part" data-account-id={id}>
                  {hostName(id)}: <strong>{fmt(amount)}</strong>
                </li>
              ))}
            </ul>
          )}
          {showId && (
            <button type="button" class="btn btn-small" onClick={() => void saveSplit()} disabled={!parts} data-testid="split-save">
              {p("saveSplit")}
            </button>
          )}
        </aside>
      </div>
    </section>
  );
}
