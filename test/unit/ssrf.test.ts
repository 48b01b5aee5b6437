import { describe, expect, it } from "vitest";
import { checkWebhookUrl, isBlockedAddress, parseIPv4, parseIPv6 } from "../../src/delivery/ssrf";

/** For every blocked IPv4 range: its first address, one inside and its last address. */
const V4_BLOCKED: [string, string[]][] = [
  ['"this" network 0.0.0.0/8', ["0.0.0.0", "0.1.2.3", "0.255.255.255"]],
  ["private 10.0.0.0/8", ["10.0.0.0", "10.20.30.40", "10.255.255.255"]],
  ["CGNAT 100.64.0.0/10", ["100.64.0.0", "100.100.100.100", "100.127.255.255"]],
  ["loopback 127.0.0.0/8", ["127.0.0.1", "127.1.2.3", "127.255.255.255"]],
  ["link-local 169.254.0.0/16 (cloud metadata)", ["169.254.0.0", "169.254.169.254", "169.254.255.255"]],
  ["private 172.16.0.0/12", ["172.16.0.0", "172.20.1.1", "172.31.255.255"]],
  ["IETF protocol assignments 192.0.0.0/24", ["192.0.0.0", "192.0.0.170", "192.0.0.255"]],
  ["TEST-NET-1 192.0.2.0/24", ["192.0.2.0", "192.0.2.1", "192.0.2.255"]],
  ["6to4 relay 192.88.99.0/24", ["192.88.99.0", "192.88.99.1", "192.88.99.255"]],
  ["AS112 anycast 192.31.196.0/24 and 192.175.48.0/24", ["192.31.196.1", "192.175.48.6", "192.175.48.42"]],
  ["AMT anycast 192.52.193.0/24", ["192.52.193.0", "192.52.193.255"]],
  ["private 192.168.0.0/16", ["192.168.0.0", "192.168.1.1", "192.168.255.255"]],
  ["benchmarking 198.18.0.0/15", ["198.18.0.0", "198.19.1.1", "198.19.255.255"]],
  ["TEST-NET-2 198.51.100.0/24", ["198.51.100.0", "198.51.100.7", "198.51.100.255"]],
  ["TEST-NET-3 203.0.113.0/24", ["203.0.113.0", "203.0.113.9", "203.0.113.255"]],
  ["multicast 224.0.0.0/4", ["224.0.0.0", "230.1.2.3", "239.255.255.255"]],
  ["reserved 240.0.0.0/4 and broadcast", ["240.0.0.0", "250.1.2.3", "255.255.255.255"]],
];

/** Just outside each range, and well-known public addresses. */
const V4_PUBLIC = [
  "1.1.1.1",
  "8.8.8.8",
  "9.255.255.255",
  "11.0.0.0",
  "100.63.255.255",
  "100.128.0.0",
  "126.255.255.255",
  "128.0.0.0",
  "169.253.255.255",
  "169.255.0.0",
  "172.15.255.255",
  "172.32.0.0",
  "192.0.1.0",
  "192.0.3.0",
  "192.88.98.255",
  "192.88.100.0",
  "192.31.195.255",
  "192.31.197.0",
  "192.175.47.255",
  "192.175.49.0",
  "192.167.255.255",
  "192.169.0.0",
  "198.17.255.255",
  "198.20.0.0",
  "198.51.99.255",
  "198.51.101.0",
  "203.0.112.255",
  "203.0.114.0",
  "223.255.255.255",
  "93.184.216.34",
];

const V6_BLOCKED: [string, string[]][] = [
  ["unspecified ::", ["::", "0:0:0:0:0:0:0:0"]],
  ["loopback ::1", ["::1", "0:0:0:0:0:0:0:1"]],
  [
    "IPv4-mapped of a blocked IPv4",
    ["::ffff:127.0.0.1", "::ffff:7f00:1", "::FFFF:10.0.0.1", "::ffff:169.254.169.254", "::ffff:0.0.0.0"],
  ],
  ["IPv4-translated of a blocked IPv4 ::ffff:0:a.b.c.d", ["::ffff:0:127.0.0.1", "::ffff:0:a00:1", "::ffff:0:0:0"]],
  ["IPv4-compatible (deprecated) of a blocked IPv4", ["::127.0.0.1", "::10.0.0.1", "::2"]],
  ["NAT64 64:ff9b::/96 and 64:ff9b:1::/48 of a blocked IPv4", ["64:ff9b::7f00:1", "64:ff9b::10.1.2.3", "64:ff9b:1::1"]],
  ["discard 100::/64", ["100::", "100::1:2:3:4"]],
  ["IETF 2001::/23 (Teredo, ORCHID)", ["2001::", "2001:0:4136:e378::1", "2001:10::1", "2001:1ff::1"]],
  ["documentation 2001:db8::/32", ["2001:db8::", "2001:db8:85a3::8a2e:370:7334"]],
  ["6to4 2002::/16 of a blocked IPv4", ["2002::", "2002:7f00:1::1", "2002:c0a8:101::1", "2002:0a00:0001::"]],
  ["documentation 3fff::/20", ["3fff::", "3fff:fff:ffff::1"]],
  ["SRv6 SIDs 5f00::/16", ["5f00::", "5f00:1:2::3"]],
  ["AS112 direct delegation 2620:4f:8000::/48", ["2620:4f:8000::6", "2620:4f:8000::42"]],
  ["dummy prefix 100:0:0:1::/64", ["100:0:0:1::", "100:0:0:1:ffff::1"]],
  ["unique local fc00::/7", ["fc00::", "fd00::1", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"]],
  ["link-local fe80::/10", ["fe80::", "fe80::1", "febf::1", "fe80::1%eth0"]],
  ["site-local fec0::/10", ["fec0::1", "feff::1"]],
  ["multicast ff00::/8", ["ff00::", "ff02::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"]],
];

const V6_PUBLIC = [
  "2606:4700:4700::1111",
  "2001:4860:4860::8888",
  "2a00:1450:4001:80e::200e",
  "::ffff:8.8.8.8",
  "::ffff:1.1.1.1",
  // IPv4 inside IPv6 is judged by the IPv4 address: NAT64 and 6to4 to a public host are fine
  "64:ff9b::8.8.8.8",
  "64:ff9b::808:808",
  "2002:808:808::1",
  "::ffff:0:8.8.8.8",
  "::8.8.8.8",
  "100:0:0:2::1", // just past the dummy prefix
  "3fff:1000::1", // just past 3fff::/20
  "2620:4f:8001::1", // just past the AS112 /48
  "2001:200::1", // just past 2001::/23
  "2001:db7:ffff::1",
  "2003::1",
  "fbff::1",
  "fe7f::1",
];

describe("isBlockedAddress", () => {
  it.each(V4_BLOCKED)("blocks IPv4 %s", (_range, addrs) => {
    for (const a of addrs) expect(isBlockedAddress(a), a).toBe(true);
  });
  it.each(V6_BLOCKED)("blocks IPv6 %s", (_range, addrs) => {
    for (const a of addrs) expect(isBlockedAddress(a), a).toBe(true);
  });
  it("allows public IPv4 addresses, including the neighbours of every blocked range", () => {
    for (const a of V4_PUBLIC) expect(isBlockedAddress(a), a).toBe(false);
  });
  it("allows public IPv6 addresses, including IPv4-mapped public ones", () => {
    for (const a of V6_PUBLIC) expect(isBlockedAddress(a), a).toBe(false);
  });
  it("treats what it cannot parse as blocked", () => {
    for (const a of ["", "localhost", "256.0.0.1", "1.2.3", "1.2.3.4.5", "::g", "1:2:3:4:5:6:7:8:9", "1::2::3", "example.com"]) {
      expect(isBlockedAddress(a), a).toBe(true);
    }
  });
});

describe("parsers", () => {
  it("parseIPv4 reads dotted quads only", () => {
    expect(parseIPv4("127.0.0.1")).toBe(0x7f000001);
    expect(parseIPv4("255.255.255.255")).toBe(0xffffffff);
    for (const s of ["256.1.1.1", "1.2.3", "01234.1.1.1", " 1.2.3.4", "1.2.3.4 ", "a.b.c.d"]) expect(parseIPv4(s), s).toBeNull();
  });
  it("parseIPv6 expands ::, a trailing IPv4, brackets and zone ids", () => {
    expect(parseIPv6("::1")).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIPv6("[2001:db8::1]")).toEqual([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]);
    expect(parseIPv6("::ffff:127.0.0.1")).toEqual([0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]);
    expect(parseIPv6("fe80::1%eth0")).toEqual([0xfe80, 0, 0, 0, 0, 0, 0, 1]);
    for (const s of ["1.2.3.4", "::ffff:1.2.3", "12345::", ":::", "1:2:3:4:5:6:7"]) expect(parseIPv6(s), s).toBeNull();
  });
});

describe("checkWebhookUrl", () => {
  const refuse = { allowPrivate: false };

  it.each([
    "http://127.0.0.1/hook",
    "http://127.1/hook", // the URL parser normalises short forms…
    "http://2130706433/hook", // …decimal…
    "http://0x7f.0.0.1/hook", // …and hex
    "http://[::1]:8080/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[::ffff:7f00:1]/hook",
    "http://[fd12:3456::1]/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://0.0.0.0:9000/",
    "http://localhost/hook",
    "http://LOCALHOST:3000/hook",
    "http://localhost./hook",
    "http://api.localhost/hook",
  ])("refuses %s without resolving anything", async (url) => {
    const seen: string[] = [];
    const res = await checkWebhookUrl(url, {
      ...refuse,
      resolve: async (h) => {
        seen.push(h);
        return ["93.184.216.34"];
      },
    });
    expect(res.ok).toBe(false);
    expect(seen).toEqual([]);
  });

  it.each([
    ["not a URL", "not a url"],
    ["another scheme", "ftp://example.com/x"],
    ["javascript:", "javascript:alert(1)"],
    ["file:", "file:///etc/passwd"],
    ["credentials", "https://user:pass@example.com/hook"],
    ["a user name only", "https://user@example.com/hook"],
  ])("refuses %s", async (_what, url) => {
    expect((await checkWebhookUrl(url, refuse)).ok).toBe(false);
  });

  it("refuses a host name that resolves to 127.0.0.1 (through the injected resolver)", async () => {
    const res = await checkWebhookUrl("https://innocent.example.com/hook", { ...refuse, resolve: async () => ["127.0.0.1"] });
    expect(res).toEqual({ ok: false, reason: expect.stringContaining("127.0.0.1") });
  });

  const HINT = "set ALLOW_PRIVATE_WEBHOOK_TARGETS=true to allow private, loopback and link-local targets";
  it.each([
    ["a private literal", "http://10.0.0.1/hook", ["127.0.0.1"], `10.0.0.1 is a private address; ${HINT}`],
    ["a loopback name", "http://localhost:3000/hook", ["127.0.0.1"], `host localhost is a loopback name; ${HINT}`],
    [
      "a name resolving to a private address",
      "https://hooks.example.com/in",
      ["93.184.216.34", "10.0.0.1"],
      `host hooks.example.com resolves to 10.0.0.1, a private address; ${HINT}`,
    ],
    [
      "a name resolving to link-local",
      "https://meta.example.com/",
      ["169.254.169.254"],
      `host meta.example.com resolves to 169.254.169.254, a link-local address; ${HINT}`,
    ],
    [
      "NAT64 of loopback",
      "http://[64:ff9b::7f00:1]/hook",
      [],
      `64:ff9b::7f00:1 is a loopback address (IPv4 127.0.0.1 in NAT64 form); ${HINT}`,
    ],
    [
      "6to4 of a private address",
      "http://[2002:a00:1::]/hook",
      [],
      `2002:a00:1:: is a private address (IPv4 10.0.0.1 in 6to4 form); ${HINT}`,
    ],
  ])("the refusal of %s says why and names the setting that allows it", async (_what, url, answers, reason) => {
    expect(await checkWebhookUrl(url, { ...refuse, resolve: async () => answers })).toEqual({ ok: false, reason });
  });

  it("refuses a name when any of its addresses is private, or when it resolves to nothing", async () => {
    const mixed = await checkWebhookUrl("https://mixed.example.com/", {
      ...refuse,
      resolve: async () => ["93.184.216.34", "::ffff:10.0.0.1"],
    });
    expect(mixed.ok).toBe(false);
    expect((await checkWebhookUrl("https://none.example.com/", { ...refuse, resolve: async () => [] })).ok).toBe(false);
    const failing = await checkWebhookUrl("https://nxdomain.example.com/", {
      ...refuse,
      resolve: async () => {
        throw new Error("ENOTFOUND");
      },
    });
    expect(failing.ok).toBe(false);
  });

  it("allows public addresses and names resolving to them", async () => {
    for (const url of ["https://93.184.216.34/hook", "http://[2606:4700:4700::1111]/x", "https://8.8.8.8:8443/a?b=c"]) {
      const res = await checkWebhookUrl(url, refuse);
      expect(res.ok, url).toBe(true);
    }
    const named = await checkWebhookUrl("https://hooks.example.com/in?token=abc", {
      ...refuse,
      resolve: async () => ["93.184.216.34", "2606:4700:4700::1111"],
    });
    expect(named.ok).toBe(true);
    if (named.ok) expect(named.url.href).toBe("https://hooks.example.com/in?token=abc");
  });

  it("allowPrivate lets private targets through, but never other schemes or credentials", async () => {
    const allow = { allowPrivate: true, resolve: async () => ["127.0.0.1"] };
    expect((await checkWebhookUrl("http://127.0.0.1:8080/hook", allow)).ok).toBe(true);
    expect((await checkWebhookUrl("http://localhost/hook", allow)).ok).toBe(true);
    expect((await checkWebhookUrl("ftp://127.0.0.1/hook", allow)).ok).toBe(false);
    expect((await checkWebhookUrl("http://a:b@127.0.0.1/hook", allow)).ok).toBe(false);
  });
});
