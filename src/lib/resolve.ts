import { lookup } from "node:dns/promises";

/** Every address a host name resolves to (the SSRF guard refuses if any is private). */
export async function resolveHost(host: string): Promise<string[]> {
  const addrs = await lookup(host, { all: true, verbatim: true });
  return addrs.map((a) => a.address);
}
