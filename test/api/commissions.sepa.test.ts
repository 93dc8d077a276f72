import fs from "node:fs";
import { validateXML } from "xmllint-wasm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { painXml } from "../../src/server/commissions/sepa.js";
import { StripeConnectTransfers } from "../../src/server/commissions/stripe-connect.js";
import { FakeTransfersApi } from "../../src/server/commissions/stripe-connect-fake.js";

// The official ISO 20022 schema (see the comment at its top for where the copy comes from).
const XSD = fs.readFileSync(new URL("../fixtures/pain.001.001.03.xsd", import.meta.url), "utf8");
const validate = (xml: string) => validateXML({ xml: [{ fileName: "pain.xml", contents: xml }], schema: [{ fileName: "pain.001.001.03.xsd", contents: XSD }] });

const debtor = { name: "Müller & Söhne Shop GmbH", iban: "DE89 3704 0044 0532 0130 00", bic: "COBADEFFXXX" };

describe("SEPA credit transfer file (pain.001.001.03)", () => {
  it("validates against the official XSD with several transfers, odd names and amounts", async () => {
    const xml = painXml({
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
      ],
    });
    const result = await validate(xml);
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
    expect(xml).toContain("<NbOfTxs>2</NbOfTxs>");
    expect(xml).toContain("<CtrlSum>123456.79</CtrlSum>");
    expect(xml).toContain("<Nm>Zoe O'Brien host</Nm>");
    expect(xml).toContain("<IBAN>DE89370400440532013000</IBAN>");
  });

  it("the XSD really checks: a file with a broken BIC and a missing debtor account is refused", async () => {
    const good = painXml({
      messageId: "m",
      createdAt: new Date("2026-12-01T10:00:00Z"),
      executionDate: "2026-12-01",
      debtor,
      transfers: [{ endToEndId: "e", amount: 100, creditorName: "A", iban: "GB82WEST12345698765432", bic: "NWBKGB2L", remittance: "r" }],
    });
    expect((await validate(good)).valid).toBe(true);
    const bad = good.replace("<BIC>NWBKGB2L</BIC>", "<BIC>nwbk</BIC>").replace(/<DbtrAcct>.*?<\/DbtrAcct>/s, "");
    const result = await validate(bad);
    expect(result.valid).toBe(false);
    expect(result.errors.map((e) => e.message).join("\n")).toMatch(/BIC|DbtrAcct|DbtrAgt/);
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
