import type { z } from "zod";
import { AppError } from "../platform/errors.js";

// Zod at the edge: a failed parse is a 400 with the offending fields in `details`.
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, code: "invalid_body" | "invalid_query" = "invalid_body"): z.infer<S> {
  const res = schema.safeParse(input);
  if (res.success) return res.data;
  const issues = res.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
  const first = issues[0];
  throw new AppError(code, first ? `${first.path || "body"}: ${first.message}` : undefined, issues);
}
