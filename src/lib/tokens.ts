import type { Keys } from "./crypto";
import { fromBase64Url, toBase64Url } from "./crypto";

/**
 * Signed, expiring tokens for links in messages (preferences, unsubscribe, verification).
 * `purpose` is signed too, so a token minted for one use is refused for another.
 */
/**
 * - `preferences`: a sign-in link (starts a page session); carries `v`, the user's session epoch
 * - `manage`: opens a page that can only email a fresh sign-in link to the account address
 */
/**
 * - `signup`: the link of a sign-up confirmation email; names the `signups` row, which makes it single use
 */
export type TokenPurpose = "preferences" | "manage" | "unsubscribe" | "verify-email" | "slack-state" | "signup";

export interface TokenClaims {
  p: TokenPurpose;
  /** subject: a user or channel id */
  s: string;
  /** expiry, seconds since the epoch */
  e: number;
  /** purpose-specific scope, e.g. which messages an unsubscribe stops */
  x?: string;
  /** sign-in links: the user's session epoch when issued ("sign out everywhere" bumps it) */
  v?: number;
}

export async function signToken(keys: Keys, claims: TokenClaims): Promise<string> {
  const body = toBase64Url(new TextEncoder().encode(JSON.stringify(claims)));
  return `${body}.${await keys.sign(body)}`;
}

/** The claims of a valid, unexpired token of this purpose, or null. */
export async function verifyToken(keys: Keys, purpose: TokenPurpose, token: string, now: Date): Promise<TokenClaims | null> {
  if (token.length > 2000) return null;
  const [body, sig, extra] = token.split(".");
  if (!body || !sig || extra !== undefined) return null;
  if (!(await keys.verify(body, sig))) return null;
  try {
    const claims = JSON.parse(new TextDecoder().decode(fromBase64Url(body))) as TokenClaims;
    if (claims.p !== purpose || typeof claims.s !== "string" || typeof claims.e !== "number") return null;
    if (claims.e * 1000 <= now.getTime()) return null;
    return claims;
  } catch {
    return null;
  }
}
