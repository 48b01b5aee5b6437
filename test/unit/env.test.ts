import { describe, expect, it } from "vitest";
import { parseEnv } from "../../src/env";

const good = {
  PORT: "8080",
  DATABASE_URL: "postgres://app:pw@db.internal:5432/clausewatch",
  DATA_DIR: "/var/lib/clausewatch",
  ADMIN_TOKEN: "adm_0123456789abcdef",
  INGEST_SECRET: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  SECRET_KEY: "a".repeat(64),
  PUBLIC_URL: "https://clausewatch.example.com/",
  EMAIL_FROM: "clausewatch <alerts@clausewatch.example.com>",
  RESEND_API_KEY: "re_123",
  RESEND_BASE_URL: "http://127.0.0.1:3000",
  SLACK_API_URL: "http://127.0.0.1:3001/api/",
  ALLOW_PRIVATE_WEBHOOK_TARGETS: "1",
};

describe("parseEnv", () => {
  it("parses a full configuration", () => {
    const r = parseEnv(good);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.env).toMatchObject({
      PORT: 8080,
      DATABASE_URL: good.DATABASE_URL,
      PUBLIC_URL: "https://clausewatch.example.com", // trailing slash dropped
      ALLOW_PRIVATE_WEBHOOK_TARGETS: true,
      EMAIL_FROM: good.EMAIL_FROM,
    });
  });

  it("runs with nothing set, on the contract's defaults; unrelated variables are ignored", () => {
    const r = parseEnv({ PATH: "/usr/bin", HOME: "/root", NODE_ENV: "test" });
    expect(r).toEqual({
      ok: true,
      env: expect.objectContaining({
        PORT: 8787,
        DATA_DIR: "./.data",
        EMAIL_FROM: "clausewatch <alerts@localhost>",
        ALLOW_PRIVATE_WEBHOOK_TARGETS: false,
      }),
    });
    if (r.ok)
      for (const k of ["DATABASE_URL", "ADMIN_TOKEN", "INGEST_SECRET", "SECRET_KEY", "PUBLIC_URL"] as const)
        expect(r.env[k]).toBeUndefined();
  });

  it("rate limits: the contract's defaults, whole numbers ≥ 1, TRUST_PROXY and a redis:// or rediss:// REDIS_URL", () => {
    const none = parseEnv({});
    expect(none.ok && [none.env.RATE_LIMIT_PER_MINUTE, none.env.PUBLIC_RATE_LIMIT_PER_MINUTE, none.env.TRUST_PROXY]).toEqual([
      600,
      60,
      false,
    ]);
    expect(none.ok && none.env.REDIS_URL).toBeUndefined();
    const set = parseEnv({
      RATE_LIMIT_PER_MINUTE: "1",
      PUBLIC_RATE_LIMIT_PER_MINUTE: "12000",
      TRUST_PROXY: "true",
      REDIS_URL: "rediss://:pw@cache.internal:6380/2",
    });
    expect(set.ok && set.env).toMatchObject({
      RATE_LIMIT_PER_MINUTE: 1,
      PUBLIC_RATE_LIMIT_PER_MINUTE: 12000,
      TRUST_PROXY: true,
      REDIS_URL: "rediss://:pw@cache.internal:6380/2",
    });
    const plain = parseEnv({ REDIS_URL: "redis://127.0.0.1:6379", TRUST_PROXY: "0" });
    expect(plain.ok && [plain.env.REDIS_URL, plain.env.TRUST_PROXY]).toEqual(["redis://127.0.0.1:6379", false]);
  });

  it("treats empty strings as unset", () => {
    const r = parseEnv({ PORT: "", DATABASE_URL: "", SECRET_KEY: "" });
    expect(r.ok && r.env.PORT === 8787 && r.env.DATABASE_URL === undefined).toBe(true);
  });

  it.each([
    ["true", true],
    ["false", false],
    ["1", true],
    ["0", false],
  ])("booleans: %s → %s", (value, expected) => {
    const r = parseEnv({ ALLOW_PRIVATE_WEBHOOK_TARGETS: value });
    expect(r.ok && r.env.ALLOW_PRIVATE_WEBHOOK_TARGETS).toBe(expected);
  });

  it("hex and base64 secret keys of 32 bytes pass, shorter ones do not", () => {
    const b64 = Buffer.alloc(32, 7).toString("base64");
    const b64url = Buffer.alloc(32, 251).toString("base64url");
    for (const key of ["f".repeat(64), b64, b64url]) expect(parseEnv({ SECRET_KEY: key }).ok, key).toBe(true);
    for (const key of ["f".repeat(62), Buffer.alloc(31, 7).toString("base64"), "not!base64"])
      expect(parseEnv({ SECRET_KEY: key }).ok, key).toBe(false);
  });

  const bad: [string, string, string][] = [
    ["PORT", "abc", "port"],
    ["PORT", "0", "port"],
    ["PORT", "65536", "port"],
    ["PORT", "80.5", "port"],
    ["PORT", "0x50", "port"],
    ["DATABASE_URL", "mysql://db/x", "postgres"],
    ["ADMIN_TOKEN", "short-secret", "16"],
    ["INGEST_SECRET", "not-a-whsec", "whsec_"],
    ["SECRET_KEY", "tooshort", "32 bytes"],
    ["PUBLIC_URL", "ftp://clausewatch.example.com", "http"],
    ["PUBLIC_URL", "clausewatch.example.com", "http"],
    ["EMAIL_FROM", "x", "mailbox"],
    ["EMAIL_FROM", "Name <not an address>", "mailbox"],
    ["RESEND_BASE_URL", "not a url", "http"],
    ["RESEND_BASE_URL", "mailto:x@y.z", "http"],
    ["SLACK_API_URL", "slack.com/api", "http"],
    ["RESEND_RATE_PER_SECOND", "-1", "positive"],
    ["RESEND_RATE_PER_SECOND", "fast", "positive"],
    ["ALLOW_PRIVATE_WEBHOOK_TARGETS", "yes", "true, false, 1 or 0"],
    ["LOG_LEVEL", "loud", "debug"],
    ["RATE_LIMIT_PER_MINUTE", "0", "at least 1"],
    ["RATE_LIMIT_PER_MINUTE", "2.5", "whole number"],
    ["PUBLIC_RATE_LIMIT_PER_MINUTE", "-60", "at least 1"],
    ["PUBLIC_RATE_LIMIT_PER_MINUTE", "sixty", "whole number"],
    ["TRUST_PROXY", "yes", "true, false, 1 or 0"],
    ["REDIS_URL", "http://127.0.0.1:6379", "redis://"],
    ["REDIS_URL", "127.0.0.1:6379", "redis://"],
  ];

  it.each(bad)("%s=%s → one line naming the variable and what it must be", (name, value, hint) => {
    const r = parseEnv({ ...good, [name]: value });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toHaveLength(1);
    const [line] = r.problems;
    expect(line.startsWith(`${name}: `)).toBe(true);
    expect(line).not.toContain("\n");
    expect(line.toLowerCase()).toContain(hint.toLowerCase());
    // no zod jargon
    expect(line).not.toMatch(/Invalid input|received NaN|expected string/);
  });

  it("reports every problem at once, one line each, without echoing secret values", () => {
    const values = Object.fromEntries(bad.map(([name, value]) => [name, value]));
    const r = parseEnv(values);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const names = [...new Set(bad.map(([name]) => name))];
    expect(r.problems).toHaveLength(names.length);
    expect(r.problems.map((p) => p.split(":")[0]).sort()).toEqual(names.sort());
    for (const p of r.problems) expect(p).not.toMatch(/short-secret|tooshort|not-a-whsec/);
  });
});
