import type { ShopBody, ShopView } from "../../protocol/api.js";
import { type MerchantT, useMerchantText } from "./merchantText.js";

export interface ShopFieldsValue {
  name: string;
  legalName: string;
  line1: string;
  line2: string;
  postalCode: string;
  city: string;
  country: string;
  vatId: string;
  timeZone: string;
}

export const emptyShop = (): ShopFieldsValue => ({
  name: "",
  legalName: "",
  line1: "",
  line2: "",
  postalCode: "",
  city: "",
  country: "DE",
  vatId: "",
  timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || "Europe/Berlin",
});

export const shopBodyOf = (v: ShopFieldsValue): ShopBody => ({
  name: v.name.trim(),
  legalName: v.legalName.trim(),
  address: {
    line1: v.line1.trim(),
    ...(v.line2.trim() ? { line2: v.line2.trim() } : {}),
    postalCode: v.postalCode.trim(),
    city: v.city.trim(),
    country: v.country.trim().toUpperCase(),
  },
  vatId: v.vatId,
  currency: "EUR",
  timeZone: v.timeZone,
});

const ZONES = ["Europe/Berlin", "Europe/Vienna", "Europe/Zurich", "Europe/Amsterdam", "Europe/Paris", "Europe/London", "Europe/Warsaw", "UTC"];

/** The shop's details: name, legal name, address, VAT id, currency (EUR), time zone. Labels on every input. */
export function ShopFields({ value, onChange, idPrefix }: { value: ShopFieldsValue; onChange(v: ShopFieldsValue): void; idPrefix: string }) {
  const { t } = useMerchantText();
  const field = (key: keyof ShopFieldsValue, label: Parameters<MerchantT>[0], opts: { required?: boolean; maxLength?: number; autoComplete?: string } = {}) => (
    <label class="field">
      <span>{t(label)}</span>
      <input
        required={opts.required ?? true}
        maxLength={opts.maxLength ?? 200}
        autoComplete={opts.autoComplete}
        value={value[key]}
        onInput={(e) => onChange({ ...value, [key]: e.currentTarget.value })}
        data-testid={`${idPrefix}-${key}`}
      />
    </label>
  );
  const zones = ZONES.includes(value.timeZone) ? ZONES : [value.timeZone, ...ZONES];
  return (
    <>
      {field("name", "shop.name", { maxLength: 120, autoComplete: "organization" })}
      {field("legalName", "shop.legalName")}
      {field("line1", "shop.line1", { autoComplete: "address-line1" })}
      {field("line2", "shop.line2", { required: false, autoComplete: "address-line2" })}
      {field("postalCode", "shop.postalCode", { maxLength: 20, autoComplete: "postal-code" })}
      {field("city", "shop.city", { maxLength: 100, autoComplete: "address-level2" })}
      {field("country", "shop.country", { maxLength: 2, autoComplete: "country" })}
      {field("vatId", "shop.vatId", { maxLength: 20 })}
      <label class="field">
        <span>{t("shop.currency")}</span>
        <select value="EUR" disabled data-testid={`${idPrefix}-currency`}>
          <option value="EUR">EUR (€)</option>
        </select>
      </label>
      <label class="field">
        <span>{t("shop.timeZone")}</span>
        <select value={value.timeZone} onChange={(e) => onChange({ ...value, timeZone: e.currentTarget.value })} data-testid={`${idPrefix}-timeZone`}>
          {zones.map((z) => (
            <option value={z}>{z}</option>
          ))}
        </select>
      </label>
    </>
  );
}

export type { ShopView };
