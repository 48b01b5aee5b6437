import { z } from "@hono/zod-openapi";
import { ApiError } from "./errors";
import { hasControlCharacters, isStorableText } from "./storable";

/** Renders zod issues as one message that names the fields. */
export function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  const lines = issues.map((i) => `${i.path.map(String).join(".") || "body"}: ${i.message}`);
  return [...new Set(lines)].slice(0, 5).join("; ");
}

/** The value as `schema` reads it, or 400 `invalid_request` naming the fields. */
export function validated<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new ApiError("invalid_request", describeIssues(r.error.issues));
}

/**
 * An email address as the API accepts one. Control characters (NUL among them) are refused with
 * the rest: they cannot be stored or mailed.
 */
export const emailAddress = z
  .string()
  .max(254)
  .regex(/^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:".]{2,}$/, "must be an email address")
  .refine((s) => isStorableText(s) && !hasControlCharacters(s), "must be an email address");
