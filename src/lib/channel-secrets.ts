import type { Keys } from "./crypto";
import { randomBytes, sha256Hex, toBase64 } from "./crypto";

/**
 * A channel's secrets: what is encrypted per channel type into `channels.secret_enc` (AES-256-GCM
 * under SECRET_KEY), never returned after creation; and the fingerprint that makes an identical
 * channel a 409 without storing its target in clear.
 */
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

/** SHA-256 of the channel's full target, unique per user among live channels. */
export const channelFingerprint = (type: string, target: string) => sha256Hex(`${type}:${target}`);
