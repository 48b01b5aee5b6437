import { describe, expect, it } from "vitest";
import { checkWebhookUrl, isBlockedAddress } from "../../src/delivery/ssrf";

/*
 * The SSRF guard against the IANA special-purpose address registries, entry by entry
 * (iana.org/assignments/iana-ipv4-special-registry and iana-ipv6-special-registry, as of
 * 2025-10, written out here by hand so the test runs offline). `reachable` is the registry's
 * "Globally Reachable" column; null where it says N/A or leaves it empty.
 *
 * Every entry that is not globally reachable must be refused. Entries that are globally
 * reachable are refused too, each with its reason: none of them can host a webhook receiver.
 * The exceptions are the IPv6 forms that carry an IPv4 address: those are judged by that IPv4
 * address, whatever the registry says of the IPv6 prefix (tested below, form by form).
 */
type Entry = {
  prefix: string;
  name: string;
  rfc: string;
  reachable: boolean | null;
  /** why a globally reachable (or N/A) entry is refused anyway */
  why?: string;
};

const ANYCAST =
  "anycast: the nearest instance answers, which can be a server inside our own network, and none of them is a webhook receiver";

const IPV4_REGISTRY: Entry[] = [
  { prefix: "0.0.0.0/8", name: '"This network"', rfc: "RFC 791", reachable: false },
  { prefix: "0.0.0.0/32", name: '"This host on this network"', rfc: "RFC 1122", reachable: false },
  { prefix: "10.0.0.0/8", name: "Private-Use", rfc: "RFC 1918", reachable: false },
  { prefix: "100.64.0.0/10", name: "Shared Address Space", rfc: "RFC 6598", reachable: false },
  { prefix: "127.0.0.0/8", name: "Loopback", rfc: "RFC 1122", reachable: false },
  { prefix: "169.254.0.0/16", name: "Link Local", rfc: "RFC 3927", reachable: false },
  { prefix: "172.16.0.0/12", name: "Private-Use", rfc: "RFC 1918", reachable: false },
  { prefix: "192.0.0.0/24", name: "IETF Protocol Assignments", rfc: "RFC 6890", reachable: false },
  { prefix: "192.0.0.0/29", name: "IPv4 Service Continuity Prefix", rfc: "RFC 7335", reachable: false },
  { prefix: "192.0.0.8/32", name: "IPv4 dummy address", rfc: "RFC 7600", reachable: false },
  { prefix: "192.0.0.9/32", name: "Port Control Protocol Anycast", rfc: "RFC 7723", reachable: true, why: ANYCAST },
  { prefix: "192.0.0.10/32", name: "Traversal Using Relays around NAT Anycast", rfc: "RFC 8155", reachable: true, why: ANYCAST },
  { prefix: "192.0.0.170/32", name: "NAT64/DNS64 Discovery", rfc: "RFC 8880", reachable: false },
  { prefix: "192.0.0.171/32", name: "NAT64/DNS64 Discovery", rfc: "RFC 8880", reachable: false },
  { prefix: "192.0.2.0/24", name: "Documentation (TEST-NET-1)", rfc: "RFC 5737", reachable: false },
  { prefix: "192.31.196.0/24", name: "AS112-v4", rfc: "RFC 7535", reachable: true, why: ANYCAST },
  { prefix: "192.52.193.0/24", name: "AMT", rfc: "RFC 7450", reachable: true, why: ANYCAST },
  {
    prefix: "192.88.99.0/24",
    name: "Deprecated (6to4 Relay Anycast)",
    rfc: "RFC 7526",
    reachable: null,
    why: `deprecated; ${ANYCAST}`,
  },
  { prefix: "192.88.99.2/32", name: "6a44-relay anycast address", rfc: "RFC 6751", reachable: false },
  { prefix: "192.168.0.0/16", name: "Private-Use", rfc: "RFC 1918", reachable: false },
  { prefix: "192.175.48.0/24", name: "Direct Delegation AS112 Service", rfc: "RFC 7534", reachable: true, why: ANYCAST },
  { prefix: "198.18.0.0/15", name: "Benchmarking", rfc: "RFC 2544", reachable: false },
  { prefix: "198.51.100.0/24", name: "Documentation (TEST-NET-2)", rfc: "RFC 5737", reachable: false },
  { prefix: "203.0.113.0/24", name: "Documentation (TEST-NET-3)", rfc: "RFC 5737", reachable: false },
  { prefix: "240.0.0.0/4", name: "Reserved", rfc: "RFC 1112", reachable: false },
  { prefix: "255.255.255.255/32", name: "Limited Broadcast", rfc: "RFC 8190, RFC 919", reachable: false },
];

/** Not in the special-purpose registry (it has its own), refused all the same. */
const IPV4_BEYOND: Entry[] = [{ prefix: "224.0.0.0/4", name: "Multicast", rfc: "RFC 5771", reachable: null, why: "multicast" }];

const IPV6_REGISTRY: Entry[] = [
  { prefix: "::1/128", name: "Loopback Address", rfc: "RFC 4291", reachable: false },
  { prefix: "::/128", name: "Unspecified Address", rfc: "RFC 4291", reachable: false },
  // ::ffff:0:0/96 (IPv4-mapped) and 64:ff9b::/96, 64:ff9b:1::/48: judged by their IPv4, see EMBEDDING
  { prefix: "100::/64", name: "Discard-Only Address Block", rfc: "RFC 6666", reachable: false },
  { prefix: "100:0:0:1::/64", name: "Dummy IPv6 Prefix", rfc: "RFC 9780", reachable: false },
  { prefix: "2001::/23", name: "IETF Protocol Assignments", rfc: "RFC 2928", reachable: false },
  {
    prefix: "2001::/32",
    name: "TEREDO",
    rfc: "RFC 4380, RFC 8190",
    reachable: null,
    why: "a tunnel to an IPv4 host whose address is obfuscated in the IPv6 one; the whole 2001::/23 is refused",
  },
  { prefix: "2001:1::1/128", name: "Port Control Protocol Anycast", rfc: "RFC 7723", reachable: true, why: ANYCAST },
  { prefix: "2001:1::2/128", name: "TURN Anycast", rfc: "RFC 8155", reachable: true, why: ANYCAST },
  {
    prefix: "2001:1::3/128",
    name: "DNS-SD Service Registration Protocol Anycast",
    rfc: "RFC 9665",
    reachable: true,
    why: ANYCAST,
  },
  { prefix: "2001:2::/48", name: "Benchmarking", rfc: "RFC 5180", reachable: false },
  { prefix: "2001:3::/32", name: "AMT", rfc: "RFC 7450", reachable: true, why: ANYCAST },
  { prefix: "2001:4:112::/48", name: "AS112-v6", rfc: "RFC 7535", reachable: true, why: ANYCAST },
  {
    prefix: "2001:10::/28",
    name: "Deprecated (previously ORCHID)",
    rfc: "RFC 4843",
    reachable: null,
    why: "returned to IANA, unused",
  },
  {
    prefix: "2001:20::/28",
    name: "ORCHIDv2",
    rfc: "RFC 7343",
    reachable: true,
    why: "host identifiers, not locators: nothing listens on them",
  },
  {
    prefix: "2001:30::/28",
    name: "Drone Remote ID Protocol Entity Tags (DETs) Prefix",
    rfc: "RFC 9374",
    reachable: true,
    why: "drone identifiers, not locators: nothing listens on them",
  },
  { prefix: "2001:db8::/32", name: "Documentation", rfc: "RFC 3849", reachable: false },
  { prefix: "2620:4f:8000::/48", name: "Direct Delegation AS112 Service", rfc: "RFC 7534", reachable: true, why: ANYCAST },
  { prefix: "3fff::/20", name: "Documentation", rfc: "RFC 9637", reachable: false },
  { prefix: "5f00::/16", name: "Segment Routing (SRv6) SIDs", rfc: "RFC 9602", reachable: false },
  { prefix: "fc00::/7", name: "Unique-Local", rfc: "RFC 4193, RFC 8190", reachable: false },
  { prefix: "fe80::/10", name: "Link-Local Unicast", rfc: "RFC 4291", reachable: false },
];

/** Not in the special-purpose registry, refused all the same. */
const IPV6_BEYOND: Entry[] = [
  { prefix: "fec0::/10", name: "Site-Local (deprecated)", rfc: "RFC 3879", reachable: null, why: "private to a site" },
  { prefix: "ff00::/8", name: "Multicast", rfc: "RFC 4291", reachable: null, why: "multicast" },
];

// ---- address arithmetic, to take addresses from inside each prefix ----

const v4ToString = (n: bigint) => [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 0xffn)).join(".");
const v6ToString = (n: bigint) =>
  Array.from({ length: 8 }, (_, i) => ((n >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(":");

function v4ToBig(s: string): bigint {
  return s.split(".").reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function v6ToBig(s: string): bigint {
  const [head, tail] = s.split("::");
  const h = head ? head.split(":") : [];
  const t = tail === undefined ? [] : tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
}

/** The first, a middle and the last address of a prefix, as strings. */
function samples(prefix: string): string[] {
  const [net, lenText] = prefix.split("/");
  const v6 = net.includes(":");
  const bits = v6 ? 128n : 32n;
  const len = BigInt(Number(lenText));
  const first = v6 ? v6ToBig(net) : v4ToBig(net);
  const size = 1n << (bits - len);
  const picks = [first, first + size / 2n, first + size - 1n];
  return [...new Set(picks.map(v6 ? v6ToString : v4ToString))];
}

describe("the sample arithmetic", () => {
  it("takes first, middle and last", () => {
    expect(samples("10.0.0.0/8")).toEqual(["10.0.0.0", "10.128.0.0", "10.255.255.255"]);
    expect(samples("192.0.0.9/32")).toEqual(["192.0.0.9"]);
    expect(samples("fe80::/10")).toEqual(["fe80:0:0:0:0:0:0:0", "fea0:0:0:0:0:0:0:0", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff"]);
    expect(samples("2001:1::1/128")).toEqual(["2001:1:0:0:0:0:0:1"]);
  });
});

describe("IANA IPv4 Special-Purpose Address Registry", () => {
  it.each([...IPV4_REGISTRY, ...IPV4_BEYOND].map((e) => [e.prefix, e.name, e] as const))(
    "%s (%s) is refused: first, middle and last address",
    (_prefix, _name, e) => {
      if (e.reachable !== false) expect(e.why, "a reachable entry is refused only with a reason").toBeTruthy();
      for (const a of samples(e.prefix)) expect(isBlockedAddress(a), `${a} in ${e.prefix} (${e.rfc})`).toBe(true);
    },
  );
});

describe("IANA IPv6 Special-Purpose Address Registry", () => {
  it.each([...IPV6_REGISTRY, ...IPV6_BEYOND].map((e) => [e.prefix, e.name, e] as const))(
    "%s (%s) is refused: first, middle and last address",
    (_prefix, _name, e) => {
      if (e.reachable !== false) expect(e.why, "a reachable entry is refused only with a reason").toBeTruthy();
      for (const a of samples(e.prefix)) expect(isBlockedAddress(a), `${a} in ${e.prefix} (${e.rfc})`).toBe(true);
    },
  );
});

/*
 * IPv6 forms that carry an IPv4 address, each judged by that address: a NAT64 gateway or a 6to4
 * relay would deliver to exactly that IPv4 host, and an IPv4-mapped address is how a dual-stack
 * socket reaches an IPv4 host. NAT64 to a public IPv4 address is a normal way for an IPv6-only
 * host to reach the world, so it is allowed.
 */
const EMBEDDING: { form: string; prefix: string; reachable: boolean | null; embed: (v4: string) => string }[] = [
  { form: "IPv4-mapped (RFC 4291)", prefix: "::ffff:0:0/96", reachable: false, embed: (v4) => `::ffff:${v4}` },
  { form: "IPv4-translated (RFC 2765)", prefix: "::ffff:0:0:0/96", reachable: null, embed: (v4) => `::ffff:0:${v4}` },
  { form: "IPv4-compatible, deprecated (RFC 4291)", prefix: "::/96", reachable: null, embed: (v4) => `::${v4}` },
  { form: "NAT64 well-known (RFC 6052)", prefix: "64:ff9b::/96", reachable: true, embed: (v4) => `64:ff9b::${v4}` },
  { form: "NAT64 local use (RFC 8215)", prefix: "64:ff9b:1::/48", reachable: false, embed: (v4) => `64:ff9b:1::${v4}` },
  {
    form: "6to4 (RFC 3056), IPv4 in bits 16–47",
    prefix: "2002::/16",
    reachable: null,
    embed: (v4) => {
      const n = v4ToBig(v4);
      return `2002:${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}::1`;
    },
  },
];

const PUBLIC_V4 = ["8.8.8.8", "1.1.1.1", "93.184.216.34"];
const PUBLIC_V6 = ["2606:4700:4700::1111", "2001:4860:4860::8888"];

describe("IPv6 forms that embed an IPv4 address are judged by it", () => {
  const refusedV4 = [...IPV4_REGISTRY, ...IPV4_BEYOND].flatMap((e) => samples(e.prefix).map((a) => [a, e.prefix] as const));

  it.each(EMBEDDING.map((f) => [f.form, f.prefix, f] as const))("%s %s: refused for every refused IPv4", (_form, _p, f) => {
    for (const [v4, from] of refusedV4) expect(isBlockedAddress(f.embed(v4)), `${f.embed(v4)} (${v4} from ${from})`).toBe(true);
  });

  it.each(EMBEDDING.map((f) => [f.form, f.prefix, f] as const))("%s %s: allowed for a public IPv4", (_form, _p, f) => {
    for (const v4 of PUBLIC_V4) expect(isBlockedAddress(f.embed(v4)), f.embed(v4)).toBe(false);
  });

  it("reads the IPv4 address out of the right bits, in hex spelling as well", () => {
    expect(isBlockedAddress("64:ff9b::7f00:1")).toBe(true); // 127.0.0.1
    expect(isBlockedAddress("64:ff9b::808:808")).toBe(false); // 8.8.8.8
    expect(isBlockedAddress("64:ff9b::8.8.8.8")).toBe(false);
    expect(isBlockedAddress("64:ff9b:1::a00:1")).toBe(true); // 10.0.0.1
    expect(isBlockedAddress("64:ff9b:1:ffff::808:808")).toBe(false); // the local-use IPv4 is the last 32 bits
    expect(isBlockedAddress("2002:0a00:0001::")).toBe(true); // 10.0.0.1
    expect(isBlockedAddress("2002:a9fe:a9fe:1:2:3:4:5")).toBe(true); // 169.254.169.254
    expect(isBlockedAddress("2002:808:808:ffff::7f00:1")).toBe(false); // 8.8.8.8; the low bits carry no IPv4
    expect(isBlockedAddress("::ffff:0:7f00:1")).toBe(true); // translated 127.0.0.1
    expect(isBlockedAddress("::ffff:0:808:808")).toBe(false);
    expect(isBlockedAddress("::a9fe:a9fe")).toBe(true); // compatible 169.254.169.254
  });

  it("the rest of 64:ff9b::/32 (reserved for future translation prefixes, RFC 8215) is refused", () => {
    for (const a of ["64:ff9b:2::808:808", "64:ff9b:0:1::808:808", "64:ff9b:ffff:ffff:ffff:ffff:ffff:ffff"]) {
      expect(isBlockedAddress(a), a).toBe(true);
    }
  });
});

describe("ordinary public addresses", () => {
  it("are allowed, as literals and as what a name resolves to", async () => {
    for (const a of [...PUBLIC_V4, ...PUBLIC_V6]) expect(isBlockedAddress(a), a).toBe(false);
    for (const a of [...PUBLIC_V4, ...PUBLIC_V6]) {
      const literal = a.includes(":") ? `https://[${a}]/hook` : `https://${a}/hook`;
      expect((await checkWebhookUrl(literal, { allowPrivate: false })).ok, literal).toBe(true);
      const named = await checkWebhookUrl("https://hooks.example.com/in", { allowPrivate: false, resolve: async () => [a] });
      expect(named.ok, `hooks.example.com → ${a}`).toBe(true);
    }
  });

  it("including NAT64 and 6to4 forms of a public IPv4 address", async () => {
    for (const a of ["64:ff9b::8.8.8.8", "64:ff9b::101:101", "2002:808:808::1"]) {
      expect((await checkWebhookUrl(`https://[${a}]/hook`, { allowPrivate: false })).ok, a).toBe(true);
    }
  });
});
