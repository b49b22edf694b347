/**
 * Shared plumbing for the fake servers: a loopback HTTP server on 127.0.0.1 (port 0) built on node:http,
 * so the fakes run under Bun and Node alike and are reachable from child processes; an ordered call log
 * with `waitFor`; and a queue of scripted one-shot responses.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** A running loopback server. */
export interface LoopbackServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  readonly port: number;
  /** Stops listening and destroys every open connection (keep-alive included). */
  close(): Promise<void>;
}

/** A request handler; a thrown error becomes a 500 with the message, and is passed to `onError`. */
export type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** Starts `handler` on 127.0.0.1 with an OS-assigned port. */
export async function listen(handler: Handler, onError?: (error: unknown) => void): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((error: unknown) => {
        onError?.(error);
        if (!res.headersSent) {
          res.writeHead(500, { "content-type": "text/plain" });
          res.end(`fake server error: ${error instanceof Error ? error.message : String(error)}`);
        } else {
          res.destroy();
        }
      });
  });
  server.on("connection", (socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        sockets.clear();
      });
      return closed;
    },
  };
}

/** Reads the whole request body. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req)
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Writes a JSON response. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** An append-only, ordered record of calls that tests can wait on. */
export class CallLog<T> {
  readonly #items: T[] = [];
  #listeners = new Set<() => void>();

  /** The calls so far, oldest first (live array: do not mutate). */
  get items(): readonly T[] {
    return this.#items;
  }

  /** Appends a call and wakes waiters. */
  push(item: T): void {
    this.#items.push(item);
    for (const listener of [...this.#listeners]) listener();
  }

  /** Forgets every recorded call. */
  clear(): void {
    this.#items.length = 0;
  }

  /**
   * Resolves with the first truthy value `predicate` returns, checked now and after every new call;
   * rejects after `timeoutMs` with a message listing the calls seen.
   */
  waitFor<R>(
    predicate: (calls: readonly T[]) => R | undefined | null | false,
    timeoutMs = 2000,
    describe: (item: T) => string = (item) => JSON.stringify(item),
  ): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const check = (): boolean => {
        let value: R | undefined | null | false;
        try {
          value = predicate(this.#items);
        } catch (error) {
          done();
          reject(error);
          return true;
        }
        if (value) {
          done();
          resolve(value);
          return true;
        }
        return false;
      };
      const listener = (): void => {
        check();
      };
      const timer = setTimeout(() => {
        done();
        const seen = this.#items.map((item) => `  ${describe(item)}`).join("\n");
        reject(new Error(`waitFor timed out after ${timeoutMs} ms; ${this.#items.length} calls:\n${seen}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
      };
      if (!check()) this.#listeners.add(listener);
    });
  }
}

/** One scripted response waiting in a {@link Script}. */
interface ScriptEntry<C, R> {
  match: (call: C) => boolean;
  reply: R | ((call: C) => R);
  remaining: number;
}

/** Options for a scripted response. */
export interface ScriptOptions<C> {
  /** How many matching calls it answers (default 1). `Infinity` makes it permanent until `reset()`. */
  times?: number;
  /** Only calls for which this returns true consume it. */
  when?: (call: C) => boolean;
}

/** A FIFO of scripted responses: the oldest entry that matches a call answers it and is used up. */
export class Script<C, R> {
  #entries: ScriptEntry<C, R>[] = [];

  /** Queues `reply` for the next matching call (or the next `times` ones). */
  push(reply: R | ((call: C) => R), options: ScriptOptions<C> = {}): void {
    this.#entries.push({ match: options.when ?? (() => true), reply, remaining: options.times ?? 1 });
  }

  /** Takes the reply for `call`, or undefined when nothing scripted matches. */
  take(call: C): R | undefined {
    const index = this.#entries.findIndex((entry) => entry.match(call));
    if (index < 0) return undefined;
    const entry = this.#entries[index] as ScriptEntry<C, R>;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.#entries.splice(index, 1);
    return typeof entry.reply === "function" ? (entry.reply as (call: C) => R)(call) : entry.reply;
  }

  /** Number of scripted entries not yet used up. */
  get pending(): number {
    return this.#entries.length;
  }

  /** Drops every scripted entry. */
  reset(): void {
    this.#entries = [];
  }
}
