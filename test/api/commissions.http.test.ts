import fs from "node:fs";
import WebSocket from "ws";
import { validateXML } from "xmllint-wasm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/server/platform/clock.js";
import { backends } from "../support/db.js";
import { orderBody } from "../support/fixtures.js";
import { login, postOrder, request } from "../support/http.js";
import { pdfTextRuns } from "../support/pdf-text.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { until } from "../support/until.js";

const XSD_03 = fs.readFileSync(new URL("../fixtures/pain.001.001.03.xsd", import.meta.url), "utf8");
// The .09 schema written out for the elements we use (see its top comment; the official file is not in the npm registry).
const XSD_09 = fs.readFileSync(new URL("../fixtures/pain.001.001.09-subset.xsd", import.meta.url), "utf8");
const validatePain = (xml: string, xsd: string) =>
  validateXML({ xml: [{ fileName: "p.xml", contents: xml }], schema: [{ fileName: "pain.xsd", contents: xsd }] });
const DAY = 24 * 3600 * 1000;

describe.each(backends)("commissions and payouts over HTTP on %s", (backend) => {
  let server: TestServer;
  let host: string;
  let merchant: string;
  let offerId: string;
  const clock = new ManualClock("2026-11-02T10:00:00Z");

  beforeAll(async () => {
    server = await startTestServer({ backend, clock, synthetic: false, sweepers: false });
    host = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
    merchant = await login(server.url, server.demo.merchantEmail, server.demo.hostPassword);
    const show = await request(server.url, "GET", "/api/shows/demo");
    offerId = show.body.show.offers.find((o: { pinned: boolean }) => o.pinned).id;
  }, 300_000);
  afterAll(async () => server?.close());

  it("lets the merchant (not the host or a stranger) version rule sets, with validation", async () => {
    expect((await request(server.url, "GET", "/api/admin/commission-rules")).status).toBe(401);
    expect((await request(server.url, "GET", "/api/admin/commission-rules", { cookie: host })).body.error.code).toBe("forbidden");
    expect((await request(server.url, "POST", "/api/admin/commission-rules", { cookie: host, body: { percentBp: 1000 } })).body.error.code).toBe("forbidden");
    const bad = await request(server.url, "POST", "/api/admin/commission-rules", { cookie: merchant, body: { percentBp: 20_000 } });
    expect([bad.status, bad.body.error.code]).toEqual([400, "invalid_body"]);
    expect((await request(server.url, "POST", "/api/admin/commission-rules", { cookie: merchant, body: { overrides: [{ productId: "p" }] } })).status).toBe(
      400,
    );
    const v1 = await request(server.url, "POST", "/api/admin/commission-rules", { cookie: merchant, body: { percentBp: 500 } });
    expect(v1.status).toBe(201);
    expect(v1.body.ruleSet).toMatchObject({ version: 1, rules: { percentBp: 500, fixedPerUnit: 0, returnWindowDays: 14, attributionWindowDays: 7 } });
    const retired = await request(server.url, "DELETE", "/api/admin/commission-rules", { cookie: merchant });
    expect(retired.body.ruleSet).toMatchObject({ version: 2, rules: null });
    const v3 = await request(server.url, "POST", "/api/admin/commission-rules", {
      cookie: merchant,
      body: { percentBp: 1000, fixedPerUnit: 10, payoutMinimum: 100 },
    });
    expect(v3.body.ruleSet.version).toBe(3);
    const list = await request(server.url, "GET", "/api/admin/commission-rules", { cookie: merchant });
    expect(list.body.current.version).toBe(3);
    expect(list.body.versions.map((v: { version: number }) => v.version)).toEqual([3, 2, 1]);
    expect((await request(server.url, "GET", "/api/admin/commission-rules/1", { cookie: merchant })).body.ruleSet.rules.percentBp).toBe(500);
    expect((await request(server.url, "GET", "/api/admin/commission-rules/99", { cookie: merchant })).status).toBe(404);
    const hosts = await request(server.url, "PUT", `/api/admin/shows/${server.demo.showId}/hosts`, {
      cookie: merchant,
      body: { hosts: [{ accountId: "acc_x", shareBp: 5000 }] },
    });
    expect([hosts.status, hosts.body.error.code]).toEqual([400, "invalid_body"]);
  });

  it("attributes an order from the host's share link to the host, under the rule version in force, and shows it in the studio and earnings", async () => {
    const link = await request(server.url, "GET", `/api/studio/shows/${server.demo.showId}/share-link`, { cookie: host });
    expect(link.body.url).toMatch(/\/shows\/demo\?ref=[a-z0-9]{12}$/);
    expect((await request(server.url, "GET", `/api/studio/shows/${server.demo.showId}/share-link`, { cookie: merchant })).body.error.code).toBe("forbidden");
    // Opening the link sets the first-party cookie; a made-up code does not.
    const opened = await fetch(`${server.url}/shows/demo?ref=${link.body.code}`, { redirect: "manual" });
    const cookie = opened.headers.getSetCookie().find((c) => c.startsWith("sc_ref="));
    expect(cookie).toMatch(new RegExp(`^sc_ref=${link.body.code}\\.${clock.now().getTime()}; .*HttpOnly`));
    const bogus = await fetch(`${server.url}/shows/demo?ref=aaaaaaaaaaaa`, { redirect: "manual" });
    expect(bogus.headers.getSetCookie().some((c) => c.startsWith("sc_ref="))).toBe(false);

    clock.advance(3600_000); // an hour later (the demo offer runs two hours); the window itself is tested in ledger.test.ts
    const placed = await request(server.url, "POST", "/api/orders", {
      body: orderBody(offerId, { quantity: 2 }),
      headers: { "idempotency-key": "commission-link-1", cookie: cookie!.split(";")[0]! },
    });
    expect(placed.status).toBe(201);
    const attribution = await server.services.commissions.attributionOf(placed.body.order.id);
    expect(attribution).toMatchObject({ source: "link", refCode: link.body.code, ruleVersion: 3 });
    const o = placed.body.order;
    const expected = Math.floor(((o.total - o.vat) * 1000) / 10_000) + 2 * 10;
    const studio = await request(server.url, "GET", `/api/studio/shows/${server.demo.showId}/earnings`, { cookie: host });
    expect(studio.body).toMatchObject({ pending: expected, currency: "EUR" });
    // The studio's commission figure is the same live pending earnings.
    const studioView = await request(server.url, "GET", `/api/studio/shows/${server.demo.showId}`, { cookie: host });
    expect(studioView.body.stats.commission).toBe(expected);
    const earnings = await request(server.url, "GET", "/api/earnings", { cookie: host });
    expect(earnings.body.balances).toEqual([{ currency: "EUR", pending: expected, available: 0, paid: 0 }]);
    // An order without the cookie goes to the show's host all the same (replay: the demo show is not on air).
    const plain = await postOrder(server.url, orderBody(offerId));
    expect((await server.services.commissions.attributionOf(plain.body.order.id))?.source).toMatch(/^(live|replay)$/);
  });

  it("announces each sale's commission to the studio room only (earnings.updated), never to viewers", async () => {
    const wsBase = server.url.replace("http", "ws");
    const collect = (path: string, headers: Record<string, string> = {}) => {
      const frames: string[] = [];
      const ws = new WebSocket(wsBase + path, { headers });
      ws.on("message", (raw) => frames.push(raw.toString()));
      return { ws, frames, open: new Promise((r) => ws.once("open", r)) };
    };
    const studio = collect(`/ws/studio/${server.demo.showId}`, { cookie: host });
    const viewer = collect(`/ws/shows/${server.demo.showId}`);
    await Promise.all([studio.open, viewer.open]);
    await until("both snapshots", () => studio.frames.some((f) => f.includes('"snapshot"')) && viewer.frames.some((f) => f.includes('"snapshot"')));
    const placed = await postOrder(server.url, orderBody(offerId));
    expect(placed.status).toBe(201);
    const pending = (await request(server.url, "GET", `/api/studio/shows/${server.demo.showId}/earnings`, { cookie: host })).body.pending;
    await until("earnings.updated in the studio", () => studio.frames.some((f) => f.includes('"earnings.updated"') && f.includes(`"pending":${pending}`)));
    // With the same figure by host (the demo show has one host, who has the whole split), named.
    const frame = JSON.parse(studio.frames.find((f) => f.includes('"earnings.updated"') && f.includes(`"pending":${pending}`))!);
    const updated = frame.d.find((e: { t: string }) => e.t === "earnings.updated").d;
    expect(updated.split).toEqual([{ accountId: expect.any(String), displayName: expect.stringMatching(/\S/), shareBp: 10_000, amount: pending }]);
    const studioView = await request(server.url, "GET", `/api/studio/shows/${server.demo.showId}`, { cookie: host });
    expect(studioView.body.stats.commissionSplit).toEqual(updated.split);
    // The public room got the sale's stock change, but not the earnings.
    await until("offer.updated for viewers", () => viewer.frames.some((f) => f.includes('"offer.updated"')));
    expect(viewer.frames.some((f) => f.includes("earnings.updated"))).toBe(false);
    studio.ws.close();
    viewer.ws.close();
  });

  it("pays out available earnings as a SEPA file that validates against the XSD, with statements as CSV and PDF", async () => {
    const badIban = await request(server.url, "PUT", "/api/earnings/payout-account", {
      cookie: host,
      body: { holderName: "Demo Host", iban: "DE89370400440532013001", bic: "COBADEFFXXX" },
    });
    expect([badIban.status, badIban.body.error.code]).toEqual([400, "invalid_body"]);
    // A country the old hand-written IBAN table did not know (North Macedonia): accepted now.
    const mk = await request(server.url, "PUT", "/api/earnings/payout-account", {
      cookie: host,
      body: { holderName: "Demo Host", iban: "MK07 2501 2000 0058 984", bic: "STOBMK2X" },
    });
    expect([mk.status, mk.body.payoutAccount?.iban]).toEqual([200, "MK07…8984"]);
    const saved = await request(server.url, "PUT", "/api/earnings/payout-account", {
      cookie: host,
      body: { holderName: "Demo Höst", iban: "DE89 3704 0044 0532 0130 00", bic: "COBADEFFXXX" },
    });
    expect(saved.body.payoutAccount).toEqual({ holderName: "Demo Höst", iban: "DE89…3000", bic: "COBADEFFXXX", stripeAccountId: null });
    // No bank account for the merchant yet: a SEPA run is refused.
    expect((await request(server.url, "POST", "/api/admin/payouts", { cookie: merchant, body: { method: "sepa" } })).body.error.code).toBe("conflict");
    expect(
      (
        await request(server.url, "PUT", "/api/admin/payout-settings", {
          cookie: merchant,
          body: { debtorName: "Demo Shop", iban: "GB82WEST12345698765432", bic: "NWBKGB2L" },
        })
      ).status,
    ).toBe(200);
    expect((await request(server.url, "POST", "/api/admin/payouts", { cookie: host, body: { method: "sepa" } })).body.error.code).toBe("forbidden");
    // Still pending (inside the return window): nothing to pay.
    expect((await request(server.url, "POST", "/api/admin/payouts", { cookie: merchant, body: { method: "sepa" } })).body.payouts).toEqual([]);
    clock.advance(15 * DAY);
    // The maturity sweeper (every 60 s of real time) may mature them first on a slow run; after this call none is pending.
    await server.services.commissions.matureDue();
    // Sessions are shorter than the return window: sign in again.
    host = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
    merchant = await login(server.url, server.demo.merchantEmail, server.demo.hostPassword);
    const before = (await request(server.url, "GET", "/api/earnings", { cookie: host })).body.balances[0];
    expect(before.pending).toBe(0);
    expect(before.available).toBeGreaterThan(0);
    // The merchant's list names the host, as the host's account does.
    const me = (await request(server.url, "GET", "/api/auth/me", { cookie: host })).body.account;
    expect((await request(server.url, "GET", "/api/admin/payouts", { cookie: merchant })).body.available).toEqual([
      { hostAccountId: me.id, hostName: me.displayName, amount: before.available, currency: "EUR" },
    ]);
    const run = await request(server.url, "POST", "/api/admin/payouts", { cookie: merchant, body: { method: "sepa" } });
    expect(run.status).toBe(201);
    expect(run.body.payouts).toHaveLength(1);
    expect(run.body.payouts[0]).toMatchObject({ amount: before.available, method: "sepa", status: "pending", hostAccountId: me.id, hostName: me.displayName });
    const after = (await request(server.url, "GET", "/api/earnings", { cookie: host })).body;
    expect(after.balances[0]).toMatchObject({ pending: 0, available: 0, paid: before.available });
    expect(after.payouts).toHaveLength(1);

    const painUrl = `${server.url}/api/admin/payouts/batches/${run.body.payouts[0].batchId}/pain.001.xml`;
    const pain = await fetch(painUrl, { headers: { cookie: merchant } });
    expect(pain.headers.get("content-type")).toMatch(/application\/xml/);
    const xml = await pain.text();
    // pain.001.001.09 by default; .03 for this one file with ?version=, or for every file from the payout settings.
    expect(xml).toContain("urn:iso:std:iso:20022:tech:xsd:pain.001.001.09");
    expect((await validatePain(xml, XSD_09)).errors).toEqual([]);
    expect(xml).toContain("<Nm>Demo Hoest</Nm>");
    const xml03 = await (await fetch(`${painUrl}?version=03`, { headers: { cookie: merchant } })).text();
    expect(xml03).toContain("urn:iso:std:iso:20022:tech:xsd:pain.001.001.03");
    expect((await validatePain(xml03, XSD_03)).errors).toEqual([]);
    const badVersion = await request(server.url, "GET", `/api/admin/payouts/batches/${run.body.payouts[0].batchId}/pain.001.xml?version=02`, {
      cookie: merchant,
    });
    expect([badVersion.status, badVersion.body.error.code]).toEqual([400, "invalid_query"]);
    const settings03 = await request(server.url, "PUT", "/api/admin/payout-settings", {
      cookie: merchant,
      body: { debtorName: "Demo Shop", iban: "GB82WEST12345698765432", bic: "NWBKGB2L", painVersion: "pain.001.001.03" },
    });
    expect(settings03.body.settings.painVersion).toBe("pain.001.001.03");
    expect(await (await fetch(painUrl, { headers: { cookie: merchant } })).text()).toContain("urn:iso:std:iso:20022:tech:xsd:pain.001.001.03");
    expect(await (await fetch(`${painUrl}?version=pain.001.001.09`, { headers: { cookie: merchant } })).text()).toContain("pain.001.001.09");
    expect((await request(server.url, "GET", "/api/admin/payouts", { cookie: merchant })).body.payouts[0].status).toBe("sent");
    expect((await fetch(`${server.url}/api/admin/payouts/batches/pob_nope/pain.001.xml`, { headers: { cookie: merchant } })).status).toBe(404);

    const month = "2026-11";
    expect(after.statements).toContain(month);
    const csv = await fetch(`${server.url}/api/earnings/statements/${month}.csv`, { headers: { cookie: host } });
    expect(csv.headers.get("content-type")).toMatch(/text\/csv/);
    const text = await csv.text();
    expect(text.split("\r\n")[0]).toBe("date,kind,order,show,account,amount,currency");
    expect(text).toMatch(/,payout,,,paid,\d+\.\d\d,EUR/);
    const pdfText = async (query: string) => {
      const res = await fetch(`${server.url}/api/earnings/statements/${month}.pdf${query}`, { headers: { cookie: host } });
      expect(res.headers.get("content-type")).toBe("application/pdf");
      return pdfTextRuns(Buffer.from(await res.arrayBuffer())).map((r) => r.text);
    };
    expect(await pdfText("")).toContain(`Showcart · Commission statement ${month}`);
    const de = await pdfText("?lang=de");
    expect(de).toContain(`Showcart · Provisionsabrechnung ${month}`);
    expect(de).toContain("Auszahlung");
    expect(de.some((t) => /^\d+,\d\d\s€$/.test(t))).toBe(true);
    expect((await request(server.url, "GET", `/api/earnings/statements/${month}.pdf?lang=fr`, { cookie: host })).body.error.code).toBe("invalid_query");
    expect((await fetch(`${server.url}/api/earnings/statements/2026-13.pdf`, { headers: { cookie: host } })).status).toBe(400);
    expect((await fetch(`${server.url}/api/earnings/statements/x.exe`, { headers: { cookie: host } })).status).toBe(404);
  });
});
