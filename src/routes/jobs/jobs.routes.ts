import { createRoute, z } from "@hono/zod-openapi";
import { requireAdmin } from "../../middleware/auth";
import { adminBearer, errors, json } from "../common";

const RunDigestsBody = z
  .object({ now: z.iso.datetime({ offset: true }).optional() })
  .strict()
  .openapi("RunDigests");

/** An operator and test tool: what it builds is queued due at once and the dispatcher is woken. */
export const runDigests = createRoute({
  method: "post",
  path: "/v1/admin/jobs/digests",
  operationId: "runDigests",
  tags: ["operator"],
  summary: "Run the digest planner now; `now` decides what is due and ends the period",
  security: adminBearer,
  middleware: [requireAdmin],
  request: { body: { required: false, content: { "application/json": { schema: RunDigestsBody } } } },
  responses: {
    200: json(
      z.object({ users: z.number().int(), digests: z.number().int(), notifications: z.number().int(), empty: z.number().int() }),
      "What the run built and queued",
    ),
    400: errors[400],
    401: errors[401],
  },
});
