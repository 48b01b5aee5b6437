/**
 * Scalar's standalone bundle, the script of /docs: read from the installed @scalar/api-reference
 * (the version package.json pins), never a CDN — the page's policy runs only the scripts it
 * tagged, and an offline machine has no CDN.
 */

/**
 * The one place that reads the bundle, once per process. Node-only on purpose, behind dynamic
 * imports so that importing the app stays platform-neutral: a Workers build cannot read
 * node_modules at run time and serves a copy from its assets instead (scripts/worker-assets.ts).
 */
async function readStandaloneBundle(): Promise<Uint8Array<ArrayBuffer>> {
  const { createRequire } = await import("node:module");
  const { readFile } = await import("node:fs/promises");
  const { dirname, join } = await import("node:path");
  // The package's exports hide package.json; its entry point sits in dist/, beside browser/.
  const entry = createRequire(import.meta.url).resolve("@scalar/api-reference");
  const bytes = await readFile(join(dirname(entry), "browser", "standalone.js"));
  return new Uint8Array(bytes);
}

async function gzip(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** 4.3 MB as is, 1.3 MB gzipped: compressed once per process, not per request (a phone downloads it). */
export type Bundle = { raw: Uint8Array<ArrayBuffer>; gzip: Uint8Array<ArrayBuffer> };
let bundle: Promise<Bundle> | undefined;

export const loadBundle = () => {
  if (!bundle) {
    bundle = readStandaloneBundle().then(async (raw) => ({ raw, gzip: await gzip(raw) }));
    // a failed read is retried by the next request rather than remembered
    bundle.catch(() => {
      bundle = undefined;
    });
  }
  return bundle;
};
