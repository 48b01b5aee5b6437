import { z } from "@hono/zod-openapi";

/** What the pages' route definitions share: an HTML answer, and the signed token in the path. */

/** A response that is an HTML page. */
export const htmlResponse = { description: "An HTML page", content: { "text/html": { schema: z.string() } } };

/** A page whose signed link token is in its path (the token is the only credential). */
export const TokenParam = z.object({ token: z.string().openapi({ param: { name: "token", in: "path" } }) });
