import { useEffect, useState } from "preact/hooks";
import type { AdminProductView, VariantView } from "../../protocol/api.js";
import { api } from "../platform/apiClient.js";
import { formatMoney, parsePriceToCents } from "../platform/money.js";
import { percent, useAdminText } from "./adminText.js";
import { useAdminErrorText } from "./OrdersPanel.js";
import { scoped } from "./merchantScope.js";

// German rates as the presets (standard, reduced, zero); any other EU rate can be typed in.
const VAT_PRESETS = [1900, 700, 0];

function VatField({ value, onChange }: { value: number; onChange(bp: number): void }) {
  const { t, locale } = useAdminText();
  const preset = VAT_PRESETS.includes(value);
  return (
    <label class="field">
      <span>{t("products.vat")}</span>
      <select
        value={preset ? String(value) : "other"}
        onChange={(e) => onChange(e.currentTarget.value === "other" ? 2100 : Number(e.currentTarget.value))}
        data-testid="product-vat"
      >
        {VAT_PRESETS.map((bp) => (
          <option value={String(bp)}>{percent(bp, locale)} %</option>
        ))}
        <option value="other">{t("products.vatOther")}</option>
      </select>
      {!preset && (
        <input
          type="number"
          min={0}
          max={30}
          step={0.1}
          value={value / 100}
          onInput={(e) => onChange(Math.round(Number(e.currentTarget.value) * 100))}
          aria-label={t("products.vatOther")}
        />
      )}
    </label>
  );
}

function VariantRow({ productId, variant, onSaved }: { productId: string; variant: VariantView; onSaved(v: VariantView): void }) {
  const { t } = useAdminText();
  const errorText = useAdminErrorText();
  const [stock, setStock] = useState(String(variant.stock));
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setStock(String(variant.stock)), [variant.stock]);
  const save = async () => {
    try {
      const r = await api.patch<{ variant: VariantView }>(`/api/admin/products/${productId}/variants/${variant.id}`, { stock: Number(stock) });
      onSaved(r.variant);
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <tr data-testid="variant-row" data-sku={variant.sku}>
      <td>{variant.sku}</td>
      <td>{variant.size}</td>
      <td>{variant.colour}</td>
      <td>
        <input
          class="input-narrow"
          type="number"
          min={0}
          value={stock}
          onInput={(e) => setStock(e.currentTarget.value)}
          aria-label={t("products.stock")}
          data-testid="variant-stock"
        />
        {Number(stock) !== variant.stock && (
          <button type="button" class="btn btn-small" onClick={save} data-testid="variant-save">
            {t("products.save")}
          </button>
        )}
        {error && <span class="field-error">{error}</span>}
      </td>
    </tr>
  );
}

function AddVariantForm({ productId, onAdded }: { productId: string; onAdded(): void }) {
  const { t } = useAdminText();
  const errorText = useAdminErrorText();
  const [sku, setSku] = useState("");
  const [size, setSize] = useState("");
  const [colour, setColour] = useState("");
  const [stock, setStock] = useState("0");
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      await api.post(`/api/admin/products/${productId}/variants`, { sku: sku.trim(), size: size.trim(), colour: colour.trim(), stock: Number(stock) });
      setSku("");
      setSize("");
      setColour("");
      setStock("0");
      setError(null);
      onAdded();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <form class="admin-form admin-inline" onSubmit={submit} data-testid="variant-form">
      <input
        required
        maxLength={64}
        placeholder={t("products.sku")}
        value={sku}
        onInput={(e) => setSku(e.currentTarget.value)}
        aria-label={t("products.sku")}
        data-testid="variant-sku"
      />
      <input
        maxLength={40}
        placeholder={t("products.size")}
        value={size}
        onInput={(e) => setSize(e.currentTarget.value)}
        aria-label={t("products.size")}
        data-testid="variant-size"
      />
      <input
        maxLength={40}
        placeholder={t("products.colour")}
        value={colour}
        onInput={(e) => setColour(e.currentTarget.value)}
        aria-label={t("products.colour")}
        data-testid="variant-colour"
      />
      <input
        class="input-narrow"
        type="number"
        min={0}
        required
        value={stock}
        onInput={(e) => setStock(e.currentTarget.value)}
        aria-label={t("products.stock")}
        data-testid="variant-new-stock"
      />
      <button type="submit" class="btn btn-small" data-testid="variant-add">
        {t("products.addVariant")}
      </button>
      {error && <p class="alert">{error}</p>}
    </form>
  );
}

/** Create (product null) or edit a product: fields, then — once it exists — variants and the picture. */
function ProductEditor({ product, onSaved, onClose }: { product: AdminProductView | null; onSaved(p: AdminProductView): Promise<void>; onClose(): void }) {
  const { t, locale } = useAdminText();
  const errorText = useAdminErrorText();
  const [title, setTitle] = useState(product?.title ?? "");
  const [description, setDescription] = useState(product?.description ?? "");
  const [price, setPrice] = useState(product ? (product.price / 100).toFixed(2) : "");
  const [vat, setVat] = useState(product?.vatRateBp ?? 1900);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const cents = parsePriceToCents(price);
    if (cents === null) return setMessage({ ok: false, text: t("products.priceInvalid") });
    setBusy(true);
    try {
      const body = { title: title.trim(), description: description.trim(), price: cents, vatRateBp: vat };
      const r = product
        ? await api.patch<{ product: AdminProductView }>(`/api/admin/products/${product.id}`, body)
        : await api.post<{ product: AdminProductView }>(scoped("/api/admin/products"), body);
      await onSaved(r.product);
      setMessage({ ok: true, text: t("admin.saved") });
    } catch (err) {
      setMessage({ ok: false, text: errorText(err) });
    } finally {
      setBusy(false);
    }
  };

  const reload = async () => product && onSaved((await api.get<{ product: AdminProductView }>(`/api/admin/products/${product.id}`)).product);

  const onFile = async (e: Event) => {
    const input = e.currentTarget as HTMLInputElement;
    const file = input.files?.[0];
    if (!file || !product) return;
    setBusy(true);
    setMessage({ ok: true, text: t("products.uploading") });
    try {
      // The server decodes and resizes the picture and answers with the product.
      await onSaved((await api.upload<{ product: AdminProductView }>(`/api/admin/products/${encodeURIComponent(product.id)}/image`, file)).product);
      setMessage({ ok: true, text: t("admin.saved") });
    } catch (err) {
      setMessage({ ok: false, text: errorText(err) });
    } finally {
      setBusy(false);
      input.value = "";
    }
  };

  return (
    <section class="panel admin-detail" data-testid="product-editor">
      <div class="panel-head">
        <h2>{product ? product.title : t("products.new")}</h2>
        <button type="button" class="btn btn-small" onClick={onClose}>
          {t("orders.close")}
        </button>
      </div>
      <form class="admin-form" onSubmit={submit} data-testid="product-form">
        <label class="field">
          <span>{t("products.title")}</span>
          <input required maxLength={200} value={title} onInput={(e) => setTitle(e.currentTarget.value)} data-testid="product-title" />
        </label>
        <label class="field">
          <span>{t("products.description")}</span>
          <textarea maxLength={5000} rows={3} value={description} onInput={(e) => setDescription(e.currentTarget.value)} data-testid="product-description" />
        </label>
        <label class="field">
          <span>{t("products.price")}</span>
          <input required inputMode="decimal" value={price} onInput={(e) => setPrice(e.currentTarget.value)} data-testid="product-price" />
        </label>
        <VatField value={vat} onChange={setVat} />
        <button type="submit" class="btn btn-primary" disabled={busy} data-testid="product-save">
          {product ? t("products.save") : t("products.create")}
        </button>
      </form>
      {message && (
        <p class={message.ok ? "note" : "alert"} role="status" data-testid="product-message">
          {message.text}
        </p>
      )}
      {product && (
        <>
          <h3>{t("products.image")}</h3>
          {product.thumbUrl && <img class="admin-preview" src={product.thumbUrl} alt={product.title} width={200} data-testid="product-image" />}
          <label class="field">
            <span>{t("products.upload")}</span>
            <input type="file" accept="image/jpeg,image/png,image/webp" onChange={onFile} disabled={busy} data-testid="product-file" />
          </label>
          <p class="muted">{t("products.imageHint")}</p>
          <h3>{t("products.variants")}</h3>
          {product.variants.length === 0 ? (
            <p class="muted">{t("products.noVariants")}</p>
          ) : (
            <table class="admin-table" data-testid="variants-table">
              <thead>
                <tr>
                  <th>{t("products.sku")}</th>
                  <th>{t("products.size")}</th>
                  <th>{t("products.colour")}</th>
                  <th>{t("products.stock")}</th>
                </tr>
              </thead>
              <tbody>
                {product.variants.map((v) => (
                  <VariantRow key={v.id} productId={product.id} variant={v} onSaved={() => void reload()} />
                ))}
              </tbody>
            </table>
          )}
          <AddVariantForm productId={product.id} onAdded={() => void reload()} />
          <p class="muted">
            {formatMoney(product.price, product.currency, locale)} · {t("orders.vat", { rate: percent(product.vatRateBp, locale) })}
          </p>
        </>
      )}
    </section>
  );
}

export function ProductsPanel({ products, onChanged }: { products: AdminProductView[]; onChanged(): Promise<void> }) {
  const { t, locale } = useAdminText();
  const [editing, setEditing] = useState<string | "new" | null>(null);
  const current = editing && editing !== "new" ? (products.find((p) => p.id === editing) ?? null) : null;

  const archive = async (id: string) => {
    await api.del(`/api/admin/products/${id}`);
    if (editing === id) setEditing(null);
    await onChanged();
  };

  return (
    <div class="admin-split">
      <section class="panel" data-testid="products-panel">
        <div class="panel-head">
          <h2>{t("admin.tab.products")}</h2>
          <button type="button" class="btn btn-primary btn-small" onClick={() => setEditing("new")} data-testid="product-new">
            {t("products.new")}
          </button>
        </div>
        {products.length === 0 ? (
          <p class="muted">{t("products.empty")}</p>
        ) : (
          <ul class="admin-list">
            {products.map((p) => (
              <li data-testid="product-row" data-product-id={p.id}>
                {p.thumbUrl || p.imageUrl ? (
                  <img class="admin-thumb" src={p.thumbUrl ?? p.imageUrl} alt="" width={48} height={48} />
                ) : (
                  <span class="admin-thumb" />
                )}
                <div class="admin-list-body">
                  <strong>{p.title}</strong>
                  <span class="muted">
                    {formatMoney(p.price, p.currency, locale)} · {percent(p.vatRateBp, locale)} % ·{" "}
                    {t("products.variantCount", { n: p.variants.length, stock: p.variants.reduce((s, v) => s + v.stock, 0) })}
                  </span>
                </div>
                <button type="button" class="btn btn-small" onClick={() => setEditing(p.id)} data-testid="product-edit">
                  {t("products.edit")}
                </button>
                <button type="button" class="btn btn-small" onClick={() => void archive(p.id)}>
                  {t("products.archive")}
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
      {editing && (
        <ProductEditor
          key={editing}
          product={current}
          onSaved={async (p) => {
            await onChanged();
            setEditing(p.id);
          }}
          onClose={() => setEditing(null)}
        />
      )}
    </div>
  );
}
