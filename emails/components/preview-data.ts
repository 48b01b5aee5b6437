/**
 * Sample data for the templates' PreviewProps: events shaped like the pipeline's examples,
 * inlined (templates never read files), turned into summaries the way the dispatcher does.
 * No default export, so the preview server does not list this file as an email.
 */

import type { ChangeEvent } from "../../src/lib/event-schema";
import { EXAMPLE_EVENT } from "../../src/lib/example-event";
import type { ChangeSummary } from "../../src/lib/messages";
import { toChangeSummary } from "../../src/lib/summary";
import type { Tier } from "../../src/lib/tiers";

export const previewLinks: ChangeSummary["links"] = {
  manage: "https://clausewatch.example/preferences?token=preview-token",
  unsubscribe: "https://clausewatch.example/unsubscribe/preview-token",
};

type Change = ChangeEvent["changes"][number];

const anthropic: ChangeEvent["platform"] = { slug: "anthropic", name: "Anthropic" };
const claudeTerms: ChangeEvent["document"] = {
  slug: "claudeai-terms-of-service",
  title: "Claude.ai Terms of Service",
  url: "https://www.anthropic.com/legal/consumer-terms",
};

export interface PreviewEventInput {
  id: string;
  /** also when the evidence was captured */
  occurred_at: string;
  /** default Anthropic */
  platform?: ChangeEvent["platform"];
  /** default the Claude.ai Terms of Service; the evidence's source is its URL */
  document?: ChangeEvent["document"];
  summary: string;
  /** the one provision change; its severity is the event's */
  change: Change & { severity: ChangeEvent["severity"] };
  content_sha256: string;
  archive_url?: string;
}

/**
 * One preview event, shaped like the pipeline's: a `document.changed` with a single provision
 * change, its evidence taken from the document. Every example below comes from here, so a change
 * to the event shape is made once.
 *
 * @example previewEvent({ id: "evt_x", occurred_at: "2026-05-14T10:00:00Z", summary, change, content_sha256 })
 */
export function previewEvent(o: PreviewEventInput): ChangeEvent {
  const document = o.document ?? claudeTerms;
  return {
    id: o.id,
    type: "document.changed",
    occurred_at: o.occurred_at,
    platform: o.platform ?? anthropic,
    document,
    severity: o.change.severity,
    summary: o.summary,
    changes: [o.change],
    evidence: {
      source_url: document.url,
      ...(o.archive_url ? { archive_url: o.archive_url } : {}),
      content_sha256: o.content_sha256,
      captured_at: o.occurred_at,
    },
  };
}

export const sampleEvents: ChangeEvent[] = [
  previewEvent({
    id: "evt_2026_05_14_anthropic_claudeai_tos_arbitration",
    occurred_at: "2026-05-14T10:00:00Z",
    summary:
      "A binding arbitration clause with a class-action waiver was added; opting out requires written notice within 30 days.",
    change: {
      provision: { slug: "dispute-resolution-arbitration", title: "Dispute Resolution and Arbitration" },
      kind: "added",
      severity: "critical",
      confidence: "high",
      categories: ["arbitration", "legal-rights"],
      summary:
        "Disputes go to individual binding arbitration; class actions are waived; a 30-day written opt-out window applies.",
      after:
        "You and Anthropic agree to resolve any disputes through final and binding arbitration on an individual basis, and not as a plaintiff or class member in any purported class or representative proceeding.",
      regulations: ["FTC Act"],
    },
    content_sha256: "5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d",
  }),
  EXAMPLE_EVENT,
  previewEvent({
    id: "evt_2026_05_13_windsurf_privacy_models",
    occurred_at: "2026-05-13T06:10:44Z",
    platform: { slug: "windsurf", name: "Windsurf" },
    document: { slug: "windsurf-privacy-policy", title: "Windsurf Privacy Policy", url: "https://windsurf.com/privacy-policy" },
    summary: "Third-party model providers may process your data for tasks you did not select, such as summarization.",
    change: {
      provision: { slug: "third-party-model-processing", title: "Processing by Third-Party Models" },
      kind: "modified",
      severity: "medium",
      confidence: "high",
      categories: ["data-sharing", "ai-vendors"],
      summary: "OpenAI and Anthropic models may be used independent of your model selection for other tasks.",
      before: "We use the model you select to process your requests.",
      after:
        "We may leverage OpenAI models independent of user selection for processing other tasks (e.g. for summarization). We may leverage Anthropic models independent of user selection for processing other tasks (e.g. for summarization).",
      regulations: ["GDPR"],
    },
    content_sha256: "0c1d2e3f405162738495a6b7c8d9eaf00c1d2e3f405162738495a6b7c8d9eaf0",
  }),
  previewEvent({
    id: "evt_2026_05_12_netflix_tou_ai",
    occurred_at: "2026-05-12T19:45:00Z",
    platform: { slug: "netflix", name: "Netflix" },
    document: { slug: "netflix-terms-of-use", title: "Netflix Terms of Use", url: "https://help.netflix.com/legal/termsofuse" },
    summary: "Using Netflix content to build, train or benchmark machine-learning systems is now expressly prohibited.",
    change: {
      provision: { slug: "prohibited-ai-uses", title: "Prohibited Uses: Machine Learning" },
      kind: "added",
      severity: "low",
      confidence: "medium",
      categories: ["ai-training", "acceptable-use"],
      summary: "Adds a ban on using the service in connection with training, testing, benchmarking or validating any ML model.",
      after:
        "(ix) engage in any of the foregoing in connection with the use, creation, development, modification, prompting, fine-tuning, training, testing, benchmarking or validation of any machine learning tool, model, system, algorithm, product or other technology.",
    },
    content_sha256: "9a8b7c6d5e4f30211203f4e5d6c7b8a99a8b7c6d5e4f30211203f4e5d6c7b8a9",
  }),
];

/** The sample events as a user of `tier` receives them. */
export const sampleSummaries = (tier: Tier = "professional"): ChangeSummary[] =>
  sampleEvents.map((e) => toChangeSummary(e, tier, previewLinks));
