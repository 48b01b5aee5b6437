import { call, type TestContext, type TestUser } from "./app";

/**
 * A browser-shaped client for the server-rendered pages: keeps cookies between requests, posts
 * forms url-encoded with the Origin a browser would send, and reads the CSRF token from the page.
 */
export class PageClient {
  readonly cookies = new Map<string, string>();
  origin: string | null;
  /** the last page's CSRF token (the hidden `csrf` field) */
  csrf = "";

  constructor(
    private readonly ctx: TestContext,
    opts: { origin?: string | null } = {},
  ) {
    this.origin = opts.origin === undefined ? new URL(ctx.deps.config.publicUrl).origin : opts.origin;
  }

  private remember(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === "";
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  private cookieHeader(): Record<string, string> {
    if (this.cookies.size === 0) return {};
    return { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") };
  }

  /**
   * GETs a page and, like a browser, follows redirects to this service (a sign-in link answers
   * 303 to /preferences). `setCookies` has every Set-Cookie line along the way, `redirects` each hop.
   */
  async get(path: string, opts: { follow?: boolean } = {}) {
    const setCookies: string[] = [];
    const redirects: { status: number; location: string }[] = [];
    let res = await this.ctx.app.request(path, { headers: this.cookieHeader() });
    for (let hop = 0; ; hop++) {
      this.remember(res);
      setCookies.push(...res.headers.getSetCookie());
      const location = res.headers.get("location");
      if (opts.follow === false || hop >= 5 || res.status < 300 || res.status >= 400 || !location?.startsWith("/")) break;
      redirects.push({ status: res.status, location });
      res = await this.ctx.app.request(location, { headers: this.cookieHeader() });
    }
    const html = await res.text();
    const token = html.match(/name="csrf" value="([^"]+)"/)?.[1];
    if (token) this.csrf = token;
    return { status: res.status, html, headers: res.headers, setCookies, redirects };
  }

  /** Posts a form; `csrf` defaults to the token of the last page (pass `csrf: null` to leave it out). */
  async post(path: string, fields: Record<string, string | null> = {}) {
    const { csrf, ...rest } = fields;
    const body = new URLSearchParams(Object.entries(rest).filter((e): e is [string, string] => e[1] !== null));
    if (csrf !== null) body.set("csrf", csrf ?? this.csrf);
    const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", ...this.cookieHeader() };
    if (this.origin) headers.origin = this.origin;
    const res = await this.ctx.app.request(path, { method: "POST", headers, body: body.toString() });
    this.remember(res);
    const html = await res.text();
    const token = html.match(/name="csrf" value="([^"]+)"/)?.[1];
    if (token) this.csrf = token;
    return { status: res.status, html, headers: res.headers, location: res.headers.get("location") };
  }
}

/** The sign-in link the API mints, as a path (`/preferences?token=…`). */
export async function preferencesLink(ctx: TestContext, user: TestUser): Promise<string> {
  const res = await call(ctx, "POST", "/v1/me/preferences-link", { token: user.key });
  if (res.status !== 200) throw new Error(`preferences-link: ${res.status}`);
  const url = new URL(res.json.url as string);
  return `${url.pathname}${url.search}`;
}

/** A client signed in to the preference page of `user`. */
export async function signIn(ctx: TestContext, user: TestUser, opts: { origin?: string | null } = {}): Promise<PageClient> {
  const page = new PageClient(ctx, opts);
  const res = await page.get(await preferencesLink(ctx, user));
  if (res.status !== 200) throw new Error(`sign in: ${res.status} ${res.html.slice(0, 300)}`);
  return page;
}

/** The visible text of an HTML page, tags removed and whitespace collapsed (for "the page says …"). */
export const textOf = (html: string) =>
  html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/\s+/g, " ")
    .trim();
