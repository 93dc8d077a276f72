import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { login, request } from "../support/http.js";
import { createBuyer } from "../support/accounts.js";
import { startTestServer, type TestServer } from "../support/server.js";

// Giveaways and polls over HTTP: role rules, zod validation (4xx, never 500), one entry / one vote per account.
describe("giveaway and poll routes", () => {
  let server: TestServer;
  let host: string;
  let buyer: string;
  let buyer2: string;

  beforeAll(async () => {
    server = await startTestServer({ synthetic: false });
    host = await login(server.url, server.demo.hostEmail, server.demo.hostPassword);
    for (const [i, name] of ["games-a@example.com", "games-b@example.com"].entries()) {
      await createBuyer(server, name, "correct horse battery", `Games ${i}`);
    }
    buyer = await login(server.url, "games-a@example.com", "correct horse battery");
    buyer2 = await login(server.url, "games-b@example.com", "correct horse battery");
  }, 120_000);
  afterAll(async () => server?.close());

  it("lets only the show's team run a giveaway and signed-in viewers enter it once", async () => {
    const base = `/api/studio/shows/${server.demo.showId}/giveaways`;
    expect((await request(server.url, "POST", base, { body: { title: "X" } })).status).toBe(401);
    expect((await request(server.url, "POST", base, { body: { title: "X" }, cookie: buyer })).status).toBe(403);
    const bad = await request(server.url, "POST", base, { body: { title: "", winners: 0, allowedCountries: ["germany"] }, cookie: host });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid_body");
    const created = await request(server.url, "POST", base, { body: { title: "Tote bag", allowedCountries: ["DE"], requireAdult: true }, cookie: host });
    expect(created.status).toBe(201);
    const id = created.body.giveaway.id as string;
    expect(created.body.giveaway.commitment).toMatch(/^[0-9a-f]{64}$/);
    expect(created.body.giveaway.seed).toBeNull();

    expect((await request(server.url, "POST", `/api/studio/giveaways/${id}/open`, { cookie: buyer })).status).toBe(403);
    expect((await request(server.url, "POST", `/api/giveaways/${id}/entries`, { body: {}, cookie: buyer })).body.error.code).toBe("giveaway_closed"); // draft
    expect((await request(server.url, "POST", `/api/studio/giveaways/${id}/open`, { cookie: host })).status).toBe(200);

    const entries = `/api/giveaways/${id}/entries`;
    expect((await request(server.url, "POST", entries, { body: {} })).status).toBe(401);
    expect((await request(server.url, "POST", entries, { body: { country: "DE" }, cookie: buyer })).body.error.code).toBe("not_eligible");
    expect((await request(server.url, "POST", entries, { body: { country: "FR", adultConfirmed: true }, cookie: buyer })).body.error.code).toBe("not_eligible");
    expect((await request(server.url, "POST", entries, { body: { country: "DE", adultConfirmed: "yes" }, cookie: buyer })).status).toBe(400);
    const ok = await request(server.url, "POST", entries, { body: { country: "DE", adultConfirmed: true }, cookie: buyer });
    expect(ok.status).toBe(201);
    const again = await request(server.url, "POST", entries, { body: { country: "DE", adultConfirmed: true }, cookie: buyer });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: "already_entered", details: { entryId: ok.body.entry.id } });
    expect((await request(server.url, "POST", entries, { body: { country: "DE", adultConfirmed: true }, cookie: host })).body.error.code).toBe("not_eligible");

    expect((await request(server.url, "GET", `/api/giveaways/${id}/verification`)).body.verification.seed).toBeNull();
    const drawn = await request(server.url, "POST", `/api/studio/giveaways/${id}/draw`, { cookie: host });
    expect(drawn.body.giveaway.winners).toEqual([{ entryId: ok.body.entry.id, name: "Games 0" }]);
    const v = (await request(server.url, "GET", `/api/giveaways/${id}/verification`)).body.verification;
    expect(v).toMatchObject({ entrants: [ok.body.entry.id], winners: [ok.body.entry.id] });
    expect(v.seed).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(v)).not.toContain("games-a@example.com"); // pseudonymous
    const audit = await request(server.url, "GET", `/api/studio/giveaways/${id}/audit`, { cookie: host });
    expect(audit.body.audit.map((r: { type: string }) => r.type)).toEqual(["created", "opened", "entry", "closed", "drawn", "revealed"]);
    expect((await request(server.url, "GET", `/api/studio/giveaways/${id}/audit`, { cookie: buyer })).status).toBe(403);

    const page = await fetch(`${server.url}/verify/giveaway/${id}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app">');
    expect((await request(server.url, "GET", "/api/giveaways/gva_nope/verification")).status).toBe(404);
  }, 120_000);

  it("takes one vote per signed-in account and refuses bad options with 4xx", async () => {
    const base = `/api/studio/shows/${server.demo.showId}/polls`;
    expect((await request(server.url, "POST", base, { body: { question: "Q?", options: [{ label: "A" }] }, cookie: host })).status).toBe(400); // < 2 options
    expect(
      (await request(server.url, "POST", base, { body: { question: "Q?", options: Array.from({ length: 7 }, (_, i) => ({ label: `O${i}` })) }, cookie: host }))
        .status,
    ).toBe(400);
    expect((await request(server.url, "POST", base, { body: { question: "Q?", options: [{ label: "A" }, { label: "B" }] }, cookie: buyer })).status).toBe(403);
    const created = await request(server.url, "POST", base, {
      body: { question: "Red or blue?", options: [{ label: "Red" }, { label: "Blue" }] },
      cookie: host,
    });
    expect(created.status).toBe(201);
    const poll = created.body.poll;
    await request(server.url, "POST", `/api/studio/polls/${poll.id}/open`, { cookie: host });
    const votes = `/api/polls/${poll.id}/votes`;
    expect((await request(server.url, "POST", votes, { body: { optionId: poll.options[0].id } })).status).toBe(401);
    expect((await request(server.url, "POST", votes, { body: { optionId: "pop_nope" }, cookie: buyer })).status).toBe(400);
    expect((await request(server.url, "POST", votes, { body: {}, cookie: buyer })).status).toBe(400);
    expect((await request(server.url, "POST", votes, { body: { optionId: poll.options[1].id }, cookie: buyer })).status).toBe(201);
    expect((await request(server.url, "POST", votes, { body: { optionId: poll.options[0].id }, cookie: buyer })).body.error).toMatchObject({
      code: "already_voted",
      details: { optionId: poll.options[1].id },
    });
    expect((await request(server.url, "POST", votes, { body: { optionId: poll.options[1].id }, cookie: buyer2 })).status).toBe(201);
    const current = await request(server.url, "GET", `/api/shows/${server.demo.slug}/polls/current`);
    expect(current.body.poll.options.map((o: { votes: number }) => o.votes)).toEqual([0, 2]);
    const closed = await request(server.url, "POST", `/api/studio/polls/${poll.id}/close`, { cookie: host });
    expect(closed.body.poll.winnerOptionId).toBe(poll.options[1].id);
    expect((await request(server.url, "POST", votes, { body: { optionId: poll.options[0].id }, cookie: host })).body.error.code).toBe("poll_closed");
  }, 120_000);
});
