import { createHmac } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ChangeEvent } from "../../src/lib/event-schema";
import { uniq } from "./app";

const dir = fileURLToPath(new URL("../fixtures/events/", import.meta.url));

/** The fixture events (copied from the pipeline's examples), by file name. */
export const fixtures: Record<string, ChangeEvent> = Object.fromEntries(
  readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => [f.replace(/\.json$/, ""), JSON.parse(readFileSync(dir + f, "utf8")) as ChangeEvent]),
);

/**
 * A fixture with a fresh id and, unless kept, a fresh platform slug, so tests that share a
 * PostgreSQL database never match each other's watches.
 */
export function freshEvent(name: string, over: Partial<ChangeEvent> & { platformSlug?: string } = {}): ChangeEvent {
  const base = structuredClone(fixtures[name]);
  if (!base) throw new Error(`no fixture ${name}`);
  const { platformSlug, ...rest } = over;
  return {
    ...base,
    id: uniq("evt"),
    ...rest,
    platform: { ...base.platform, slug: platformSlug ?? uniq(base.platform.slug) },
  };
}

/**
 * A fresh event whose categories are renamed with a unique prefix, so that no `"*"` watch of
 * another test (they match every platform by category) can match it on a shared database.
 * `cat` gives a category's name in this event, for the watches that should match it.
 */
export function isolatedEvent(name: string, over: Partial<ChangeEvent> & { platformSlug?: string } = {}) {
  const tag = uniq("cat");
  const cat = (c: string) => `${tag}-${c}`;
  const e = freshEvent(name, over);
  for (const ch of e.changes) ch.categories = ch.categories.map(cat);
  return { e, cat };
}

/**
 * A Standard Webhooks signature over exact bytes, computed here with node:crypto rather than by
 * the service's verifier or the `standardwebhooks` package (whose sign() stringifies a Buffer), so
 * a BOM or bytes that are not UTF-8 are signed as sent.
 */
export function signBytes(secret: string, msgId: string, unixSeconds: number, body: Uint8Array): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const mac = createHmac("sha256", key).update(`${msgId}.${unixSeconds}.`).update(body).digest("base64");
  return `v1,${mac}`;
}
