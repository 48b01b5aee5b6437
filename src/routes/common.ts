import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Deps } from "../deps";
import { ApiError } from "../lib/errors";
import type { AuthedUser } from "./auth";

export type AppEnv = {
  Variables: {
    deps: Deps;
    requestId: string;
    user: AuthedUser;
  };
};

/** Renders zod issues as one message that names the fields. */
export function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join(".") || "body"}: ${i.message}`)
    .join("; ");
}

/** A router whose validation failures go through the one error path. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw new ApiError("invalid_request", describeIssues(result.error.issues));
    },
  });
}

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "invalid_request" }),
      message: z.string(),
      request_id: z.string(),
    }),
  })
  .openapi("Error");

const err = (description: string) => ({ description, content: { "application/json": { schema: ErrorSchema } } });

/** Error responses for the OpenAPI document. */
export const errors = {
  400: err("Invalid request: `message` names the field"),
  401: err("Missing or invalid credentials"),
  403: err("The tier does not allow it (`tier_limit`), or forbidden"),
  404: err("Not found (also another user's resource)"),
  409: err("Conflict"),
  413: err("Payload too large"),
  503: err("Database unavailable; retry"),
};

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

export const IdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(100)
    .openapi({ param: { name: "id", in: "path" } }),
});

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ example: 50 }),
  cursor: z.string().max(500).optional(),
});

export const listOf = <T extends z.ZodType>(item: T, name: string) =>
  z.object({ items: z.array(item), next_cursor: z.string().nullable() }).openapi(name);

export const bearer = [{ bearerAuth: [] }];
