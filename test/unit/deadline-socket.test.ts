import { createServer, type Server, type Socket } from "node:net";
import postgres from "postgres";
import { afterEach, describe, expect, it } from "vitest";
import { deadlineSocketFactory } from "../../src/db/deadline-socket";
import { isUnavailableError } from "../../src/lib/errors";

/**
 * A server that completes PostgreSQL's startup (trust authentication) and then never answers a
 * query: the far end of a half-open connection, as the client sees it.
 */
async function silentServer(): Promise<{ port: number; server: Server; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const msg = (type: string, body: Buffer) => {
    const head = Buffer.alloc(5);
    head.write(type, 0, "latin1");
    head.writeInt32BE(body.length + 4, 1);
    return Buffer.concat([head, body]);
  };
  const server = createServer((s) => {
    sockets.push(s);
    s.on("error", () => {});
    s.once("data", () => {
      const authOk = msg("R", Buffer.from([0, 0, 0, 0]));
      const key = msg("K", Buffer.from([0, 0, 0, 1, 0, 0, 0, 2]));
      s.write(Buffer.concat([authOk, key, msg("Z", Buffer.from("I"))]));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return { port, server, sockets };
}

const open: { end: () => Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.end();
});

describe("deadline socket", () => {
  it("drops a connection that owes an answer and stays silent: the query fails as unavailable", async () => {
    const s = await silentServer();
    // `socket` is a postgres.js option its type declarations leave out
    const options = { socket: deadlineSocketFactory(300), fetch_types: false, max: 1 };
    const sql = postgres(`postgres://u@127.0.0.1:${s.port}/db`, options);
    open.push({ end: () => sql.end({ timeout: 0 }).then(() => void s.server.close()) });
    const t = Date.now();
    const err = await sql`select 1`.then(
      () => null,
      (e: unknown) => e,
    );
    expect(Date.now() - t).toBeLessThan(5_000);
    expect(err).toMatchObject({ code: "ETIMEDOUT" });
    expect(isUnavailableError(err)).toBe(true);
  });

  it("never times a connection that owes nothing; times it from the next Sync on", async () => {
    const s = await silentServer();
    open.push({ end: async () => void s.server.close() });
    const socket = await deadlineSocketFactory(200)({ host: ["127.0.0.1"], port: [s.port], connect_timeout: 5 });
    socket.on("error", () => {}); // the deadline's ETIMEDOUT (postgres.js listens in the service)
    const closed = new Promise<number>((r) => socket.once("close", () => r(Date.now())));
    const ready = new Promise<void>((r) => socket.on("data", (d: Buffer) => d.includes(0x5a) && r()));
    // a startup message (length, protocol 3.0, user), answered with ReadyForQuery by the server
    const params = Buffer.from("user\0u\0\0", "latin1");
    const startup = Buffer.alloc(8);
    startup.writeInt32BE(8 + params.length, 0);
    startup.writeInt32BE(196608, 4);
    socket.write(Buffer.concat([startup, params]));
    await ready;
    await new Promise((r) => setTimeout(r, 700));
    expect(socket.destroyed).toBe(false);
    // a Sync owes a ReadyForQuery the silent server never sends
    const t = Date.now();
    socket.write(Buffer.from([0x53, 0, 0, 0, 4]));
    const at = await closed;
    expect(at - t).toBeGreaterThanOrEqual(150);
    expect(at - t).toBeLessThan(2_000);
  });

  it("times each statement from its Sync to its ReadyForQuery, with the text of its Parse", async () => {
    // a server that answers every message batch with ReadyForQuery after 60 ms
    const server = createServer((c) => {
      c.on("error", () => {});
      c.on("data", () => setTimeout(() => c.write(Buffer.from([0x5a, 0, 0, 0, 5, 0x49])), 60));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    open.push({ end: async () => void server.close() });
    const seen: { text: string; ms: number }[] = [];
    const socket = await deadlineSocketFactory(5_000, (text, ms) => seen.push({ text, ms }))({
      host: ["127.0.0.1"],
      port: [(server.address() as { port: number }).port],
    });
    const message = (type: string, body: Buffer) => {
      const head = Buffer.alloc(5);
      head.write(type, 0, "latin1");
      head.writeInt32BE(body.length + 4, 1);
      return Buffer.concat([head, body]);
    };
    const z = (s: string) => Buffer.from(`${s}\0`, "utf8");
    const startup = Buffer.alloc(8);
    startup.writeInt32BE(8, 0);
    startup.writeInt32BE(196608, 4);
    let answers = 0;
    const answered = (n: number) =>
      new Promise<void>((r) => {
        const on = (d: Buffer) => {
          answers += d.filter((b) => b === 0x5a).length;
          if (answers >= n) {
            socket.off("data", on);
            r();
          }
        };
        socket.on("data", on);
      });
    socket.write(startup);
    await answered(1);
    // a named statement, parsed and bound, then bound again without its Parse
    const bind = message("B", Buffer.concat([z(""), z("s1"), Buffer.alloc(6)]));
    socket.write(
      Buffer.concat([
        message("P", Buffer.concat([z("s1"), z("select id from users where email = $1"), Buffer.alloc(2)])),
        bind,
        message("S", Buffer.alloc(0)),
      ]),
    );
    await answered(2);
    socket.write(Buffer.concat([bind, message("S", Buffer.alloc(0))]));
    await answered(3);
    socket.destroy();
    expect(seen.map((s) => s.text)).toEqual(["select id from users where email = $1", "select id from users where email = $1"]);
    for (const s of seen) expect(s.ms).toBeGreaterThanOrEqual(50);
  });

  it("without a deadline the same query is still waiting after a second", async () => {
    const s = await silentServer();
    const sql = postgres(`postgres://u@127.0.0.1:${s.port}/db`, { fetch_types: false, max: 1 });
    open.push({ end: () => sql.end({ timeout: 0 }).then(() => void s.server.close()) });
    const outcome = await Promise.race([
      sql`select 1`.then(
        () => "answered",
        () => "failed",
      ),
      new Promise((r) => setTimeout(() => r("waiting"), 1_000)),
    ]);
    expect(outcome).toBe("waiting");
  });
});
