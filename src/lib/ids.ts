import { randomBytes, toHex } from "./crypto";

/** Opaque, prefixed ids (`usr_…`, `wat_…`); SQL-side rows use the same shape (see db/schema/columns). */
export function newId(prefix: string): string {
  return `${prefix}_${toHex(randomBytes(16))}`;
}
