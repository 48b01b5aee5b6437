import { describe, expect, it } from "vitest";
import type { ChannelRow } from "../../src/db/schema/channels";
import type { WatchRow } from "../../src/db/schema/watches";
import { planTierLimits } from "../../src/services/limits";

let n = 0;
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

function w(platform: string, over: Partial<WatchRow> = {}): WatchRow {
  n++;
  return {
    id: `wat_${String(n).padStart(3, "0")}`,
    userId: "usr_1",
    platform,
    document: null,
    provision: null,
    minSeverity: null,
    minSeverityRank: 0,
    categories: null,
    fingerprint: `fp${n}`,
    paused: false,
    pausedReason: null,
    createdAt: at(n),
    ...over,
  };
}

function c(type: ChannelRow["type"], over: Partial<ChannelRow> = {}): ChannelRow {
  n++;
  return {
    id: `chn_${String(n).padStart(3, "0")}`,
    userId: "usr_1",
    type,
    target: `${type}-${n}`,
    fingerprint: `fp${n}`,
    secretEnc: null,
    status: "active",
    statusReason: null,
    isAccountEmail: false,
    verifiedAt: at(n),
    createdAt: at(n),
    updatedAt: at(n),
    deletedAt: null,
    ...over,
  };
}

const ids = (xs: { id: string }[]) => xs.map((x) => x.id);

describe("planTierLimits (pure: the same decision previews and applies)", () => {
  it("keeps the oldest platforms, pauses what the tier lacks, whatever order the rows come in", () => {
    const a = w("a");
    const aDoc = w("a", { document: "terms", minSeverity: "high", minSeverityRank: 3 });
    const b = w("b");
    const star = w("*", { categories: ["arbitration"] });
    const byUser = w("c", { paused: true, pausedReason: "user" });
    const plan = planTierLimits("usr_1", "free", [star, b, byUser, aDoc, a], []);
    expect(ids(plan.pauseWatches)).toEqual(ids([aDoc, b, star]));
    expect(plan.resumeWatches).toEqual([]);
    expect(plan.alertsLost).toBe(true);
    expect(planTierLimits("usr_1", "watcher", [a, aDoc, b, star], []).pauseWatches).toEqual([star]);
  });

  it("an upgrade resumes only what was paused for tier_limit, oldest first within the new limits", () => {
    const a = w("a");
    const p1 = w("b", { paused: true, pausedReason: "tier_limit" });
    const p2 = w("c", { paused: true, pausedReason: "tier_limit" });
    const mine = w("d", { paused: true, pausedReason: "user" });
    expect(ids(planTierLimits("usr_1", "watcher", [a, p1, p2, mine], []).resumeWatches)).toEqual(ids([p1, p2]));
    // a downgrade that still fits leaves everything alone
    const same = planTierLimits("usr_1", "free", [a, p1, p2], []);
    expect([same.pauseWatches, same.resumeWatches]).toEqual([[], []]);
  });

  it("keeps the account email first, then the oldest channels; disabled and deleted ones are left alone", () => {
    const hook = c("webhook");
    const slack = c("slack");
    const account = c("email", { isAccountEmail: true });
    const pending = c("email", { status: "pending_verification", verifiedAt: null });
    const disabled = c("webhook", { status: "disabled" });
    const deleted = c("webhook", { deletedAt: at(99) });
    const free = planTierLimits("usr_1", "free", [], [hook, slack, account, pending, disabled, deleted]);
    expect(ids(free.pauseChannels)).toEqual(ids([hook, slack, pending]));
    const watcher = planTierLimits("usr_1", "watcher", [], [hook, slack, account, pending]);
    expect(ids(watcher.pauseChannels)).toEqual(ids([pending]));
    expect(watcher.alertsLost).toBe(false);
    // and back: paused ones resume (the repository puts an unconfirmed one back to pending)
    const paused = [hook, slack, pending].map((x) => ({ ...x, status: "paused" as const, statusReason: "tier_limit" }));
    expect(ids(planTierLimits("usr_1", "professional", [], [account, ...paused]).resumeChannels)).toEqual(ids(paused));
  });
});
