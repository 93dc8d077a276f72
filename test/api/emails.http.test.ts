import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredMail } from "../../src/server/mail/index.js";
import { mailedToken } from "../support/accounts.js";
import { backends } from "../support/db.js";
import { orderBody } from "../support/fixtures.js";
import { login, postOrder, request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";

// Emails in the recipient's language, each with a text and an HTML part: the language travels with the order (the
// checkout's page), the sign-up, the invite, and is kept on the account for later emails (password resets).
describe.each(backends)("emails in the buyer's and the host's language on %s", (backend) => {
  let server: TestServer;
  let offerId: string;
  let offerTitle: string;

  async function mailTo(to: string, match: (m: StoredMail) => boolean = () => true): Promise<StoredMail> {
    for (let i = 0; i < 100; i++) {
      await server.services.outbox.processDue();
      const mail = (server.services.mailer.list?.() ?? []).find((m) => m.to === to && match(m));
      if (mail) return mail;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no mail for ${to}`);
  }

  beforeAll(async () => {
    server = await startTestServer({ synthetic: false, backend, env: { DEV_MAILBOX: "1" } });
    const show = await request(server.url, "GET", "/api/shows/demo");
    const offer = show.body.show.offers.find((o: { pinned: boolean }) => o.pinned);
    offerId = offer.id;
    offerTitle = offer.title;
  }, 300_000);
  afterAll(async () => server?.close());

  it("confirms an order in the checkout's language, naming the product, as text and HTML", async () => {
    const de = await postOrder(server.url, { ...orderBody(offerId, { buyer: { name: "Łucja Şahin", email: "lucja@example.com" } }), lang: "de" });
    expect(de.status).toBe(201);
    const mail = await mailTo("lucja@example.com");
    expect(mail.subject).toBe(`Deine Showcart-Bestellung: ${offerTitle}`);
    expect(mail.text).toContain("Hallo Łucja Şahin,");
    expect(mail.text).toContain(`1 × ${offerTitle}`);
    expect(mail.text).toContain(`/orders/${de.body.order.id}#t=${de.body.accessToken}`);
    expect(mail.html).toContain('<html lang="de">');
    expect(mail.html).toContain("Zu deiner Bestellung</a>");

    await postOrder(server.url, orderBody(offerId, { buyer: { name: "Ann", email: "ann@example.com" } }));
    const en = await mailTo("ann@example.com");
    expect(en.subject).toBe(`Your Showcart order: ${offerTitle}`);
    expect(en.html).toContain('<html lang="en">');

    const bad = await postOrder(server.url, { ...orderBody(offerId), lang: "fr" });
    expect([bad.status, bad.body.error.code]).toEqual([400, "invalid_body"]);
  });

  it("keeps the sign-up's language on the account: a later password reset is in it, whatever page asks", async () => {
    const signup = await request(server.url, "POST", "/api/auth/signup", {
      body: { email: "greta@example.com", password: "correct horse battery", displayName: "Greta", lang: "de" },
    });
    expect(signup.status).toBe(202);
    const confirmMail = await mailTo("greta@example.com");
    expect(confirmMail.subject).toBe("Showcart: E-Mail-Adresse bestätigen");
    expect(confirmMail.html).toContain("Bestätigen und Konto anlegen</a>");
    const token = await mailedToken(server, "greta@example.com", "confirm-signup");
    expect((await request(server.url, "POST", "/api/auth/signup/confirm", { body: { token } })).status).toBe(201);
    await request(server.url, "POST", "/api/auth/password-reset", { body: { email: "greta@example.com", lang: "en" } });
    const reset = await mailTo("greta@example.com", (m) => m.text.includes("reset-password#token="));
    expect(reset.subject).toBe("Showcart: Passwort zurücksetzen");
    expect(reset.html).toContain('<html lang="de">');
  });

  it("writes an invite in the language it was sent in, and the account it creates keeps it", async () => {
    const owner = await login(server.url, server.demo.merchantEmail, server.demo.hostPassword);
    const sent = await request(server.url, "POST", "/api/admin/invites", { cookie: owner, body: { email: "kai@example.com", role: "host", lang: "de" } });
    expect(sent.status).toBe(201);
    const invite = await mailTo("kai@example.com");
    expect(invite.subject).toMatch(/ lädt dich zu Showcart ein$/);
    expect(invite.text).toContain("als Host");
    expect(invite.html).toContain("Einladung annehmen</a>");
    const token = /#token=([A-Za-z0-9_-]+)/.exec(invite.text)![1]!;
    expect((await request(server.url, "POST", "/api/auth/accept-invite", { body: { token, password: "host password 1", displayName: "Kai" } })).status).toBe(
      201,
    );
    await request(server.url, "POST", "/api/auth/password-reset", { body: { email: "kai@example.com" } });
    expect((await mailTo("kai@example.com", (m) => m.text.includes("reset-password#token="))).subject).toBe("Showcart: Passwort zurücksetzen");
  });
});
