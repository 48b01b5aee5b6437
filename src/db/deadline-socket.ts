import { connect, type Socket } from "node:net";

/**
 * A socket for postgres.js (its `socket` option) that gives up on a connection whose server has
 * gone silent while an answer is owed: the half-open connection (a dead NAT entry, a partitioned
 * peer, a frozen proxy) that otherwise holds a request, a lease or a pool slot forever, because
 * nothing ever closes it and the server-side `statement_timeout` never hears of the query.
 *
 * Written by hand because neither postgres.js (no client-side query timeout) nor Node (no
 * TCP_USER_TIMEOUT; keepalive probes are answered by any proxy's kernel) offers it. It reads the
 * protocol's message framing in both directions — each message is a type byte and a length —
 * and counts the answers owed: one ReadyForQuery (`Z`) for the startup and for every Sync (`S`)
 * or simple Query (`Q`) sent. While an answer is owed, the server must say something within
 * `deadlineMs` (set above `statement_timeout`, after which the server itself answers with an
 * error); otherwise the socket is destroyed with ETIMEDOUT, its queries fail as "unavailable"
 * (503 + Retry-After for a request, a retry for a worker) and the pool connects afresh. A socket
 * that owes nothing (an idle pool connection, a LISTEN connection waiting for notifications) is
 * never timed. Plain TCP only: over TLS the bytes are not readable here.
 *
 * The same reading times statements for the debug log (`onStatement`): the text comes from the
 * Parse message (remembered by statement name for the Binds that reuse it), the time runs from
 * the Sync to its ReadyForQuery. Parameters are never read.
 */
export function deadlineSocketFactory(deadlineMs: number, onStatement?: StatementObserver) {
  let next = 0;
  return (options: { host: string[]; port: number[]; path?: string; connect_timeout?: number }): Promise<Socket> => {
    const i = next++ % options.host.length;
    const socket = options.path
      ? connect(options.path)
      : connect({ host: options.host[i], port: options.port[i] ?? options.port[0] });
    watchAnswers(socket, deadlineMs, onStatement);
    // Handed over while still connecting, as postgres.js's own socket is: it writes the startup
    // message at once (Node buffers it until the connection is up), times the connect with its
    // connect_timeout, and a refused or failed connect reaches it as the socket's 'error' and
    // 'close' — the events its reconnect logic runs on. (A rejected promise here would leave the
    // connection stuck: postgres.js never retries a socket it did not get.)
    return Promise.resolve(socket);
  };
}

/**
 * Splits a byte stream into protocol messages and reports each one's type byte, with the first
 * `CAPTURE_BYTES` of the body for the types in `capture` (for the statement text).
 */
function framer(firstUntyped: boolean, capture: Set<number>, onMessage: (type: number, body?: Buffer) => void) {
  let untyped = firstUntyped;
  const header = Buffer.alloc(5);
  let have = 0;
  let skip = 0;
  let body: Buffer | null = null;
  let bodyHave = 0;
  let bodyType = 0;
  return (chunk: Buffer) => {
    let at = 0;
    while (at < chunk.length) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - at);
        if (body && bodyHave < body.length) {
          const c = Math.min(n, body.length - bodyHave);
          chunk.copy(body, bodyHave, at, at + c);
          bodyHave += c;
        }
        skip -= n;
        at += n;
        if (skip === 0 && body) {
          onMessage(bodyType, body);
          body = null;
        }
        continue;
      }
      const size = untyped ? 4 : 5;
      const n = Math.min(size - have, chunk.length - at);
      chunk.copy(header, have, at, at + n);
      have += n;
      at += n;
      if (have < size) return;
      const length = untyped ? header.readInt32BE(0) : header.readInt32BE(1);
      const type = untyped ? 0 : header[0];
      untyped = false;
      have = 0;
      skip = length - 4;
      if (capture.has(type) && skip > 0) {
        body = Buffer.alloc(Math.min(skip, CAPTURE_BYTES));
        bodyHave = 0;
        bodyType = type;
      } else onMessage(type);
    }
  };
}

/** How much of a Parse/Bind/Query body is kept: enough for a statement's text in a log line. */
const CAPTURE_BYTES = 2_048;

/** Called when an answered round trip ends: the statement's text and how long it took. */
export type StatementObserver = (text: string, ms: number) => void;

/** The NUL-terminated strings at the start of a message body. */
function cstrings(body: Buffer, count: number): string[] {
  const out: string[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const end = body.indexOf(0, at);
    out.push(body.toString("utf8", at, end === -1 ? body.length : end));
    if (end === -1) break;
    at = end + 1;
  }
  return out;
}

const READY_FOR_QUERY = 0x5a; // Z
const SYNC = 0x53; // S
const SIMPLE_QUERY = 0x51; // Q
const PARSE = 0x50; // P
const BIND = 0x42; // B
const UNTYPED = 0; // the startup message (or a cancel request, which is answered by a close)

function watchAnswers(socket: Socket, deadlineMs: number, onStatement?: StatementObserver) {
  let owed = 0;
  let timer: NodeJS.Timeout | null = null;
  const disarm = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  const arm = () => {
    disarm();
    if (owed <= 0) return;
    timer = setTimeout(() => {
      socket.destroy(
        Object.assign(
          new Error(`PostgreSQL sent nothing for ${deadlineMs} ms while a query was waiting (half-open connection?)`),
          {
            code: "ETIMEDOUT",
          },
        ),
      );
    }, deadlineMs);
  };
  // Statement timing (only with an observer): prepared statements' text by name, the text bound
  // since the last Sync, and one entry per answer owed, in order (the protocol answers in order).
  const statements = new Map<string, string>();
  let bound: string | null = null;
  const waiting: { text: string | null; at: number }[] = [];
  const capture = onStatement ? new Set([PARSE, BIND, SIMPLE_QUERY]) : new Set<number>();
  const sent = framer(true, capture, (type, body) => {
    if (type === PARSE && body) {
      const [name, text] = cstrings(body, 2);
      statements.set(name, text ?? "");
    } else if (type === BIND && body) {
      const [, name] = cstrings(body, 2);
      bound = statements.get(name ?? "") ?? bound;
    } else if (type === SYNC || type === SIMPLE_QUERY || type === UNTYPED) {
      owed++;
      const text = type === SIMPLE_QUERY && body ? cstrings(body, 1)[0] : type === SYNC ? bound : null;
      if (onStatement) waiting.push({ text, at: performance.now() });
      bound = null;
    }
  });
  const received = framer(false, new Set(), (type) => {
    if (type !== READY_FOR_QUERY) return;
    owed--;
    const w = waiting.shift();
    if (w?.text && onStatement) onStatement(w.text, performance.now() - w.at);
  });
  socket.on("close", disarm);

  let reading = false;
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  socket.write = ((chunk: unknown, ...rest: unknown[]) => {
    // Attached at the first write, which postgres.js makes after adding its own 'data' listener:
    // an earlier listener would start the stream flowing before postgres.js could read it.
    if (!reading) {
      reading = true;
      socket.on("data", (data: Buffer) => {
        received(data);
        arm();
      });
    }
    if (Buffer.isBuffer(chunk)) sent(chunk);
    else if (typeof chunk === "string") sent(Buffer.from(chunk));
    if (owed > 0 && !timer) arm();
    return write(chunk, ...rest);
  }) as typeof socket.write;
}
