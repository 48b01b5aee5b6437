import type { RenderWebhook, WebhookPayload } from "../types";

const TEST_MESSAGE = "This is a test message from clausewatch: this endpoint will receive alerts and digests.";

/**
 * The webhook body (contract: "What receivers get"). Change summaries go out as the dispatcher
 * built them, already trimmed to the user's tier and carrying their `links`; only what
 * receivers are promised is copied (`watched_platforms` stays internal).
 *
 * @example
 * const body = JSON.stringify(renderWebhook(msg)); // sign this exact string
 */
export const renderWebhook: RenderWebhook = (msg) => {
  const content = msg.content;
  let data: WebhookPayload["data"];
  switch (content.kind) {
    case "alert":
      data = { events: content.events };
      break;
    case "digest":
      data = {
        period: { start: content.period.start, end: content.period.end },
        watchlist: content.watchlist,
        highlights: content.highlights,
        coverage: { events: content.coverage.events, platforms: content.coverage.platforms },
      };
      if (content.regulatory_exposure) data.regulatory_exposure = content.regulatory_exposure;
      break;
    case "test":
      data = { message: TEST_MESSAGE };
      break;
    case "notice": {
      // a sign-in link travels by email to the account address only (compose.ts never routes it
      // here); should one ever reach this renderer, the link stays out of the body
      if (content.notice === "sign_in_link" || content.notice === "welcome" || content.notice === "signup_confirm") {
        data = { notice: content.notice };
        break;
      }
      const { kind: _kind, ...notice } = content;
      data = { ...notice };
      break;
    }
  }
  return { type: content.kind, id: msg.id, created_at: msg.createdAt.toISOString(), data };
};
