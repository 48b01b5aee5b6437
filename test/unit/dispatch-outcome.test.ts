import { describe, expect, it } from "vitest";
import { channelToDisable, cutText, deliveryLogFields, deliveryOutcome, handBack, outcomeFor } from "../../src/delivery/outcome";
import { MAX_ATTEMPTS } from "../../src/delivery/retry";

const now = new Date("2025-03-01T12:00:00.000Z");
const at = (ms: number) => new Date(now.getTime() + ms);
// 0.5 is the jitter's midpoint: the schedule's delay exactly
const noJitter = () => 0.5;

describe("outcomeFor: a provider's answer → the outbox update", () => {
  it("sent: the provider's id, the answer kept", () => {
    expect(outcomeFor({ id: "n1", attempts: 1 }, { kind: "sent", providerId: "p1", response: "ok" }, now, noJitter)).toEqual({
      id: "n1",
      attempts: 1,
      status: "sent",
      providerMessageId: "p1",
      lastResponse: "ok",
    });
    expect(outcomeFor({ id: "n1", attempts: 1 }, { kind: "sent" }, now, noJitter)).toMatchObject({
      providerMessageId: null,
      lastResponse: null,
    });
  });

  it("retry: pending after the schedule's next delay, Retry-After honoured within [scheduled, 2 × scheduled]", () => {
    expect(outcomeFor({ id: "n1", attempts: 1 }, { kind: "retry", reason: "503", response: "busy" }, now, noJitter)).toEqual({
      id: "n1",
      attempts: 1,
      status: "pending",
      nextAttemptAt: at(5_000),
      lastError: "503",
      lastResponse: "busy",
    });
    const later = outcomeFor({ id: "n1", attempts: 1 }, { kind: "retry", reason: "429", afterMs: 7_000 }, now, noJitter);
    expect(later.nextAttemptAt).toEqual(at(7_000));
    const capped = outcomeFor({ id: "n1", attempts: 1 }, { kind: "retry", reason: "429", afterMs: 3_600_000 }, now, noJitter);
    expect(capped.nextAttemptAt).toEqual(at(10_000));
  });

  it("retry with the schedule spent: failed, retries_exhausted", () => {
    const r = outcomeFor({ id: "n1", attempts: MAX_ATTEMPTS }, { kind: "retry", reason: "503" }, now, noJitter);
    expect(r).toEqual({
      id: "n1",
      attempts: MAX_ATTEMPTS,
      status: "failed",
      statusReason: "retries_exhausted",
      lastError: "503",
      lastResponse: null,
    });
  });

  it("permanent: failed at once", () => {
    expect(outcomeFor({ id: "n1", attempts: 2 }, { kind: "permanent", reason: "400", response: "bad" }, now, noJitter)).toEqual({
      id: "n1",
      attempts: 2,
      status: "failed",
      statusReason: "permanent",
      lastError: "400",
      lastResponse: "bad",
    });
  });

  it("held: pending a minute on, the attempt given back", () => {
    expect(outcomeFor({ id: "n1", attempts: 3 }, { kind: "held", reason: "401" }, now, noJitter)).toEqual({
      id: "n1",
      attempts: 3,
      status: "pending",
      countAttempt: false,
      nextAttemptAt: at(60_000),
      lastError: "held: 401",
    });
  });

  it("keeps at most 1,000 characters of a provider's answer", () => {
    const r = outcomeFor({ id: "n1", attempts: 1 }, { kind: "sent", response: "x".repeat(1500) }, now, noJitter);
    expect(r.lastResponse).toBe(`${"x".repeat(1000)}…`);
    expect(cutText("short")).toBe("short");
    expect(cutText(undefined)).toBeNull();
  });
});

describe("deliveryOutcome: the metric's and log line's label", () => {
  it("follows the outcome, telling held from retry", () => {
    const label = (r: Parameters<typeof outcomeFor>[1], attempts = 1) =>
      deliveryOutcome(outcomeFor({ id: "n", attempts }, r, now, noJitter), r);
    expect(label({ kind: "sent" })).toBe("sent");
    expect(label({ kind: "permanent", reason: "x" })).toBe("failed");
    expect(label({ kind: "retry", reason: "x" })).toBe("retry");
    expect(label({ kind: "retry", reason: "x" }, MAX_ATTEMPTS)).toBe("failed");
    expect(label({ kind: "held", reason: "x" })).toBe("held");
  });
});

describe("channelToDisable", () => {
  it("only for a permanent answer that says the target is gone", () => {
    expect(channelToDisable("ch1", { kind: "permanent", reason: "410", disableChannel: true })).toEqual({
      id: "ch1",
      reason: "410",
    });
    expect(channelToDisable("ch1", { kind: "permanent", reason: "400" })).toBeUndefined();
    expect(channelToDisable("ch1", { kind: "retry", reason: "503" })).toBeUndefined();
  });
});

describe("handBack", () => {
  it("pending and due now; the attempt counts only when the send may have gone out", () => {
    expect(handBack({ id: "n1", attempts: 2 }, false, now)).toEqual({
      id: "n1",
      attempts: 2,
      status: "pending",
      countAttempt: false,
      nextAttemptAt: now,
    });
    expect(handBack({ id: "n1", attempts: 2 }, true, now).countAttempt).toBe(true);
  });
});

describe("deliveryLogFields", () => {
  const c = { id: "n1", kind: "alert" as const, attempts: 1 };
  const msg = { channel: { id: "ch1", type: "webhook" as const, target: "https://secret.example/hook?token=t", secret: null } };

  it("names the attempt, never the target or the provider's answer", () => {
    const line = deliveryLogFields(c, msg, { kind: "sent", response: "token=abc" }, "sent", 12.6);
    expect(line).toEqual({
      notification_id: "n1",
      kind: "alert",
      channel_id: "ch1",
      channel_type: "webhook",
      outcome: "sent",
      attempt: 1,
      latency_ms: 13,
    });
  });

  it("adds the reason when not sent, cut to 200 characters", () => {
    const line = deliveryLogFields(c, msg, { kind: "retry", reason: "r".repeat(300), response: "token=abc" }, "retry", 1);
    expect(line.reason).toBe(`${"r".repeat(200)}…`);
    expect(JSON.stringify(line)).not.toContain("token=");
  });
});
