import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createOutboxDirChannel } from "../../src/delivery/channels/email";
import { createEmailRenderer } from "../../src/delivery/render/email";
import { createPooledEmailRenderer, type PooledEmailRenderer, workerFile } from "../../src/delivery/render/pool";
import { RenderUnavailableError } from "../../src/delivery/render/unavailable";
import { createChannels } from "../../src/delivery/setup";
import type { OutboundMessage } from "../../src/delivery/types";
import { parseEnv } from "../../src/env";
import { fixtures } from "../helpers/events";
import { alertMessage, digestContent, manyEvents, outbound } from "../helpers/messages";

/**
 * The email renderer on worker threads (src/delivery/render/pool.ts, RENDER_THREADS): the same
 * bytes as the in-thread renderer, and a render thread that dies, hangs or is shut down fails the
 * render (retryable), never the process.
 */
const PUBLIC_URL = "https://app.clausewatch.test:8443/base";
const open: PooledEmailRenderer[] = [];
const pooled = (o: Partial<Parameters<typeof createPooledEmailRenderer>[0]> = {}) => {
  const r = createPooledEmailRenderer({ publicUrl: PUBLIC_URL, threads: 2, ...o });
  open.push(r);
  return r;
};
/** test/fixtures/render-worker.mjs: dies, hangs or fails by message id */
const standIn = new URL("../fixtures/render-worker.mjs", import.meta.url).href;
const msg = (id: string): OutboundMessage => ({ ...outbound({ kind: "test" }), id });

afterAll(async () => {
  await Promise.all(open.map((r) => r.close()));
});

describe("email rendering on worker threads", () => {
  it("finds its worker beside the bundle's chunks, or goes through tsx from the sources", () => {
    expect(workerFile("file:///srv/app/dist/src/pool-AB12CD34.js")).toBe("file:///srv/app/dist/src/email-worker.js");
    expect(workerFile("file:///srv/app/dist/src/index.js")).toBe("file:///srv/app/dist/src/email-worker.js");
    expect(workerFile("file:///srv/app/src/delivery/render/pool.ts")).toBe(
      "file:///srv/app/src/delivery/render/email-worker.dev.mjs",
    );
  });

  it("RENDER_THREADS: a whole number from 0 (the main thread) to 256; unset leaves the choice to the entry point", () => {
    const threads = (v?: string) => {
      const r = parseEnv(v === undefined ? {} : { RENDER_THREADS: v });
      return r.ok ? r.env.RENDER_THREADS : r.problems;
    };
    expect([threads(), threads(""), threads("0"), threads("2"), threads("256")]).toEqual([undefined, undefined, 0, 2, 256]);
    for (const bad of ["-1", "1.5", "257", "two", "1e2"])
      expect(threads(bad)).toEqual(["RENDER_THREADS: must be a whole number of threads from 0 to 256"]);
  });

  it("renders digests, alerts and notices byte for byte as the in-thread renderer does", async () => {
    const inThread = createEmailRenderer({ publicUrl: PUBLIC_URL });
    const renderEmail = pooled();
    const quiet = { ...digestContent("free", [fixtures["02-ideogram-training"]]), watchlist: [], highlights: [] };
    const messages: OutboundMessage[] = [
      outbound(digestContent("professional")),
      outbound(digestContent("watcher"), "watcher"),
      outbound(quiet, "free"),
      // 60 events: more than a digest lists, so the fit ladder and "and N more" run in the thread too
      outbound(digestContent("professional", manyEvents(60))),
      alertMessage("watcher", [fixtures["01-anthropic-ai-training"], fixtures["03-netflix-ai-prohibition"]]),
      outbound({ kind: "test" }),
    ];
    const viaPool = await Promise.all(messages.map((m) => renderEmail(m)));
    expect(renderEmail.threads).toHaveLength(2);
    for (const [i, m] of messages.entries()) {
      const expected = await inThread(m);
      expect(viaPool[i].html).toBe(expected.html);
      expect(viaPool[i].text).toBe(expected.text);
      expect(viaPool[i]).toEqual(expected);
    }
    expect(viaPool[0].html).toContain("weekly digest");
  });

  it("a thread killed mid-render fails that render as unavailable; the pool replaces the thread", async () => {
    const renderEmail = pooled();
    const digest = outbound(digestContent("professional"));
    const first = await renderEmail(digest); // threads up and warm
    const killed = renderEmail(digest).then(
      () => null,
      (err: unknown) => err,
    ); // posted to a thread at once (no queue)
    await Promise.all(renderEmail.threads.map((t) => t.terminate()));
    const err = await killed;
    expect(err).toBeInstanceOf(RenderUnavailableError);
    expect((err as Error).message).toMatch(/^email render thread failed: worker exited/);
    expect(await renderEmail(digest)).toEqual(first);
  });

  it("a thread that exits or throws outside the task fails the render; the next ones go through", async () => {
    const renderEmail = pooled({ filename: standIn });
    await expect(renderEmail(msg("exit"))).rejects.toThrow(/email render thread failed: worker exited with code: 3/);
    await expect(renderEmail(msg("uncaught"))).rejects.toThrow(/uncaught in the render thread/);
    await expect(renderEmail(msg("uncaught"))).rejects.toBeInstanceOf(RenderUnavailableError);
    const after = await Promise.all(["a", "b", "c", "d"].map((id) => renderEmail(msg(id))));
    expect(after.map((e) => e.subject)).toEqual(["a", "b", "c", "d"]);
    expect(renderEmail.threads).toHaveLength(2);
  });

  it("a render that hangs times out and its thread is replaced", async () => {
    const renderEmail = pooled({ filename: standIn, timeoutMs: 300 });
    const t0 = performance.now();
    await expect(renderEmail(msg("hang"))).rejects.toThrow("email render timed out after 300 ms");
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect((await renderEmail(msg("next"))).subject).toBe("next");
  });

  it("the email channel retries a render that could not run, and fails one a template refuses", async () => {
    const dir = await mkdtemp(join(tmpdir(), "clausewatch-render-pool-"));
    try {
      const renderEmail = pooled({ filename: standIn });
      const channel = createOutboxDirChannel({ dir, from: "clausewatch <alerts@localhost>", render: renderEmail });
      expect(await channel.send(msg("exit"))).toEqual({
        kind: "retry",
        reason: "email render thread failed: worker exited with code: 3",
      });
      expect(await channel.send(msg("template-error"))).toEqual({
        kind: "permanent",
        reason: "email render failed: template broke",
      });
      expect(await channel.send(msg("fine"))).toMatchObject({ kind: "sent" });
      await renderEmail.close();
      expect(await channel.send(msg("late"))).toEqual({ kind: "retry", reason: "email render pool is closed" });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("close ends the threads and fails what was queued, without waiting for it", async () => {
    const renderEmail = pooled({ filename: standIn, threads: 1, timeoutMs: 60_000 });
    await renderEmail(msg("warm"));
    const [thread] = renderEmail.threads;
    const exited = new Promise((resolve) => thread.once("exit", resolve));
    const outcomes = Promise.allSettled([renderEmail(msg("hang")), renderEmail(msg("queued"))]);
    await renderEmail.close();
    await exited;
    const [running, queued] = await outcomes;
    expect(running.status === "rejected" && running.reason).toBeInstanceOf(RenderUnavailableError);
    expect(queued.status === "rejected" && queued.reason).toBeInstanceOf(RenderUnavailableError);
    expect(renderEmail.threads).toHaveLength(0);
    await expect(renderEmail(msg("after"))).rejects.toThrow("email render pool is closed");
  });

  it("createChannels with renderThreads (RENDER_THREADS): the outbox gets the in-thread bytes; close ends the threads", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "clausewatch-render-pool-"));
    try {
      const channels = createChannels({
        publicUrl: PUBLIC_URL,
        dataDir,
        emailFrom: "clausewatch <alerts@localhost>",
        allowPrivateWebhookTargets: false,
        renderThreads: 2,
      });
      expect(channels.renderThreads).toBe(2);
      const digest = { ...outbound(digestContent("watcher"), "watcher"), id: "ntf_pool_digest" };
      expect(await channels.email.send(digest)).toMatchObject({ kind: "sent" });
      const expected = await createEmailRenderer({ publicUrl: PUBLIC_URL })(digest);
      expect(await readFile(join(dataDir, "outbox", "ntf_pool_digest.html"), "utf8")).toBe(expected.html);
      expect(await readFile(join(dataDir, "outbox", "ntf_pool_digest.txt"), "utf8")).toBe(expected.text);
      await channels.close();
      expect(await channels.email.send({ ...digest, id: "ntf_late" })).toEqual({
        kind: "retry",
        reason: "email render pool is closed",
      });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
