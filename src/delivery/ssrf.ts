/**
 * SSRF guard for webhook targets: which addresses a webhook must never reach.
 * The ranges follow Svix's list (loopback, private, link-local, CGNAT, multicast, reserved,
 * documentation, and the IPv6 equivalents, with IPv4 embedded in IPv6 checked as IPv4).
 * Pure functions, so the same check runs at channel creation and inside the DNS lookup of the
 * connection the dispatcher actually makes (which is what stops DNS rebinding).
 */

type V4Range = [number, number]; // network as uint32, prefix length

const V4_BLOCKED: [string, number][] = [
  ["0.0.0.0", 8], // "this" network
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // CGNAT
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local (cloud metadata lives here)
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // TEST-NET-1
  ["192.88.99.0", 24], // 6to4 relay anycast
  ["192.168.0.0", 16], // private
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // TEST-NET-2
  ["203.0.113.0", 24], // TEST-NET-3
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, and 255.255.255.255 broadcast
];

export function parseIPv4(s: string): number | null {
  const m = s.match(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

const V4_RANGES: V4Range[] = V4_BLOCKED.map(([net, len]) => [parseIPv4(net) as number, len]);

function inV4(ip: number, [net, len]: V4Range): boolean {
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return (ip & mask) >>> 0 === (net & mask) >>> 0;
}

export function isBlockedIPv4(ip: number): boolean {
  return V4_RANGES.some((r) => inV4(ip, r));
}

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

export function isBlockedIPv6(g: number[]): boolean {
  const allZero = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (allZero(0, 8)) return true; // ::
  if (allZero(0, 7) && g[7] === 1) return true; // ::1
  if (allZero(0, 5) && g[5] === 0xffff) return isBlockedIPv4(v4From(g[6], g[7])); // ::ffff:a.b.c.d
  if (allZero(0, 6)) return true; // deprecated IPv4-compatible ::a.b.c.d
  if (g[0] === 0x64 && g[1] === 0xff9b) return true; // NAT64 64:ff9b::/96 and 64:ff9b:1::/48
  if (g[0] === 0x100 && allZero(1, 4)) return true; // discard 100::/64
  if (g[0] === 0x2001 && g[1] < 0x200) return true; // 2001::/23 IETF (Teredo, ORCHID, …)
  if (g[0] === 0x2001 && g[1] === 0xdb8) return true; // documentation
  if (g[0] === 0x2002) return true; // 6to4 tunnels to arbitrary IPv4, private ones included
  if ((g[0] & 0xfe00) === 0xfc00) return true; // unique local fc00::/7
  if ((g[0] & 0xffc0) === 0xfe80) return true; // link-local fe80::/10
  if ((g[0] & 0xffc0) === 0xfec0) return true; // site-local fec0::/10
  if ((g[0] & 0xff00) === 0xff00) return true; // multicast
  return false;
}

/** True when an address (v4 or v6 literal) must not be reached; unparsable counts as blocked. */
export function isBlockedAddress(address: string): boolean {
  const v4 = parseIPv4(address);
  if (v4 !== null) return isBlockedIPv4(v4);
  const v6 = parseIPv6(address);
  if (v6) return isBlockedIPv6(v6);
  return true;
}

export const isIpLiteral = (host: string) => parseIPv4(host) !== null || parseIPv6(host) !== null;

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

/**
 * Checks a webhook URL: http(s), no credentials, and (unless private targets are allowed) a host
 * that is not a blocked literal and does not resolve to a blocked address.
 */
export async function checkWebhookUrl(
  raw: string,
  opts: { allowPrivate: boolean; resolve?: (host: string) => Promise<string[]> },
): Promise<UrlCheck> {
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
    return isBlockedAddress(host) ? { ok: false, reason: `address ${host} is private or reserved` } : { ok: true, url };
  }
  // "localhost." is the same name as "localhost" (a fully qualified name ends with a dot).
  const name = host.replace(/\.+$/, "");
  if (name === "localhost" || name.endsWith(".localhost")) return { ok: false, reason: "localhost is not allowed" };
  if (!opts.resolve) return { ok: true, url };
  let addrs: string[];
  try {
    addrs = await opts.resolve(host);
  } catch {
    return { ok: false, reason: `host ${host} does not resolve` };
  }
  if (addrs.length === 0) return { ok: false, reason: `host ${host} does not resolve` };
  const bad = addrs.find(isBlockedAddress);
  return bad ? { ok: false, reason: `host ${host} resolves to private or reserved address ${bad}` } : { ok: true, url };
}
