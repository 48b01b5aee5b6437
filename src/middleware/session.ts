import type { Context } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";
import type { UserRow } from "../db/schema/users";
import type { Keys } from "../lib/crypto";
import { timingSafeEqualStr } from "../lib/crypto";
import { createSession, endSession as endServerSession, SESSION_TTL_S, sessionUser } from "../services/sign-in";
import type { AppEnv } from "./context";

/**
 * The preference page's browser session. A sign-in link identifies the user once; from then on
 * a cookie does, so form posts carry no token in their URL:
 * - the cookie holds a random token; the server keeps only its hash (services/sign-in.ts), so
 *   signing out — here or everywhere — ends the session for a copied cookie too;
 * - HttpOnly, SameSite=Lax, Secure when PUBLIC_URL is https, and signed (HMAC) so a forged value
 *   is refused before any database lookup;
 * - each form carries `csrf` = HMAC(user, token), which a page on another site can neither read
 *   nor compute. Every POST checks it, and the Origin header when the browser sends one.
 */
export const SESSION_COOKIE = "cw_prefs";

export interface PageSession {
  user: UserRow;
  /** the value every form's hidden `csrf` field must carry */
  csrf: string;
  /** the cookie's token (to end this session) */
  token: string;
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

const csrfFor = (keys: Keys, userId: string, token: string) => keys.sign(`clausewatch:csrf:${userId}:${token}`);

/** Starts a session for a user whose sign-in link was just checked. */
export async function startSession(c: Context<AppEnv>, user: UserRow): Promise<PageSession> {
  const { keys, clock, config, database } = c.get("deps");
  const token = await createSession(database.db, user.id, clock.now());
  await setSignedCookie(c, SESSION_COOKIE, token, await cookieSecret(keys), {
    path: "/",
    httpOnly: true,
    sameSite: "Lax",
    secure: config.publicUrl.startsWith("https:"),
    maxAge: SESSION_TTL_S,
  });
  return { user, token, csrf: await csrfFor(keys, user.id, token) };
}

/** The live session of this request, or null (no cookie, tampered, ended, or expired). */
export async function readSession(c: Context<AppEnv>): Promise<PageSession | null> {
  const { keys, clock, database } = c.get("deps");
  const token = await getSignedCookie(c, await cookieSecret(keys), SESSION_COOKIE);
  if (!token || token.length > 100) return null;
  const user = await sessionUser(database.db, token, clock.now());
  if (!user) return null;
  return { user, token, csrf: await csrfFor(keys, user.id, token) };
}

/** Ends this session on the server and clears the cookie. */
export async function endSession(c: Context<AppEnv>, session: PageSession): Promise<void> {
  await endServerSession(c.get("deps").database.db, session.token);
  deleteCookie(c, SESSION_COOKIE, { path: "/" });
}

export function clearSessionCookie(c: Context<AppEnv>) {
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
