import { createRoute, z } from "@hono/zod-openapi";
import { errors, json, resendSignature } from "../common";

/**
 * No request schema on purpose: the Svix signature covers the body's exact bytes, so the handler
 * reads the raw text and the service verifies it before reading the JSON.
 */
export const resend = createRoute({
  method: "post",
  path: "/v1/providers/resend",
  operationId: "receiveResendWebhook",
  security: resendSignature,
  tags: ["providers"],
  summary: "Resend's webhooks (Svix-signed): hard bounces and complaints suppress the address",
  responses: {
    200: json(z.object({ received: z.boolean(), suppressed: z.number().int() }), "Processed (unknown event types are ignored)"),
    400: errors[400],
    401: errors[401],
    404: errors[404],
  },
});
