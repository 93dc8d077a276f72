import { createRequire } from "node:module";
import PDFDocument from "pdfkit";
import { describe, expect, it } from "vitest";
import { pdfPageCount, pdfTextRuns, type TextRun } from "../../../test/support/pdf-text.js";
import { type Statement, statementPdf } from "./payouts.js";

const require = createRequire(import.meta.url);
// Intl puts a no-break space between amount and currency sign; compare with plain spaces.
const plain = (runs: TextRun[]) => runs.map((r) => ({ ...r, text: r.text.replace(/\u00a0|\u202f/g, " ") }));

const statement = (lines: number): Statement => ({
  hostAccountId: "acc_host1",
  hostName: "Łucja Győri-Şahin",
  hostLang: null,
  month: "2026-11",
  currency: "EUR",
  opening: { pending: 0, available: 1234, paid: 0 },
  closing: { pending: 100, available: 0, paid: 1234 },
  lines: Array.from({ length: lines }, (_, i) => ({
    at: `2026-11-${String(1 + (i % 28)).padStart(2, "0")}T10:00:00.000Z`,
    kind: i % 2 ? "commission" : "payout",
    orderId: `ord_${i}`,
    showId: null,
    bucket: "available" as const,
    amount: i % 2 ? 1_234_56 : -(700 + 100 * i),
  })),
});

describe("statement PDF", () => {
  it("prints ł, ő, ş and € with an embedded Unicode font, in German", async () => {
    const pdf = await statementPdf(statement(3), "de");
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    const raw = pdf.toString("latin1");
    expect(raw).toMatch(/\/BaseFont \/[A-Z]{6}\+DejaVuSans\b/);
    expect(raw).toContain("/FontFile2");
    expect(raw).not.toMatch(/\/BaseFont \/Helvetica/);
    const texts = plain(pdfTextRuns(pdf)).map((r) => r.text);
    expect(texts).toContain("Showcart · Provisionsabrechnung 2026-11");
    expect(texts).toContain("Host: Łucja Győri-Şahin (acc_host1)");
    expect(texts).toEqual(expect.arrayContaining(["Anfangsbestand", "12,34 €", "1.234,56 €", "-7,00 €", "Auszahlung", "Provision", "verfügbar"]));
    expect(texts.join("\n")).not.toContain("\uFFFD");
  });

  it("reads back an order id drawn with ligatures (DejaVu's fi, ffl), and every glyph after it", async () => {
    const s = statement(2);
    s.lines[0] = { ...s.lines[0]!, orderId: "ord_xfiffl" };
    const texts = plain(pdfTextRuns(await statementPdf(s, "de"))).map((r) => r.text);
    expect(texts).toEqual(expect.arrayContaining(["ord_xfiffl", "Auszahlung", "verfügbar"]));
    expect(texts.join("\n")).not.toContain("\uFFFD");
  });

  it("is in English when asked, with English amounts", async () => {
    const texts = plain(pdfTextRuns(await statementPdf(statement(2), "en"))).map((r) => r.text);
    expect(texts).toEqual(
      expect.arrayContaining(["Showcart · Commission statement 2026-11", "Host: Łucja Győri-Şahin (acc_host1)", "€1,234.56", "-€7.00", "Payout"]),
    );
  });

  it("aligns the table: a row on one baseline, dates flush left, amounts flush right, the header again on every page", async () => {
    const pdf = await statementPdf(statement(80), "de");
    expect(pdfPageCount(pdf)).toBe(2);
    const runs = plain(pdfTextRuns(pdf));
    expect(runs.filter((r) => r.text === "Datum").map((r) => r.page)).toEqual([1, 2]);
    const dates = runs.filter((r) => /^\d\d\.\d\d\.2026$/.test(r.text));
    expect(dates).toHaveLength(80);
    expect(new Set(dates.map((r) => r.x))).toEqual(new Set([50]));
    // Each date's row: the amount and the order id on the same baseline.
    const amounts = dates.map((d) => runs.find((r) => r.page === d.page && r.y === d.y && r.text.endsWith("€"))!);
    expect(amounts.every(Boolean)).toBe(true);
    // Right edges of the amounts (start + width in the same font and size) all at the column's right edge.
    const measure = new PDFDocument({ font: require.resolve("dejavu-fonts-ttf/ttf/DejaVuSans.ttf") }).fontSize(9);
    const rightEdges = amounts.map((a) => Math.round((a.x + measure.widthOfString(a.text)) * 100) / 100);
    expect(new Set(rightEdges).size).toBe(1);
    expect(rightEdges[0]).toBeCloseTo(50 + 80 + 90 + 80 + 95 - 6, 1);
  });
});
