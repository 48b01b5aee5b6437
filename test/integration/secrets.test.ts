import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChannelSecret, openSecret } from "../../src/lib/channel-secrets";
import { sha256Hex } from "../../src/lib/crypto";
import { call, createTestContext, createUser, type TestContext, type TestUser, uniq } from "../helpers/app";
import { selectAll } from "../helpers/sql";

type Row = Record<string, unknown>;

let ctx: TestContext;
let u: TestUser;
beforeAll(async () => {
  ctx = await createTestContext();
  u = await createUser(ctx, { tier: "professional" });
});
afterAll(() => ctx.close());

/** Every column of the user's channel rows, as the database holds them. */
const channelRows = (userId: string) => selectAll<Row>(ctx.database, sql`select * from channels where user_id = ${userId}`);

/** True when any column of the row holds the needle (as text, in any encoding we'd plausibly use by mistake). */
function holds(row: Row, needle: string): string | null {
  const forms = [
    needle,
    encodeURIComponent(needle),
    Buffer.from(needle).toString("base64"),
    Buffer.from(needle).toString("base64url"),
  ];
  for (const [col, value] of Object.entries(row)) {
    const text = value instanceof Date ? value.toISOString() : typeof value === "string" ? value : JSON.stringify(value);
    if (text && forms.some((f) => text.includes(f))) return col;
  }
  return null;
}

describe("channel secrets at rest", () => {
  it("no column holds a Slack bot token, a webhook URL's secret or a signing secret in plaintext", async () => {
    const botToken = `xoxb-${Date.now()}-S3cr3tB0tT0ken${uniq("").replace(/[^a-z0-9]/g, "")}`;
    const urlSecret = `s3cr3t${uniq("").replace(/[^a-z0-9]/g, "")}`;
    const pathSecret = `T0k3nInPath${Date.now()}ZZ`;
    const url = `https://hooks.example.com/services/${pathSecret}/in?token=${urlSecret}&x=1`;

    const slack = await call(ctx, "POST", "/v1/channels", {
      token: u.key,
      body: { type: "slack", bot_token: botToken, channel: "#legal" },
    });
    expect(slack.status).toBe(201);
    const hook = await call(ctx, "POST", "/v1/channels", { token: u.key, body: { type: "webhook", url } });
    expect(hook.status).toBe(201);
    const signingSecret = hook.json.signing_secret as string;
    expect(signingSecret).toMatch(/^whsec_/);

    const rows = await channelRows(u.id);
    expect(rows).toHaveLength(3); // the account email, Slack, the webhook
    for (const row of rows) {
      for (const [what, secret] of [
        ["bot token", botToken],
        ["URL query secret", urlSecret],
        ["URL path secret", pathSecret],
        ["signing secret", signingSecret],
        ["signing secret key", signingSecret.slice("whsec_".length)],
        ["full URL", url],
      ]) {
        expect(holds(row, secret), `${what} in column of channel ${row.id}`).toBeNull();
      }
    }

    // the secrets are kept, encrypted: the service can still read them with its key
    const slackRow = rows.find((r) => r.id === slack.json.id) as Row;
    const hookRow = rows.find((r) => r.id === hook.json.id) as Row;
    expect(slackRow.secret_enc).toMatch(/^v1\./);
    expect(hookRow.secret_enc).toMatch(/^v1\./);
    expect(await openSecret<ChannelSecret>(ctx.deps.keys, slackRow.secret_enc as string)).toEqual({ bot_token: botToken });
    expect(await openSecret<ChannelSecret>(ctx.deps.keys, hookRow.secret_enc as string)).toEqual({
      url,
      signing_secret: signingSecret,
    });
    // what is shown is redacted: host kept, path token cut, query hidden
    expect(hookRow.target).toMatch(/^https:\/\/hooks\.example\.com\/services\//);
    expect(hookRow.target).toMatch(/\?…$/);
  });

  it("a different key cannot open them (the ciphertext is bound to SECRET_KEY)", async () => {
    const other = await createTestContext({ database: ctx.database });
    const rows = await channelRows(u.id);
    const sealed = rows.find((r) => r.type === "slack")?.secret_enc as string;
    await expect(openSecret(other.deps.keys, sealed)).rejects.toThrow();
  });
});

describe("API keys at rest", () => {
  it("api_keys holds the SHA-256 of the key, never the key", async () => {
    const user = await createUser(ctx);
    const check = async (key: string) => {
      const rows = await selectAll<Row>(ctx.database, sql`select * from api_keys where user_id = ${user.id}`);
      expect(rows).toHaveLength(1);
      const row = rows[0];
      expect(row.key_hash).toBe(await sha256Hex(key));
      expect(holds(row, key)).toBeNull();
      // the prefix, kept to tell keys apart in logs, is too short to be the key
      expect((row.prefix as string).length).toBeLessThan(10);
      // nor does any other table hold it
      const users = await selectAll<Row>(ctx.database, sql`select * from users where id = ${user.id}`);
      expect(holds(users[0], key)).toBeNull();
    };
    await check(user.key);
    const rotated = (await call(ctx, "POST", "/v1/me/api-key", { token: user.key })).json.api_key as string;
    await check(rotated);
  });
});
