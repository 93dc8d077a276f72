import { z } from "zod";
import { type ErrorCode, errorCodes } from "../../../protocol/errors.js";
import { type Access, type RouteDoc, routeCatalogue } from "./catalogue.js";

type JsonSchema = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: "3.1.0";
  info: { title: string; version: string; description: string; license: { name: string; identifier: string } };
  tags: { name: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema>; responses: Record<string, unknown> };
}

export interface Operation {
  operationId: string;
  summary: string;
  tags: string[];
  "x-access": Access;
  "x-only-with"?: string;
  parameters?: { name: string; in: "path" | "query"; required: boolean; schema: JsonSchema; description?: string }[];
  requestBody?: { required: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, unknown>;
}

/** Fastify's route pattern as an OpenAPI path: `:id` → `{id}`, the wildcard `*` → `{wildcard}`. */
export const openApiPath = (url: string) => url.replace(/:(\w+)/g, "{$1}").replace(/\*$/, "{wildcard}");

// The 4xx answers an access rule can give, besides what the route itself refuses.
const accessErrors: Record<Access, ErrorCode[]> = {
  public: [],
  "signed-in": ["unauthenticated"],
  staff: ["unauthenticated", "forbidden"],
  admin: ["unauthenticated", "forbidden"],
  host: ["unauthenticated", "forbidden"],
  "host-or-stream-key": ["unauthenticated", "forbidden"],
  order: ["order_access_denied"],
  "waitlist-entry": ["waitlist_access_denied"],
  "push-subscription": ["push_access_denied"],
  "link-token": ["unsubscribe_link_invalid"],
  "stripe-signature": ["invalid_signature"],
  "stage-token": ["stage_token_invalid"],
  "metrics-token": [],
};

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) of what a client sends: transforms and defaults seen from the input side. */
const inputSchema = (schema: z.ZodType): JsonSchema => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any", target: "draft-2020-12" }) as JsonSchema;
  return rest;
};

const queryParameters = (schema: z.ZodType): NonNullable<Operation["parameters"]> => {
  const json = inputSchema(schema);
  const props = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(props).map(([name, s]) => ({ name, in: "query" as const, required: required.has(name), schema: s }));
};

const errorResponse = (codes: ErrorCode[]) => {
  const statuses = new Map<number, ErrorCode[]>();
  for (const code of codes) statuses.set(errorCodes[code].status, [...(statuses.get(errorCodes[code].status) ?? []), code]);
  const out: Record<string, unknown> = {};
  for (const [status, list] of [...statuses].sort((a, b) => a[0] - b[0])) {
    out[String(status)] = {
      description: list.map((c) => `\`${c}\`: ${errorCodes[c].message}`).join(" "),
      content: { "application/json": { schema: { $ref: "#/components/schemas/Error" }, examples: examplesOf(list) } },
    };
  }
  return out;
};

const examplesOf = (codes: ErrorCode[]) => Object.fromEntries(codes.map((code) => [code, { value: { error: { code, message: errorCodes[code].message } } }]));

function operation(method: string, url: string, doc: RouteDoc): Operation {
  const params = [...url.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1]!, in: "path" as const, required: true, schema: { type: "string" } }));
  if (url.endsWith("*")) params.push({ name: "wildcard", in: "path", required: true, schema: { type: "string" } });
  const parameters = [...params, ...(doc.query ? queryParameters(doc.query) : [])];
  const codes: ErrorCode[] = [];
  if (doc.body) codes.push("invalid_body", "invalid_json");
  codes.push(...(doc.errors ?? []));
  if (doc.query) codes.push("invalid_query");
  codes.push(...accessErrors[doc.access]);
  if (params.length > 0) codes.push("not_found");
  if (method === "POST" || method === "PUT" || method === "PATCH") codes.push("body_too_large", "unsupported_media_type");
  const json = !doc.produces || doc.produces === "application/json";
  const ok = doc.produces === "WebSocket" ? "101" : "200";
  return {
    operationId: `${method.toLowerCase()} ${url}`,
    summary: doc.summary,
    tags: [doc.tag],
    "x-access": doc.access,
    ...(doc.onlyWith ? { "x-only-with": doc.onlyWith } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(doc.body ? { requestBody: { required: true, content: { "application/json": { schema: inputSchema(doc.body) } } } } : {}),
    ...(doc.consumes ? { requestBody: { required: true, content: { [doc.consumes]: { schema: { type: "string" } } } } } : {}),
    responses: {
      [ok]: {
        description: doc.produces === "WebSocket" ? "Switching to the WebSocket protocol" : "Success (201 where a resource is created)",
        ...(doc.produces === "WebSocket" ? {} : { content: { [json ? "application/json" : doc.produces!.split(",")[0]!.trim()]: {} } }),
      },
      ...errorResponse([...new Set(codes)]),
      "500": { $ref: "#/components/responses/Internal" },
    },
  };
}

/** The whole document, built from the route catalogue and the protocol's zod schemas and error codes. */
export function buildOpenApiDocument(version: string): OpenApiDocument {
  const paths: OpenApiDocument["paths"] = {};
  const tags = new Set<string>();
  for (const [key, doc] of Object.entries(routeCatalogue)) {
    const [method, url] = key.split(" ") as [string, string];
    const p = openApiPath(url);
    paths[p] ??= {};
    paths[p][method.toLowerCase()] = operation(method, url, doc);
    tags.add(doc.tag);
  }
  const codes = Object.keys(errorCodes) as ErrorCode[];
  return {
    openapi: "3.1.0",
    info: {
      title: "Showcart API",
      version,
      description:
        "Every route the server registers, generated from the zod schemas in src/protocol (request bodies and queries) and " +
        "src/protocol/errors.ts (error codes). Every GET also answers HEAD. Answers are JSON unless an operation says otherwise; " +
        "the views they carry are described in docs/api.md (no response has a zod schema yet). Errors are always " +
        "{ error: { code, message, details? } }. x-access names the access rule a route obeys; x-only-with the setting a route needs.",
      license: { name: "MIT", identifier: "MIT" },
    },
    tags: [...tags].map((name) => ({ name })),
    paths,
    components: {
      schemas: {
        Error: {
          type: "object",
          required: ["error"],
          properties: {
            error: {
              type: "object",
              required: ["code", "message"],
              properties: {
                code: { type: "string", enum: codes },
                message: { type: "string" },
                details: { description: "What failed, e.g. the invalid fields of a body: [{ path, message }]" },
              },
            },
          },
        },
      },
      responses: {
        Internal: {
          description: "`internal`: a bug, logged with the request id (`unavailable`, `payment_pending`: 503)",
          content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
        },
      },
    },
  };
}
