import { describe, expect, it } from "vitest";
import { ENTITLEMENTS, effectiveTier, type Tier } from "../../src/lib/tiers";
import { channelLimitMessage, platformLimitMessage, watchFeatureProblem } from "../../src/services/limits";

type Shape = Parameters<typeof watchFeatureProblem>[1];
const w = (over: Partial<Shape> = {}): Shape => ({
  platform: "anthropic",
  document: null,
  provision: null,
  minSeverity: null,
  categories: null,
  ...over,
});

const platformWatch = w();
const documentWatch = w({ document: "terms" });
const provisionWatch = w({ document: "terms", provision: "arbitration" });
const severity = w({ minSeverity: "high" });
const docSeverity = w({ document: "terms", minSeverity: "medium" });
const categories = w({ categories: ["ai-training"] });
const wildcard = w({ platform: "*", categories: ["ai-training"] });
const wildcardNoCategories = w({ platform: "*" });

/** The contract's tier table, row by row: which watch shapes each tier may have. */
const table: [string, Shape, Record<Tier, boolean>][] = [
  ["platform watch", platformWatch, { free: true, watcher: true, professional: true }],
  ["document watch", documentWatch, { free: false, watcher: true, professional: true }],
  ["provision watch", provisionWatch, { free: false, watcher: false, professional: true }],
  ["min_severity", severity, { free: false, watcher: true, professional: true }],
  ["document + min_severity", docSeverity, { free: false, watcher: true, professional: true }],
  ["categories", categories, { free: false, watcher: false, professional: true }],
  ['"*" with categories', wildcard, { free: false, watcher: false, professional: true }],
  // needing categories is a validation rule (400), not a tier rule
  ['"*" without categories', wildcardNoCategories, { free: false, watcher: false, professional: true }],
];

describe("watchFeatureProblem", () => {
  for (const [name, shape, allowed] of table) {
    for (const tier of ["free", "watcher", "professional"] as Tier[]) {
      it(`${tier}: ${name} → ${allowed[tier] ? "allowed" : "refused"}`, () => {
        const problem = watchFeatureProblem(tier, shape);
        if (allowed[tier]) expect(problem).toBeNull();
        else {
          expect(problem).toEqual(expect.any(String));
          expect(problem).toContain(tier);
        }
      });
    }
  }

  it("names the limit and the tier that lifts it", () => {
    expect(watchFeatureProblem("free", documentWatch)).toMatch(/platform level.*document watches need watcher/);
    expect(watchFeatureProblem("watcher", provisionWatch)).toMatch(/provision watches need professional/);
    expect(watchFeatureProblem("free", severity)).toMatch(/no min_severity filter.*watcher/);
    expect(watchFeatureProblem("watcher", categories)).toMatch(/no categories filter.*professional/);
    expect(watchFeatureProblem("watcher", wildcard)).toMatch(/"\*".*professional/);
  });

  it("reports granularity before filters", () => {
    expect(watchFeatureProblem("free", w({ document: "terms", minSeverity: "low" }))).toContain("document");
  });
});

describe("limit messages", () => {
  it("name the number", () => {
    expect(platformLimitMessage("free")).toBe("free tier watches at most 1 platform");
    expect(platformLimitMessage("watcher")).toBe("watcher tier watches at most 10 platforms");
    expect(platformLimitMessage("professional")).toContain("unlimited");
    expect(channelLimitMessage("free")).toContain("account email only");
    expect(channelLimitMessage("watcher")).toContain("at most 3 channels");
    expect(channelLimitMessage("professional")).toContain("at most 20 channels");
  });
});

describe("the tier table", () => {
  it("matches the contract", () => {
    expect(ENTITLEMENTS.free).toMatchObject({
      maxPlatforms: 1,
      maxChannels: 1,
      channelTypes: [],
      sameDayAlerts: false,
      filters: [],
    });
    expect(ENTITLEMENTS.watcher).toMatchObject({
      maxPlatforms: 10,
      maxChannels: 3,
      sameDayAlerts: true,
      filters: ["min_severity"],
    });
    expect(ENTITLEMENTS.professional).toMatchObject({
      maxPlatforms: Number.POSITIVE_INFINITY,
      maxChannels: 20,
      wildcardPlatform: true,
    });
  });

  it("a running trial lifts a free user to its tier (watcher when none is recorded), and only a free user", () => {
    const now = new Date("2026-05-09T12:00:00Z");
    const later = new Date(now.getTime() + 1000);
    const earlier = new Date(now.getTime() - 1000);
    expect(effectiveTier({ tier: "free", trialEndsAt: later, trialTier: null }, now)).toBe("watcher");
    expect(effectiveTier({ tier: "free", trialEndsAt: later, trialTier: "watcher" }, now)).toBe("watcher");
    expect(effectiveTier({ tier: "free", trialEndsAt: later, trialTier: "professional" }, now)).toBe("professional");
    expect(effectiveTier({ tier: "free", trialEndsAt: now, trialTier: "professional" }, now)).toBe("free");
    expect(effectiveTier({ tier: "free", trialEndsAt: earlier, trialTier: "watcher" }, now)).toBe("free");
    expect(effectiveTier({ tier: "free", trialEndsAt: null, trialTier: null }, now)).toBe("free");
    expect(effectiveTier({ tier: "professional", trialEndsAt: later, trialTier: "watcher" }, now)).toBe("professional");
  });
});
