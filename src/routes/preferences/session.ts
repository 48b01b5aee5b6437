import type { Context } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";
import type { Keys } from "../../lib/crypto";
import { randomToken, timingSafeEqualStr } from "../../lib/crypto";
import type { AppEnv } from "../common";

/**
 * The preference page's browser session. The signed link (`?token=…`) identifies the user once;
 * from then on a cookie does, so form posts carry no token in their URL:
 * - HttpOnly, SameSite=Lax, Secure when PUBLIC_URL is https, signed (HMAC) under a key derived
 *   from SECRET_KEY, lasting SESSION_TTL_S;
 * - it holds a random nonce; each form carries `csrf` = HMAC(user, nonce), which a page on
 *   another site can neither read nor compute. Every POST checks it, and the Origin header when
 *   the browser sends one.
 */
export const SESSION_COOKIE = "cw_prefs";
export const SESSION_TTL_S = 2 * 60 * 60;

export interface PageSession {
  userId: string;
  /** the value every form's hidden `csrf` field must carry */
  csrf: string;
}

/*
 * Derived once per key set: a signature of a fixed label under the token key. No token body can
 * equal the label (bodies are base64url; the label has ':'), so this value is never published.
 */
const secrets = new WeakMap<Keys, Promise<string>>();
const cookieSecret = (keys: Keys) => {
  let s = secrets.get(keys);
  if (!s) {
    s = keys.sign("clausewatch:preferences-session-cookie");
    secrets.set(keys, s);
  }
  return s;
};

const csrfFor = (keys: Keys, userId: string, nonce: string) => keys.sign(`clausewatch:csrf:${userId}:${nonce}`);

/** Starts a session for a user whose signed link was just checked; replaces any other. */
export async function startSession(c: Context<AppEnv>, userId: string): Promise<PageSession> {
  const { keys, clock, config } = c.get("deps");
  const nonce = randomToken(16);
  const exp = Math.floor(clock.now().getTime() / 1000) + SESSION_TTL_S;
  await setSignedCookie(c, SESSION_COOKIE, `${userId}.${nonce}.${exp}`, await cookieSecret(keys), {
    path: "/",
    httpOnly: true,
    sameSite: "Lax",
    secure: config.publicUrl.startsWith("https:"),
    maxAge: SESSION_TTL_S,
  });
  return { userId, csrf: await csrfFor(keys, userId, nonce) };
}

/** The session of this request, or null (no cookie, tampered, or expired). */
export async function readSession(c: Context<AppEnv>): Promise<PageSession | null> {
  const { keys, clock } = c.get("deps");
  const value = await getSignedCookie(c, await cookieSecret(keys), SESSION_COOKIE);
  if (!value) return null;
  const [userId, nonce, exp, extra] = value.split(".");
  if (!userId || !nonce || !exp || extra !== undefined || !/^\d+$/.test(exp)) return null;
  if (Number(exp) * 1000 <= clock.now().getTime()) return null;
  return { userId, csrf: await csrfFor(keys, userId, nonce) };
}

export function endSession(c: Context<AppEnv>) {
  deleteCookie(c, SESSION_COOKIE, { path: "/" });
}

/**
 * True when a form post comes from our own page: the hidden token matches the session's, and
 * the Origin (when sent) is this service — PUBLIC_URL's or the request's own.
 */
export async function isSameSitePost(c: Context<AppEnv>, session: PageSession, formToken: string | undefined): Promise<boolean> {
  const origin = c.req.header("origin");
  if (origin !== undefined) {
    const allowed = [new URL(c.get("deps").config.publicUrl).origin, new URL(c.req.url).origin];
    if (!allowed.includes(origin)) return false;
  }
  if (!formToken) return false;
  return timingSafeEqualStr(formToken, session.csrf);
}
