/**
 * A self-contained docs page rendered from the same OpenAPI document as /openapi.json
 * (no CDN scripts: it works offline and leaks nothing).
 */
type Doc = {
  info: { title: string; version: string; description?: string };
  paths: Record<
    string,
    Record<
      string,
      { summary?: string; tags?: string[]; security?: unknown[]; responses?: Record<string, { description?: string }> }
    >
  >;
};

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export function renderDocs(doc: Doc): string {
  const ops: { tag: string; method: string; path: string; summary: string; codes: string }[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      ops.push({
        tag: op.tags?.[0] ?? "other",
        method: method.toUpperCase(),
        path,
        summary: op.summary ?? "",
        codes: Object.keys(op.responses ?? {}).join(" "),
      });
    }
  }
  const tags = [...new Set(ops.map((o) => o.tag))];
  const sections = tags
    .map(
      (t) =>
        `<h2>${esc(t)}</h2><table><thead><tr><th>method</th><th>path</th><th>what</th><th>answers</th></tr></thead><tbody>${ops
          .filter((o) => o.tag === t)
          .map(
            (o) =>
              `<tr><td><code>${o.method}</code></td><td><code>${esc(o.path)}</code></td><td>${esc(o.summary)}</td><td>${esc(o.codes)}</td></tr>`,
          )
          .join("")}</tbody></table>`,
    )
    .join("");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(doc.info.title)} API</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}
code{font-size:.9em}</style></head><body>
<h1>${esc(doc.info.title)} API <small>${esc(doc.info.version)}</small></h1>
<p>${esc(doc.info.description ?? "")}</p>
<p>The machine-readable contract is <a href="/openapi.json">/openapi.json</a>. Errors always answer
<code>{"error": {"code", "message", "request_id"}}</code>.</p>
${sections}</body></html>`;
}
