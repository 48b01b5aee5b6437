import type { Keys } from "../../lib/crypto";
import { randomBytes, sha256Hex, toBase64 } from "../../lib/crypto";

/** What is encrypted per channel type; never returned after creation. */
export type ChannelSecret = { bot_token: string } | { url: string; signing_secret: string };

export async function sealSecret(keys: Keys, secret: ChannelSecret): Promise<string> {
  return keys.encrypt(JSON.stringify(secret));
}

export async function openSecret<T extends ChannelSecret>(keys: Keys, sealed: string): Promise<T> {
  return JSON.parse(await keys.decrypt(sealed)) as T;
}

/** Standard Webhooks secrets are `whsec_` + base64 of 24-64 random bytes. */
export function newSigningSecret(): string {
  return `whsec_${toBase64(randomBytes(32))}`;
}

/**
 * What may be shown of a webhook URL: scheme, host and the path with long segments (which are
 * often tokens, as in Slack incoming webhooks) cut, and no query.
 */
export function redactUrl(url: URL): string {
  const path = url.pathname
    .split("/")
    .map((seg) => (seg.length > 12 ? `${seg.slice(0, 4)}…` : seg))
    .join("/");
  return `${url.protocol}//${url.host}${path}${url.search ? "?…" : ""}`;
}

export const channelFingerprint = (type: string, target: string) => sha256Hex(`${type}:${target}`);
