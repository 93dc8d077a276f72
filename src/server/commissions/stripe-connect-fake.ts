import http from "node:http";
import type { AddressInfo } from "node:net";

// Tests only: a local stand-in for the Stripe API's /v1/transfers: records requests, replays by Idempotency-Key, refuses an
// unknown destination like Stripe does (400 resource_missing).
export class FakeTransfersApi {
  readonly requests: { path: string; key: string | undefined; params: URLSearchParams }[] = [];
  readonly #byKey = new Map<string, string>();
  #server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      const params = new URLSearchParams(raw);
      const key = req.headers["idempotency-key"] as string | undefined;
      this.requests.push({ path: req.url ?? "", key, params });
      res.setHeader("content-type", "application/json");
      if (req.method !== "POST" || req.url !== "/v1/transfers")
        return res.writeHead(404).end(JSON.stringify({ error: { type: "invalid_request_error", message: "Unrecognized request URL" } }));
      if (!key)
        return res.writeHead(400).end(JSON.stringify({ error: { type: "invalid_request_error", message: "Idempotency-Key required by this stand-in" } }));
      if (params.get("destination") === "acct_missing000")
        return res
          .writeHead(400)
          .end(JSON.stringify({ error: { type: "invalid_request_error", code: "resource_missing", message: "No such destination: 'acct_missing000'" } }));
      const id = this.#byKey.get(key) ?? `tr_${this.#byKey.size + 1}`;
      this.#byKey.set(key, id);
      res.writeHead(200).end(
        JSON.stringify({
          id,
          object: "transfer",
          amount: Number(params.get("amount")),
          currency: params.get("currency"),
          destination: params.get("destination"),
          transfer_group: params.get("transfer_group"),
        }),
      );
    });
  });
  url = "";
  async start() {
    await new Promise<void>((r) => this.#server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }
  async stop() {
    this.#server.closeAllConnections();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }
}
