/**
 * SSRF guard for webhook targets: which addresses a webhook must never reach, and why.
 * Every entry of the IANA IPv4 and IPv6 special-purpose address registries that is not globally
 * reachable is refused, and so are the globally reachable ones that cannot host a receiver
 * (anycast services, identifiers), plus multicast and the deprecated site-local block;
 * `test/unit/ssrf-registries.test.ts` walks both registries entry by entry.
 * IPv6 forms that carry an IPv4 address (mapped, translated, compatible, NAT64, 6to4) are judged
 * by that IPv4 address: a gateway or a dual-stack socket delivers to exactly that host, so
 * `64:ff9b::7f00:1` is loopback while `64:ff9b::8.8.8.8` (NAT64 to a public host) is fine.
 * Pure functions, so the same check runs at channel creation and inside the DNS lookup of the
 * connection the dispatcher actually makes (which is what stops DNS rebinding).
 */
import type { ResolveHost } from "../lib/resolve";

/** What a refusal says an operator can do about it (ALLOW_PRIVATE_WEBHOOK_TARGETS lifts every refusal here). */
const PRIVATE_TARGETS_HINT = "set ALLOW_PRIVATE_WEBHOOK_TARGETS=true to allow private, loopback and link-local targets";

const PRIVATE = "a private address";
const LOOPBACK = "a loopback address";
const LINK_LOCAL = "a link-local address";
const DOCUMENTATION = "a documentation address";
const RESERVED = "a reserved address";
const MULTICAST = "a multicast address";
// Anycast reaches the nearest instance of a service, which may sit inside our own network, and
// none of these services (AS112 DNS sinks, AMT relays, PCP, TURN) is a webhook receiver.
const ANYCAST = "an anycast service address";
const IETF = "an IETF protocol address";

type V4Range = [net: number, len: number, why: string];

/** First match wins, so a more specific block comes before the one that holds it. */
const V4_BLOCKED: [string, number, string][] = [
  ["0.0.0.0", 8, 'a "this network" address'],
  ["10.0.0.0", 8, PRIVATE],
  ["100.64.0.0", 10, "a shared (CGNAT) address"],
  ["127.0.0.0", 8, LOOPBACK],
  ["169.254.0.0", 16, LINK_LOCAL], // cloud metadata lives here
  ["172.16.0.0", 12, PRIVATE],
  ["192.0.0.0", 24, IETF], // the PCP and TURN anycast addresses in it included
  ["192.0.2.0", 24, DOCUMENTATION],
  ["192.31.196.0", 24, ANYCAST], // AS112-v4
  ["192.52.193.0", 24, ANYCAST], // AMT
  ["192.88.99.0", 24, ANYCAST], // 6to4 relays (deprecated), 6a44 relay
  ["192.168.0.0", 16, PRIVATE],
  ["192.175.48.0", 24, ANYCAST], // AS112 direct delegation
  ["198.18.0.0", 15, "a benchmarking address"],
  ["198.51.100.0", 24, DOCUMENTATION],
  ["203.0.113.0", 24, DOCUMENTATION],
  ["224.0.0.0", 4, MULTICAST],
  ["255.255.255.255", 32, "the broadcast address"],
  ["240.0.0.0", 4, RESERVED],
];

export function parseIPv4(s: string): number | null {
  const m = s.match(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

const V4_RANGES: V4Range[] = V4_BLOCKED.map(([net, len, why]) => [parseIPv4(net) as number, len, why]);

function inV4(ip: number, net: number, len: number): boolean {
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return (ip & mask) >>> 0 === (net & mask) >>> 0;
}

/** Why an IPv4 address (as uint32) is refused, or null when it is public. */
function ipv4RefusalReason(ip: number): string | null {
  return V4_RANGES.find(([net, len]) => inV4(ip, net, len))?.[2] ?? null;
}

const formatIPv4 = (ip: number) => [24, 16, 8, 0].map((s) => (ip >>> s) & 0xff).join(".");

/** Eight 16-bit groups, or null. Accepts `::` compression, a trailing dotted IPv4 and a zone id. */
export function parseIPv6(input: string): number[] | null {
  let s = input
    .replace(/^\[|\]$/g, "")
    .split("%")[0]
    .toLowerCase();
  if (!/^[0-9a-f:.]+$/.test(s) || !s.includes(":")) return null;
  const lastColon = s.lastIndexOf(":");
  const v4 = s.slice(lastColon + 1);
  if (v4.includes(".")) {
    // a trailing dotted quad stands for the last two groups
    const n = parseIPv4(v4);
    if (n === null) return null;
    s = `${s.slice(0, lastColon + 1)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const parse = (h: string) => (h === "" ? [] : h.split(":"));
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  const total = head.length + rest.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return null;
  const groups = [...head, ...Array(8 - total).fill("0"), ...rest];
  const out: number[] = [];
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
    out.push(Number.parseInt(g, 16));
  }
  return out;
}

const v4From = (hi: number, lo: number) => ((hi << 16) | lo) >>> 0;

/** The IPv4 address inside an IPv6 form decides: refused as that address would be, with both named. */
function embedded(hi: number, lo: number, form: string): string | null {
  const v4 = v4From(hi, lo);
  const why = ipv4RefusalReason(v4);
  return why && `${why} (IPv4 ${formatIPv4(v4)} in ${form} form)`;
}

/** Why an IPv6 address (eight groups) is refused, or null when it may be reached. */
function ipv6RefusalReason(g: number[]): string | null {
  const zero = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zero(0, 8)) return "the unspecified address";
  if (zero(0, 7) && g[7] === 1) return LOOPBACK;
  if (zero(0, 5) && g[5] === 0xffff) return embedded(g[6], g[7], "IPv4-mapped");
  if (zero(0, 4) && g[4] === 0xffff && g[5] === 0) return embedded(g[6], g[7], "IPv4-translated");
  if (zero(0, 6)) return embedded(g[6], g[7], "IPv4-compatible");
  if (g[0] === 0x64 && g[1] === 0xff9b) {
    if (zero(2, 6)) return embedded(g[6], g[7], "NAT64");
    // RFC 8215 lets a local translator pick any RFC 6052 layout inside its /48; we read the IPv4
    // address where the /96 layout (the common one, and the well-known prefix's) puts it.
    if (g[2] === 1) return embedded(g[6], g[7], "local-use NAT64");
    return RESERVED; // the rest of 64:ff9b::/32 is held back for future translation prefixes
  }
  if (g[0] === 0x2002) return embedded(g[1], g[2], "6to4");
  if (g[0] === 0x100 && zero(1, 3) && g[3] <= 1) return g[3] === 0 ? "a discard-only address" : "a dummy address";
  // Teredo (its IPv4 peer is obfuscated), benchmarking, ORCHID, drone tags, anycast services
  if (g[0] === 0x2001 && g[1] < 0x200) return IETF;
  if (g[0] === 0x2001 && g[1] === 0xdb8) return DOCUMENTATION;
  if (g[0] === 0x2620 && g[1] === 0x4f && g[2] === 0x8000) return ANYCAST; // AS112 direct delegation
  if (g[0] === 0x3fff && g[1] < 0x1000) return DOCUMENTATION; // 3fff::/20
  if (g[0] === 0x5f00) return "an SRv6 segment identifier";
  if ((g[0] & 0xfe00) === 0xfc00) return "a unique local (private) address";
  if ((g[0] & 0xffc0) === 0xfe80) return LINK_LOCAL;
  if ((g[0] & 0xffc0) === 0xfec0) return "a site-local (private) address";
  if ((g[0] & 0xff00) === 0xff00) return MULTICAST;
  return null;
}

/** Why an address (v4 or v6 literal) must not be reached, or null; what cannot be parsed is refused. */
function refusalReason(address: string): string | null {
  const v4 = parseIPv4(address);
  if (v4 !== null) return ipv4RefusalReason(v4);
  const v6 = parseIPv6(address);
  if (v6) return ipv6RefusalReason(v6);
  return "not an IP address";
}

/** True when an address (v4 or v6 literal) must not be reached; unparsable counts as blocked. */
export const isBlockedAddress = (address: string): boolean => refusalReason(address) !== null;

/**
 * The message of a refusal, the same at channel creation (the API's 400) and at delivery (the
 * notification's error): what was refused, why, and the setting that lifts it.
 * @example refusedAddressMessage("hooks.example.com", "10.0.0.1")
 * // "host hooks.example.com resolves to 10.0.0.1, a private address; set ALLOW_PRIVATE_WEBHOOK_TARGETS=true …"
 */
export function refusedAddressMessage(host: string, address: string): string {
  const why = refusalReason(address) ?? "refused";
  const what = host === address ? `${address} is ${why}` : `host ${host} resolves to ${address}, ${why}`;
  return `${what}; ${PRIVATE_TARGETS_HINT}`;
}

const isIpLiteral = (host: string) => parseIPv4(host) !== null || parseIPv6(host) !== null;

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

/**
 * Checks a webhook URL: http(s), no credentials, and (unless private targets are allowed) a host
 * that is not a blocked literal and does not resolve to a blocked address.
 */
export async function checkWebhookUrl(raw: string, opts: { allowPrivate: boolean; resolve?: ResolveHost }): Promise<UrlCheck> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "not a valid URL" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return { ok: false, reason: "must be http or https" };
  if (url.username || url.password) return { ok: false, reason: "must not carry credentials" };
  if (opts.allowPrivate) return { ok: true, url };
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isIpLiteral(host)) {
    return isBlockedAddress(host) ? { ok: false, reason: refusedAddressMessage(host, host) } : { ok: true, url };
  }
  // "localhost." is the same name as "localhost" (a fully qualified name ends with a dot).
  const name = host.replace(/\.+$/, "");
  if (name === "localhost" || name.endsWith(".localhost")) {
    // RFC 6761: resolvers answer loopback for these without asking DNS
    return { ok: false, reason: `host ${host} is a loopback name; ${PRIVATE_TARGETS_HINT}` };
  }
  if (!opts.resolve) return { ok: true, url };
  let addrs: string[];
  try {
    addrs = await opts.resolve(host);
  } catch {
    return { ok: false, reason: `host ${host} does not resolve` };
  }
  if (addrs.length === 0) return { ok: false, reason: `host ${host} does not resolve` };
  const bad = addrs.find(isBlockedAddress);
  return bad ? { ok: false, reason: refusedAddressMessage(host, bad) } : { ok: true, url };
}
