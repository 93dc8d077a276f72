import fs from "node:fs";
import { validateXML } from "xmllint-wasm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PainVersion } from "../../src/protocol/api.js";
import { isValidBic, isValidIban, painXml } from "../../src/server/commissions/sepa.js";
import { StripeConnectTransfers } from "../../src/server/commissions/stripe-connect.js";
import { FakeTransfersApi } from "../../src/server/commissions/stripe-connect-fake.js";

// .03: the official ISO 20022 schema (see the comment at its top for where the copy comes from). .09: the official file
// is not in the npm registry; the fixture is the ISO definition written out for the elements we use (its top comment
// says how). PAIN_09_XSD=<path> validates the .09 files against a schema file of your own as well (e.g. the ISO or
// EPC original).
const XSD: Record<PainVersion, string> = {
  "pain.001.001.03": fs.readFileSync(new URL("../fixtures/pain.001.001.03.xsd", import.meta.url), "utf8"),
  "pain.001.001.09": fs.readFileSync(new URL("../fixtures/pain.001.001.09-subset.xsd", import.meta.url), "utf8"),
};
const extra09 = process.env.PAIN_09_XSD ? fs.readFileSync(process.env.PAIN_09_XSD, "utf8") : null;
const validateWith = (xml: string, schema: string) =>
  validateXML({ xml: [{ fileName: "pain.xml", contents: xml }], schema: [{ fileName: "pain.xsd", contents: schema }] });
const validate = (xml: string, version: PainVersion) => validateWith(xml, XSD[version]);

const debtor = { name: "Müller & Söhne Shop GmbH", iban: "DE89 3704 0044 0532 0130 00", bic: "COBADEFFXXX" };

const sample = (version?: PainVersion) =>
  painXml(
    {
      messageId: "pob_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8", // longer than 35: cut
      createdAt: new Date("2026-11-30T23:59:59.123Z"),
      executionDate: "2026-12-01",
      debtor,
      transfers: [
        {
          endToEndId: "po_1",
          amount: 1,
          creditorName: "Zoë O'Brien <host>",
          iban: "GB82WEST12345698765432",
          bic: "NWBKGB2L",
          remittance: "Showcart commission po_1",
        },
        {
          endToEndId: "po_2",
          amount: 123_456_78,
          creditorName: "José Ñúñez",
          iban: "FR1420041010050500013M02606",
          bic: "BNPAFRPPXXX",
          remittance: "x".repeat(200),
        },
        // Countries the old hand-written table did not know (Albania, Serbia).
        { endToEndId: "po_3", amount: 250, creditorName: "Łukasz Şahin", iban: "AL47 2121 1009 0000 0002 3569 8741", bic: "NCBAALTX", remittance: "r" },
        { endToEndId: "po_4", amount: 99, creditorName: "Ödön Kovač", iban: "RS35260005601001611379", bic: "AIKBRS22", remittance: "r" },
      ],
    },
    version,
  );

describe("SEPA credit transfer file", () => {
  it("is pain.001.001.09 by default and validates against its schema", async () => {
    const xml = sample();
    expect(xml).toContain('xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"');
    const result = await validate(xml, "pain.001.001.09");
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
    expect(xml).toContain("<ReqdExctnDt><Dt>2026-12-01</Dt></ReqdExctnDt>");
    expect(xml).toContain("<FinInstnId><BICFI>NWBKGB2L</BICFI></FinInstnId>");
    expect(xml).not.toContain("<BIC>");
    expect(xml).toContain("<NbOfTxs>4</NbOfTxs>");
    expect(xml).toContain("<CtrlSum>123460.28</CtrlSum>");
    expect(xml).toContain("<Nm>Zoe O'Brien host</Nm>");
    expect(xml).toContain("<IBAN>AL47212110090000000235698741</IBAN>");
    if (extra09) expect((await validateWith(xml, extra09)).errors).toEqual([]);
  });

  it("is still written as pain.001.001.03 when asked, valid against the official .03 XSD", async () => {
    const xml = sample("pain.001.001.03");
    expect(xml).toContain('xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"');
    const result = await validate(xml, "pain.001.001.03");
    expect(result.errors).toEqual([]);
    expect(xml).toContain("<ReqdExctnDt>2026-12-01</ReqdExctnDt>");
    expect(xml).toContain("<BIC>NWBKGB2L</BIC>");
    // The two versions are not interchangeable: each fails the other's schema.
    expect((await validate(xml, "pain.001.001.09")).valid).toBe(false);
    expect((await validate(sample(), "pain.001.001.03")).valid).toBe(false);
  });

  it.each(["pain.001.001.09", "pain.001.001.03"] as const)(
    "the %s schema really checks: a broken BIC and a missing debtor account are refused",
    async (version) => {
      const good = painXml(
        {
          messageId: "m",
          createdAt: new Date("2026-12-01T10:00:00Z"),
          executionDate: "2026-12-01",
          debtor,
          transfers: [{ endToEndId: "e", amount: 100, creditorName: "A", iban: "GB82WEST12345698765432", bic: "NWBKGB2L", remittance: "r" }],
        },
        version,
      );
      expect((await validate(good, version)).valid).toBe(true);
      const bad = good.replace(/(<BIC(?:FI)?>)NWBKGB2L/, "$1nwbk").replace(/<DbtrAcct>.*?<\/DbtrAcct>/s, "");
      const result = await validate(bad, version);
      expect(result.valid).toBe(false);
      expect(result.errors.map((e) => e.message).join("\n")).toMatch(/BIC|DbtrAcct|DbtrAgt/);
    },
  );
});

describe("IBAN and BIC checks (ibantools)", () => {
  it.each([
    ["AL", "AL47212110090000000235698741"],
    ["MD", "MD24AG000225100013104168"],
    ["ME", "ME25505000012345678951"],
    ["MK", "MK07250120000058984"],
    ["RS", "RS35260005601001611379"],
    ["DE", "DE89 3704 0044 0532 0130 00"],
    ["NO", "no93 8601 1117 947"],
  ])("accepts a valid %s IBAN", (_country, iban) => {
    expect(isValidIban(iban)).toBe(true);
  });

  it.each([
    ["a wrong check digit", "RS36260005601001611379"],
    ["a wrong length", "MK0725012000005898"],
    ["an unknown country", "XX89370400440532013000"],
    ["letters where the country has digits", "DE89370400440532O13000"],
    ["garbage", "hello"],
  ])("refuses an IBAN with %s", (_what, iban) => {
    expect(isValidIban(iban)).toBe(false);
  });

  it("checks BICs: shape and a known country", () => {
    expect(isValidBic("COBADEFFXXX")).toBe(true);
    expect(isValidBic("aikb rs 22")).toBe(true);
    expect(isValidBic("COBAXXFF")).toBe(false);
    expect(isValidBic("COBADEF")).toBe(false);
    expect(isValidBic("COBA-DEFF")).toBe(false);
  });
});

describe("Stripe Connect transfers", () => {
  let api: FakeTransfersApi;
  beforeAll(async () => {
    api = await new FakeTransfersApi().start();
  });
  afterAll(async () => api?.stop());

  it("sends one transfer per payout under the payout's idempotency key, and reports a refusal", async () => {
    const stripe = new StripeConnectTransfers({ secretKey: "sk_test_123", apiBase: api.url, timeoutMs: 10_000 });
    const req = { payoutId: "po_abc", amount: 4321, currency: "EUR", destination: "acct_1Host000001", description: "payout" };
    const first = await stripe.transfer(req);
    const again = await stripe.transfer(req);
    expect(first).toEqual({ ok: true, ref: "tr_1" });
    expect(again).toEqual(first);
    const sent = api.requests.filter((r) => r.path === "/v1/transfers");
    expect(sent[0]!.key).toBe("payout:po_abc");
    expect(Object.fromEntries(sent[0]!.params)).toMatchObject({
      amount: "4321",
      currency: "eur",
      destination: "acct_1Host000001",
      transfer_group: "po_abc",
      "metadata[payout_id]": "po_abc",
    });
    expect(await stripe.transfer({ ...req, payoutId: "po_x", destination: "acct_missing000" })).toEqual({
      ok: false,
      reason: "No such destination: 'acct_missing000'",
    });
  });
});
