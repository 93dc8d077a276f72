import { beforeAll, describe, expect, it, vi } from "vitest";
import { errorCodes } from "../../protocol/errors.js";

let errors: typeof import("./apiErrors.js");
let client: typeof import("../platform/apiClient.js");

beforeAll(async () => {
  // lang.ts reads the browser's language and storage when loaded.
  vi.stubGlobal("document", { documentElement: {} });
  vi.stubGlobal("localStorage", { getItem: () => null, setItem: () => undefined });
  vi.stubGlobal("navigator", { languages: ["de-DE"], language: "de-DE" });
  [errors, client] = await Promise.all([import("./apiErrors.js"), import("../platform/apiClient.js")]);
});

describe("errorText: what a page says when the API refused", () => {
  it("has a German text of its own for every code the API answers with", () => {
    for (const code of Object.keys(errorCodes) as (keyof typeof errorCodes)[]) {
      const de = errors.errorCodeText(code, "de");
      expect(de, code).toMatch(/\S/);
      expect(de, code).not.toBe(errorCodes[code].message);
      expect(errors.errorCodeText(code, "en"), code).toBe(errorCodes[code].message);
    }
  });

  it("says the server's own message on an English page", () => {
    const err = new client.ApiError(400, "invalid_body", "iban: not a valid IBAN (length or check digits)");
    expect(errors.errorText(err, "en")).toBe("iban: not a valid IBAN (length or check digits)");
  });

  it("says the code's German text on a German page, and the server's specifics after it", () => {
    expect(errors.errorText(new client.ApiError(409, "sold_out", errorCodes.sold_out.message), "de")).toBe("Ausverkauft.");
    expect(errors.errorText(new client.ApiError(400, "invalid_body", "bic: not a valid BIC"), "de")).toBe(
      "Die Eingabe ist nicht gültig. (bic: not a valid BIC)",
    );
  });

  it("says how long to wait when a limit answered with retryAfterMs", () => {
    const err = new client.ApiError(429, "rate_limited", "Too many requests; try again in 90 s.", { retryAfterMs: 89_200 });
    expect(errors.errorText(err, "de")).toBe("Zu viele Anfragen: Versuche es in 90 s erneut.");
    expect(errors.errorText(err, "en")).toBe("Too many requests; try again in 90 s.");
  });

  it("says the network text when no answer came, and the fallback or the common text for anything else", () => {
    expect(errors.errorText(new client.NetworkError("fetch failed"), "de")).toMatch(/^Netzwerkproblem/);
    expect(errors.errorText(new TypeError("x is undefined"), "de")).toMatch(/^Etwas ist schiefgelaufen/);
    expect(errors.errorText(new TypeError("x is undefined"), "en", "Could not save.")).toBe("Could not save.");
  });

  it("takes a realtime refusal frame ({ code, message }) the same way", () => {
    expect(errors.refusalText({ code: "already_publishing", message: errorCodes.already_publishing.message }, "de")).toMatch(/^Diese Show wird schon gesendet/);
  });
});
