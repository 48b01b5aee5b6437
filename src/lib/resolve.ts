import { lookup } from "node:dns/promises";

/** Resolves a host name to every address it would connect to (the SSRF guard checks them all). */
export type ResolveHost = (host: string) => Promise<string[]>;

/** Every address a host name resolves to (the SSRF guard refuses if any is private). */
export async function resolveHost(host: string): Promise<string[]> {
  const addrs = await lookup(host, { all: true, verbatim: true });
  return addrs.map((a) => a.address);
}
