import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import postgres from "postgres";
import type { TestProject } from "vitest/node";
import { openDatabase } from "../../src/db/client";
import { startFakeSlack } from "../fakes/slack";
import { SLACK_CLIENT, SLACK_GRANT, WORKER_TEST_DATABASE_URL } from "./settings";

declare module "vitest" {
  export interface ProvidedContext {
    receiverUrl: string;
    slackApiUrl: string;
  }
}

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
}

/**
 * Runs in Node before the Workers-runtime suite: a fresh database migrated from Node (the Worker
 * never migrates), and a webhook receiver the Worker can reach — it records every POST and
 * answers 200 (`/fail/…`: 500; `/redirect?to=/x`: 302 to /x); `GET /_received?path=/x` lists what reached a path, `GET /_slack` the messages the fake
 * Slack took.
 */
export default async function setup(project: TestProject) {
  const url = new URL(WORKER_TEST_DATABASE_URL);
  const name = url.pathname.slice(1);
  const admin = async (statement: string) => {
    const server = postgres({
      host: url.hostname,
      port: Number(url.port || 5432),
      user: url.username,
      password: url.password,
      database: "postgres",
      max: 1,
      onnotice: () => {},
    });
    await server.unsafe(statement).finally(() => server.end());
  };
  await admin(`drop database if exists "${name}" with (force)`);
  await admin(`create database "${name}"`);
  const database = await openDatabase({ url: WORKER_TEST_DATABASE_URL, max: 1 });
  await database.close();

  // Slack's Web API for "Add to Slack" (code-1 grants a bot token for C0LEGAL1) and chat.postMessage
  const slack = await startFakeSlack({ oauth: { ...SLACK_CLIENT, codes: { "code-1": SLACK_GRANT } } });
  project.provide("slackApiUrl", slack.apiUrl);

  const received: Received[] = [];
  const receiver = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const at = new URL(req.url ?? "/", "http://receiver");
    if (req.method === "GET" && at.pathname === "/_slack") {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(slack.messages));
      return;
    }
    if (req.method === "GET" && at.pathname === "/_received") {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(received.filter((r) => r.path === at.searchParams.get("path"))));
      return;
    }
    received.push({ path: at.pathname, headers: req.headers, raw: Buffer.concat(chunks).toString("utf8") });
    if (at.pathname.startsWith("/fail/")) {
      res.writeHead(500);
      res.end("down");
      return;
    }
    if (at.pathname === "/redirect") {
      res.writeHead(302, { location: at.searchParams.get("to") ?? "/" });
      res.end();
      return;
    }
    res.end("ok");
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  project.provide("receiverUrl", `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`);
  return async () => {
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    await slack.close();
    // Not dropped here: miniflare's Hyperdrive proxy may still hold connections, and a forced
    // drop resets them under it. The next run drops and recreates it; .ci/run drops it after.
  };
}
