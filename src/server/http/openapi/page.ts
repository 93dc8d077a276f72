import { createHash } from "node:crypto";
import type { OpenApiDocument, Operation } from "./document.js";

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const accessText: Record<Operation["x-access"], string> = {
  public: "anyone",
  "signed-in": "a signed-in account",
  staff: "the shop's owner or staff, or a platform admin (?merchantId=)",
  admin: "a platform admin",
  host: "whoever manages the show (host, co-host, the shop's staff, an admin)",
  "host-or-stream-key": "whoever manages the show, or the show's stream key (Authorization: Bearer)",
  order: "the order's link (access token), the buyer's sign-in or the shop's staff",
  "waitlist-entry": "the entry's token or the sign-in that joined",
  "push-subscription": "the sign-in that made it or its token",
  "link-token": "the token from the email",
  "stripe-signature": "Stripe (Stripe-Signature header)",
  "stage-token": "a stage participant (Authorization: Bearer <stage token>)",
  "metrics-token": "Authorization: Bearer METRICS_TOKEN",
};

// Black on white and a dark blue for links: well above WCAG AA contrast. No script, no external files.
const STYLE = `body{font:16px/1.5 system-ui,sans-serif;color:#1a1a1a;background:#fff;margin:0 auto;max-width:60rem;padding:1rem}
a{color:#0b4f9c}code,pre{font-family:ui-monospace,monospace;font-size:.9rem}pre{background:#f3f3f3;padding:.5rem;overflow:auto;max-height:20rem}
nav ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;padding:0}section.op{border-top:1px solid #ccc;padding:.5rem 0}
h3{font-size:1.05rem;margin:.25rem 0}.m{display:inline-block;min-width:4.2rem;font-weight:700}table{border-collapse:collapse}
th,td{text-align:left;padding:.1rem .6rem .1rem 0;vertical-align:top}details summary{cursor:pointer}`;

function operationHtml(method: string, path: string, op: Operation): string {
  const params = op.parameters ?? [];
  const errors = Object.entries(op.responses)
    .filter(([status]) => /^4/.test(status))
    .flatMap(([status, r]) =>
      Object.keys(((r as { content?: Record<string, { examples?: object }> }).content?.["application/json"]?.examples ?? {}) as object).map(
        (c) => `${status} <code>${esc(c)}</code>`,
      ),
    );
  const body = op.requestBody?.content["application/json"]?.schema;
  return `<section class="op" id="${esc(op.operationId.replace(/[^\w]+/g, "-"))}">
<h3><span class="m">${method.toUpperCase()}</span> <code>${esc(path)}</code></h3>
<p>${esc(op.summary)}. Who: ${esc(accessText[op["x-access"]])}.${op["x-only-with"] ? ` Only with ${esc(op["x-only-with"])}.` : ""}</p>
${
  params.length > 0
    ? `<table><caption>Parameters</caption><thead><tr><th scope="col">name</th><th scope="col">in</th><th scope="col">required</th><th scope="col">schema</th></tr></thead><tbody>${params
        .map(
          (p) =>
            `<tr><td><code>${esc(p.name)}</code></td><td>${p.in}</td><td>${p.required ? "yes" : "no"}</td><td><code>${esc(JSON.stringify(p.schema))}</code></td></tr>`,
        )
        .join("")}</tbody></table>`
    : ""
}
${body ? `<details><summary>Request body (JSON Schema)</summary><pre tabindex="0">${esc(JSON.stringify(body, null, 2))}</pre></details>` : ""}
${errors.length > 0 ? `<p>Errors: ${errors.join(", ")}.</p>` : ""}
</section>`;
}

/** The document as one readable HTML page (our own: no script, no CDN, so it works offline). */
export function referencePage(doc: OpenApiDocument): { html: string; styleHash: string } {
  const byTag = new Map<string, string[]>();
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const tag = op.tags[0]!;
      byTag.set(tag, [...(byTag.get(tag) ?? []), operationHtml(method, path, op)]);
    }
  }
  const errorRows = (doc.components.schemas.Error as { properties: { error: { properties: { code: { enum: string[] } } } } }).properties.error.properties.code
    .enum;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(doc.info.title)} ${esc(doc.info.version)}: reference</title><style>${STYLE}</style></head>
<body><header><h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1>
<p>${esc(doc.info.description)}</p>
<p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI ${esc(doc.openapi)}). Rules, events and the meaning of each error code: docs/api.md.</p>
<nav aria-label="Areas"><ul>${[...byTag.keys()].map((t) => `<li><a href="#tag-${esc(t)}">${esc(t)}</a></li>`).join("")}<li><a href="#errors">error codes</a></li></ul></nav></header>
<main>${[...byTag]
    .map(([tag, ops]) => `<section aria-labelledby="tag-${esc(tag)}"><h2 id="tag-${esc(tag)}">${esc(tag)}</h2>${ops.join("\n")}</section>`)
    .join("\n")}
<section aria-labelledby="errors"><h2 id="errors">Error codes</h2><p>Every error answers <code>{ "error": { "code", "message", "details"? } }</code> with one of: ${errorRows
    .map((c) => `<code>${esc(c)}</code>`)
    .join(", ")}.</p></section></main></body></html>`;
  return { html, styleHash: createHash("sha256").update(STYLE).digest("base64") };
}
