import fs from "node:fs";
import path from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import type { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as api from "../../src/protocol/api.js";
import * as embed from "../../src/protocol/embed.js";
import { errorCodes } from "../../src/protocol/errors.js";
import * as webhooks from "../../src/protocol/webhooks.js";
import { routeCatalogue } from "../../src/server/http/openapi/catalogue.js";
import { openApiPath, type OpenApiDocument } from "../../src/server/http/openapi/document.js";
import { backends } from "../support/db.js";
import { request } from "../support/http.js";
import { startTestServer, type TestServer } from "../support/server.js";

// The routes that exist only with a setting are turned on, so the sweep sees every route the server can have; with
// PostgreSQL the server also runs on Redis (REDIS_URL), the multi-node set-up, in case a route depends on it.
const everyRouteEnv = (backend: string): Record<string, string> => ({
  DEV_MAILBOX: "1",
  METRICS_TOKEN: "openapi-test-metrics-token",
  PAYMENT_PROVIDER: "stripe",
  STRIPE_SECRET_KEY: "sk_test_openapi",
  STRIPE_WEBHOOK_SECRET: "whsec_openapi",
  ...(backend === "postgres" && process.env.TEST_REDIS_URL ? { REDIS_URL: process.env.TEST_REDIS_URL } : {}),
});

describe.each(backends)("the OpenAPI document on %s", (backend) => {
  let server: TestServer;
  let doc: OpenApiDocument;

  beforeAll(async () => {
    server = await startTestServer({ backend, demo: false, synthetic: false, sweepers: false, env: everyRouteEnv(backend) });
    const res = await request<OpenApiDocument>(server.url, "GET", "/api/openapi.json");
    expect(res.status).toBe(200);
    doc = res.body;
  }, 240_000);
  afterAll(async () => server?.close());

  it("describes every registered route, and no route that is not registered", () => {
    // Fastify answers HEAD for every GET by itself; the document says so once instead of listing each twin.
    const registered = new Set(server.app.routeList.map((r) => `${r.method} ${r.url}`));
    const routes = [...registered].filter((r) => !(r.startsWith("HEAD ") && registered.has(`GET ${r.slice(5)}`)));
    expect(routes.length).toBeGreaterThan(200);
    const documented = new Set(Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)));
    const missing = routes.filter((r) => {
      const [method, url] = r.split(" ") as [string, string];
      return !documented.has(`${method} ${openApiPath(url)}`);
    });
    expect(missing).toEqual([]);
    const registeredAsOpenApi = new Set(routes.map((r) => `${r.split(" ")[0]} ${openApiPath(r.split(" ")[1]!)}`));
    expect([...documented].filter((op) => !registeredAsOpenApi.has(op))).toEqual([]);
  });

  it("is a valid OpenAPI 3.1 document (the OpenAPI Initiative's schema) with a path parameter for every :param of a route", async () => {
    expect(doc.openapi).toBe("3.1.0");
    const result = await new Validator().validate(doc as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.info.license.identifier).toBe("MIT");
    for (const [p, ops] of Object.entries(doc.paths)) {
      const names = [...p.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      for (const op of Object.values(ops)) {
        expect(
          (op.parameters ?? [])
            .filter((x) => x.in === "path")
            .map((x) => x.name)
            .sort(),
          `${op.operationId}`,
        ).toEqual(names);
        expect(op.summary.length, op.operationId).toBeGreaterThan(2);
      }
    }
  });

  it("answers errors in the { error: { code, message } } shape with the codes and statuses of src/protocol/errors.ts", () => {
    const shape = doc.components.schemas.Error as { properties: { error: { required: string[]; properties: { code: { enum: string[] } } } } };
    expect(shape.properties.error.required).toEqual(["code", "message"]);
    expect(shape.properties.error.properties.code.enum).toEqual(Object.keys(errorCodes));
    let checked = 0;
    for (const ops of Object.values(doc.paths)) {
      for (const op of Object.values(ops)) {
        for (const [status, res] of Object.entries(op.responses)) {
          if (!/^[45]\d\d$/.test(status) || status === "500") continue;
          const json = (res as { content: Record<string, { schema: { $ref: string }; examples: Record<string, { value: { error: { code: string } } }> }> })
            .content["application/json"]!;
          expect(json.schema.$ref).toBe("#/components/schemas/Error");
          for (const [code, example] of Object.entries(json.examples)) {
            expect(errorCodes[code as keyof typeof errorCodes]?.status, `${op.operationId} ${code}`).toBe(Number(status));
            expect(example.value.error.code).toBe(code);
            checked++;
          }
        }
        expect(op.responses["500"]).toEqual({ $ref: "#/components/responses/Internal" });
      }
    }
    expect(checked).toBeGreaterThan(300);
  });

  it("is public and cached: ETag and Cache-Control, 304 when unchanged", async () => {
    const first = await request(server.url, "GET", "/api/openapi.json");
    expect(first.headers.get("content-type")).toMatch(/^application\/json/);
    expect(first.headers.get("cache-control")).toBe("public, max-age=300");
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await fetch(`${server.url}/api/openapi.json`, { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
  });

  it("serves a reference page naming every documented path, with no script and nothing from another origin", async () => {
    const res = await fetch(`${server.url}/api/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
    const html = await res.text();
    for (const p of Object.keys(doc.paths)) expect(html, p).toContain(`<code>${p.replace(/&/g, "&amp;")}</code>`);
    expect(html).not.toMatch(/<script|https?:\/\/(?!localhost)/);
  });
});

describe("the route catalogue's bodies and queries", () => {
  const protocol: Record<string, unknown> = { ...api, ...embed, ...webhooks };
  const sources = fs
    .readdirSync("src/server", { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
    .map((f) => ({ file: f, src: fs.readFileSync(path.join("src/server", f), "utf8") }));

  // Every zod schema a handler parses a body or query with (parseWith(schema, req.body | req.query | body | raw)),
  // read from the source: each one must be the body or query of some documented operation.
  it("include every protocol schema a route handler parses a body or query with", () => {
    const parsed = new Set<string>();
    for (const { src } of sources) {
      for (const m of src.matchAll(/parseWith\(\s*(\w+)\s*,\s*(req\.body|req\.query|body|raw)\b/g)) parsed.add(m[1]!);
    }
    const fromProtocol = [...parsed].filter((name) => name in protocol);
    expect(fromProtocol.length).toBeGreaterThan(60);
    const documented = new Set<z.ZodType>(Object.values(routeCatalogue).flatMap((r) => [r.body, r.query].filter((s): s is z.ZodType => !!s)));
    expect(fromProtocol.filter((name) => !documented.has(protocol[name] as z.ZodType))).toEqual([]);
  });

  // Where a route is declared with a literal path (app.post("/api/…", …)), the schema its handler parses req.body or
  // req.query with is the one the catalogue names for that route. The handler ends at the first later line indented no
  // deeper than its declaration. Routes declared from templates (games, chat, simulcast) are left to the check above.
  it("name, for each route declared with a literal path, the schema its handler parses", () => {
    const wrong: string[] = [];
    let checked = 0;
    for (const { file, src } of sources) {
      for (const m of src.matchAll(/\b(?:app|scope)\.(get|post|put|patch|delete)(?:<[^>]*>)?\(\s*"([^"]+)"/g)) {
        const key = `${m[1]!.toUpperCase()} ${m[2]}`;
        const lineStart = src.lastIndexOf("\n", m.index) + 1;
        const indent = /^ */.exec(src.slice(lineStart))![0].length;
        const rest = src.slice(m.index);
        const end = new RegExp(`\\n {0,${indent}}\\S`).exec(rest);
        const handler = rest.slice(0, end ? end.index + end[0].length : rest.length);
        for (const p of handler.matchAll(/parseWith\(\s*(\w+)\s*,\s*req\.(body|query)\b/g)) {
          const schema = protocol[p[1]!];
          if (!schema) continue;
          checked++;
          const doc = routeCatalogue[key];
          if ((p[2] === "body" ? doc?.body : doc?.query) !== schema) wrong.push(`${key}: ${p[2]} ${p[1]} (${file})`);
        }
      }
    }
    expect(checked).toBeGreaterThan(50);
    expect(wrong).toEqual([]);
  });
});
