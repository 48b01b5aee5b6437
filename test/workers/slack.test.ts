import { createMessageBatch } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/worker";
import type { DeliveryMessage } from "../../src/worker/bindings";
import { createUser, env, request, sql, uniq } from "./helpers";

/** A browser's cookie jar, enough for the preference page and the OAuth state cookie. */
class Jar {
  private readonly cookies = new Map<string, string>();
  take(headers: Headers) {
    for (const c of headers.getSetCookie()) {
      const [pair] = c.split(";");
      const i = pair.indexOf("=");
      this.cookies.set(pair.slice(0, i), pair.slice(i + 1));
    }
  }
  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

/** A fresh client address per request: the public budget of these tests is 3 a minute. */
const fresh = () => ({ "cf-connecting-ip": `198.51.100.${Math.floor(Math.random() * 250) + 1}` });

describe("Slack in the Worker (fetch clients of oauth.v2.access and chat.postMessage)", () => {
  it("Add to Slack creates the channel, and its welcome message is delivered to Slack", async () => {
    const u = await createUser({ tier: "watcher" });
    const jar = new Jar();
    const link = new URL((await request("POST", "/v1/me/preferences-link", { token: u.key })).json.url as string);
    const signedIn = await request("GET", `${link.pathname}${link.search}`, { headers: fresh() });
    expect(signedIn.status).toBe(303);
    jar.take(signedIn.headers);

    const install = await request("GET", "/slack/install", { headers: { ...fresh(), cookie: jar.header() } });
    expect(install.status).toBe(302);
    jar.take(install.headers);
    const state = new URL(install.headers.get("location") ?? "").searchParams.get("state") ?? "";
    expect(state).not.toBe("");

    const back = await request("GET", `/slack/oauth/callback?${new URLSearchParams({ code: "code-1", state })}`, {
      headers: { ...fresh(), cookie: jar.header() },
    });
    expect(back.status).toBeLessThan(400);

    const db = sql();
    const [channel] = await db`select id, target from channels where user_id = ${u.id} and type = 'slack'`;
    expect(channel.target).toBe("C0LEGAL1");
    const [welcome] = await db`select id from notifications where channel_id = ${channel.id} and kind = 'test'`;
    const batch = createMessageBatch<DeliveryMessage>("clausewatch-delivery", [
      { id: uniq("msg"), timestamp: new Date(), attempts: 1, body: { notification_id: welcome.id } },
    ]);
    await worker.queue(batch, env);

    const [sent] = await db`select status, provider_message_id from notifications where id = ${welcome.id}`;
    expect(sent.status).toBe("sent");
    const messages = (await (await fetch(`${env.RECEIVER_URL}/_slack`)).json()) as {
      channel: string;
      ts: string;
      token: string;
    }[];
    const mine = messages.find((m) => m.ts === sent.provider_message_id);
    expect(mine).toMatchObject({ channel: "C0LEGAL1", token: "xoxb-1111-2222-workertestabcdef" });
  });
});
