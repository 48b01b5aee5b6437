import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

/*
 * `npm start` when it cannot serve: the Node entry in its own process, on embedded PGlite in a
 * fresh DATA_DIR, against a port something else already holds. One spawn (a cold start through
 * tsx takes seconds here) covers both start-up messages: the PUBLIC_URL warning comes before the
 * listen, the refusal after it.
 */
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

let blocker: Server | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve()));
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  blocker = undefined;
  dataDir = undefined;
});

/** A port held by another listener, on the address the service binds (all interfaces). */
const holdPort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "0.0.0.0", () => {
      blocker = s;
      resolve((s.address() as { port: number }).port);
    });
  });

describe("npm start on a busy port", () => {
  it("says which port and that PORT changes it, exits 1, and never claims to be listening", async () => {
    const port = await holdPort();
    dataDir = mkdtempSync(join(tmpdir(), "cw-busy-"));
    // Only what the service needs: nothing from this test run's environment (no DATABASE_URL…).
    const proc = spawn(process.execPath, ["--import", "tsx", "src/index.ts"], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? tmpdir(),
        PORT: String(port),
        DATA_DIR: dataDir,
        // a name that never resolves: nothing here is sent anywhere, the URL only goes into links
        PUBLIC_URL: "http://clausewatch.example.test",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (b: Buffer) => {
      stdout += b.toString();
    });
    proc.stderr.on("data", (b: Buffer) => {
      stderr += b.toString();
    });
    const timer = setTimeout(() => proc.kill("SIGKILL"), 200_000);
    const code = await new Promise<number | null>((resolve) => proc.once("exit", (c) => resolve(c)));
    clearTimeout(timer);

    expect(code).toBe(1);
    expect(stderr.trim()).toBe(`clausewatch: port ${port} is already in use; set PORT to another port`);
    expect(stdout).not.toContain("listening on");
    expect(stdout + stderr).not.toMatch(/EADDRINUSE|\n\s+at /);

    const warnings = stdout
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { level: string; msg: string; public_url?: string })
      .filter((l) => l.level === "warn");
    expect(warnings).toHaveLength(1);
    expect(warnings[0].msg).toContain("RFC 8058");
    expect(warnings[0].public_url).toBe("http://clausewatch.example.test");
  }, 240_000);
});
