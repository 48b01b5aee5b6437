import type { ChangeEvent } from "./event-schema";

/**
 * The example change event of the API reference and the email previews: the fixture
 * test/fixtures/events/01-anthropic-ai-training.json (a test keeps them equal).
 */
export const EXAMPLE_EVENT: ChangeEvent = {
  id: "evt_2026_05_09_anthropic_claudeai_tos_training",
  type: "document.changed",
  occurred_at: "2026-05-09T14:35:38Z",
  platform: {
    slug: "anthropic",
    name: "Anthropic",
  },
  document: {
    slug: "claudeai-terms-of-service",
    title: "Claude.ai Terms of Service",
    url: "https://www.anthropic.com/legal/consumer-terms",
    last_updated: "2026-05-05",
  },
  severity: "high",
  summary:
    "Conversations can be used to train models by default; the opt-out does not cover feedback or content flagged for safety review.",
  changes: [
    {
      provision: {
        slug: "ai-model-training-use-of-materials",
        title: "AI Model Training Use of Materials",
      },
      kind: "modified",
      severity: "high",
      confidence: "high",
      categories: ["data-rights", "ai-training"],
      summary:
        "Even after opting out, Materials are used for training when you give Feedback or when they are flagged for safety review.",
      before: "We may use Materials to provide, maintain, and improve the Services.",
      after:
        "We may use Materials to provide, maintain, and improve the Services and to develop other products and services, including training our models, unless you opt out of training through your account settings. Even if you opt out, we will use Materials for model training when: (1) you provide Feedback to us regarding any Materials, or (2) your Materials are flagged for safety review to improve our ability to detect harmful content, enforce our policies, or advance our safety research.",
      regulations: ["GDPR", "UK GDPR", "CCPA", "EU AI Act", "California AB 2013"],
    },
  ],
  evidence: {
    source_url: "https://www.anthropic.com/legal/consumer-terms",
    archive_url: "https://web.archive.org/web/20260509143538/https://www.anthropic.com/legal/consumer-terms",
    content_sha256: "b10681ed0556f33fd77bdd0ca8d5a1d1e02616dab9696dadd177f042a3770d68",
    captured_at: "2026-05-09T14:35:38Z",
  },
};
