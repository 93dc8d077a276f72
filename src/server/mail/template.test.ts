import { describe, expect, it } from "vitest";
import { type EmailDraft, orderEmail, orderEmailDraft, renderDraft } from "../orders/emails.js";
import { emailMoney, renderEmail } from "./template.js";

describe("email template", () => {
  it("renders the same content as text and as HTML, with every value escaped", () => {
    const mail = renderEmail("a@example.com", "de", {
      subject: "Bestellung <b>",
      greeting: "Hallo <script>alert(1)</script>,",
      parts: [
        "Zeile 1\nZeile 2 & mehr",
        { rows: [['1 × "Tasse" <groß>', "12,00 €"]] },
        { lines: ["Ana O'Neil", "Hauptstr. 1"] },
        { quote: "Alles Gute!\n<3" },
        { link: "https://shop.example/orders/ord_1#t=a&b", label: "Zur Bestellung" },
      ],
      footer: "Bestellung ord_1",
    });
    expect(mail.subject).toBe("Bestellung <b>");
    expect(mail.text).toBe(
      'Hallo <script>alert(1)</script>,\n\nZeile 1\nZeile 2 & mehr\n\n1 × "Tasse" <groß>: 12,00 €\n\nAna O\'Neil\nHauptstr. 1\n\n> Alles Gute!\n> <3\n\nZur Bestellung:\nhttps://shop.example/orders/ord_1#t=a&b\n\n--\nBestellung ord_1\n',
    );
    expect(mail.html).toContain('<html lang="de">');
    expect(mail.html).toContain("<title>Bestellung &lt;b&gt;</title>");
    expect(mail.html).toContain("Hallo &lt;script&gt;alert(1)&lt;/script&gt;,");
    expect(mail.html).not.toContain("<script>");
    expect(mail.html).toContain("Zeile 1<br>Zeile 2 &amp; mehr");
    expect(mail.html).toContain("1 × &quot;Tasse&quot; &lt;groß&gt;");
    expect(mail.html).toContain("Ana O&#39;Neil<br>Hauptstr. 1");
    expect(mail.html).toContain("Alles Gute!<br>&lt;3</blockquote>");
    expect(mail.html).toContain('href="https://shop.example/orders/ord_1#t=a&amp;b"');
  });

  it("refuses a link that is not http(s)", () => {
    expect(() => renderEmail("a@example.com", "en", { subject: "s", greeting: "g", parts: [{ link: "javascript:alert(1)", label: "x" }] })).toThrow(/http/);
  });

  it("writes money as each language does", () => {
    expect(emailMoney(123456, "EUR", "de").replace(/\s/g, " ")).toBe("1.234,56 €");
    expect(emailMoney(123456, "EUR", "en")).toBe("€1,234.56");
  });
});

describe("order emails", () => {
  const order = {
    id: "ord_abc12345",
    status: "paid",
    offerId: "off_1",
    showId: "shw_1",
    quantity: 2,
    unitPrice: 1500,
    total: 3000,
    currency: "EUR",
    buyer: { name: "Zoë Łukasiewicz", email: "zoe@example.com" },
    shipping: { name: "Ödön Şahin", line1: "Hauptstr. 1", postalCode: "10115", city: "Berlin", country: "DE" },
    createdAt: "2026-11-01T10:00:00Z",
    holdExpiresAt: null,
    gift: { message: "Für dich <3", notifyEmail: "odon@example.com" },
    shipment: { carrier: "DHL", trackingNumber: "123" },
    refundedQuantity: 0,
    refundedAmount: 0,
    vatRateBp: 1900,
    vat: 479,
  } as unknown as Parameters<typeof orderEmail>[1];
  const items = [{ title: "Tasse „Morgen“ & Teller", quantity: 2, amount: 3000 }];

  it("confirms in German, naming the product, with the VAT and the address", () => {
    const mail = orderEmail("confirmation", order, { lang: "de", items, link: "https://shop.example/orders/ord_abc12345#t=x" });
    expect(mail.to).toBe("zoe@example.com");
    expect(mail.subject).toBe("Deine Showcart-Bestellung: Tasse „Morgen“ & Teller");
    expect(mail.text).toContain("Hallo Zoë Łukasiewicz,");
    expect(mail.text.replace(/\u00a0/g, " ")).toContain("2 × Tasse „Morgen“ & Teller: 30,00 €");
    expect(mail.text.replace(/\u00a0/g, " ")).toContain("19 % MwSt. enthalten: 4,79 €");
    expect(mail.text).toContain("Sie ist ein Geschenk und geht an:\n\nÖdön Şahin\nHauptstr. 1\n10115 Berlin\nDE");
    expect(mail.html).toContain("Tasse „Morgen“ &amp; Teller");
    expect(mail.html).toContain('<html lang="de">');
  });

  it("confirms in English by default, and names every line of a bag in the subject", () => {
    const mail = orderEmail("confirmation", order, { items: [...items, { title: "Mug", quantity: 1, amount: 900 }] });
    expect(mail.subject).toBe("Your Showcart order: Tasse „Morgen“ & Teller and 1 more item");
    expect(mail.text).toContain("1 × Mug: €9.00");
    expect(mail.text).toContain("The total includes 19 % VAT: €4.79.");
  });

  it("writes the shipping, refund and gift emails in the order's language", () => {
    expect(orderEmail("shipped", order, { lang: "de", items }).text).toContain("mit DHL verschickt, Sendungsnummer 123");
    expect(orderEmail("refunded", order, { lang: "de", items, amount: 1500 }).text.replace(/\u00a0/g, " ")).toContain("15,00 € auf deine Karte erstattet");
    const gift = orderEmail("gift_notice", order, { lang: "de", items });
    expect(gift.to).toBe("odon@example.com");
    expect(gift.subject).toBe("Ein Geschenk ist unterwegs zu dir");
    expect(gift.text).toContain("> Für dich <3");
    expect(gift.html).toContain("Für dich &lt;3");
    expect(orderEmail("gift_notice", order, { items }).subject).toBe("A present is on its way to you");
  });

  it("lays out a draft after the outbox's JSON round trip into the same bytes as the email rendered at once", () => {
    const link = "https://shop.example/orders/ord_abc12345#t=x";
    for (const kind of ["confirmation", "shipped", "refunded", "gift_notice"] as const) {
      for (const lang of ["de", "en"] as const) {
        const extra = { lang, items, link, amount: 1500 };
        const stored = JSON.parse(JSON.stringify(orderEmailDraft(kind, order, extra))) as EmailDraft;
        expect(renderDraft(stored)).toStrictEqual(orderEmail(kind, order, extra));
      }
    }
  });
});

describe("waitlist emails", () => {
  it("offer the claimed unit in the entry's language", async () => {
    const { claimEmail, alreadyWaitingEmail } = await import("../waitlist/emails.js");
    const de = claimEmail("w@example.com", "Lampe <Ø 30 cm>", 5, "https://shop.example/shows/s/claim", "de");
    expect(de.subject).toBe("Showcart: Lampe <Ø 30 cm> ist für dich da");
    expect(de.text).toContain("für 5 Minuten für dich reserviert");
    expect(de.html).toContain("„Lampe &lt;Ø 30 cm&gt;“");
    expect(claimEmail("w@example.com", "Lamp", 1, "https://shop.example/c", "en").text).toContain("reserved for you for 1 minute.");
    expect(alreadyWaitingEmail("w@example.com", "Lamp", "https://shop.example/e", "de").subject).toBe("Showcart: dein Platz auf der Warteliste für Lamp");
  });
});
