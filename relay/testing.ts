/**
 * Test helpers for the relay (not part of the program): an HTTP proxy in front of SQS that can be
 * switched off or slowed down, to show what the relay does when SQS fails or is slow.
 */

import type { LocalSqs } from "../emulators/sqs.ts";
import type { Envelope } from "../handlers/core/envelope.ts";
import type { StateStore } from "./store.ts";

/** A proxy to `target` that answers 503 while `down` and waits `delayMs` before forwarding. */
export interface FlakyProxy {
  readonly url: string;
  down: boolean;
  delayMs: number;
  /** Requests forwarded or refused so far. */
  readonly requests: number;
  close(): Promise<void>;
}

/** Starts a {@link FlakyProxy} on 127.0.0.1. */
export function startFlakyProxy(target: string): FlakyProxy {
  let requests = 0;
  const proxy: FlakyProxy = {
    url: "",
    down: false,
    delayMs: 0,
    get requests() {
      return requests;
    },
    async close() {
      await server.stop(true);
    },
  };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      requests++;
      if (proxy.delayMs > 0) await Bun.sleep(proxy.delayMs);
      if (proxy.down) return new Response("service unavailable", { status: 503 });
      const url = new URL(req.url);
      const headers = new Headers(req.headers);
      headers.delete("host");
      return fetch(target + url.pathname + url.search, {
        method: req.method,
        headers,
        body: req.method === "GET" || req.method === "HEAD" ? undefined : await req.arrayBuffer(),
      });
    },
  });
  Object.defineProperty(proxy, "url", { value: `http://127.0.0.1:${server.port}` });
  return proxy;
}

/** The envelopes on a queue (received and deleted). */
export async function envelopesOn(sqs: LocalSqs, queueUrl: string): Promise<Envelope[]> {
  return (await sqs.receiveAll(queueUrl)).map((m) => JSON.parse(m.Body ?? "{}") as Envelope);
}

/** Resolves once `check` returns a truthy value, polling every 10 ms; rejects after `timeoutMs`. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 3_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`eventually: still ${String(value)} after ${timeoutMs} ms`);
    await Bun.sleep(10);
  }
}

/** An in-memory StateStore (conditional writes by a version counter), with its objects to look at. */
export function memoryStore(): StateStore & { objects: Map<string, string | Uint8Array> } {
  const objects = new Map<string, string | Uint8Array>();
  const versions = new Map<string, number>();
  let version = 0;
  const text = (value: string | Uint8Array) =>
    typeof value === "string" ? value : new TextDecoder().decode(value);
  return {
    objects,
    read: async (key) => {
      const value = objects.get(key);
      return value === undefined ? undefined : { body: text(value), etag: String(versions.get(key) ?? 0) };
    },
    writeIf: async (key, body, etag) => {
      const current = objects.has(key) ? String(versions.get(key) ?? 0) : undefined;
      if (current !== etag) return undefined;
      objects.set(key, body);
      versions.set(key, ++version);
      return String(version);
    },
    get: async (key) => {
      const value = objects.get(key);
      return value === undefined
        ? undefined
        : typeof value === "string"
          ? value
          : new TextDecoder().decode(value);
    },
    put: async (key, body) => void objects.set(key, body),
    delete: async (key) => void objects.delete(key),
    deletePrefix: async (prefix) => {
      for (const key of [...objects.keys()]) if (key.startsWith(prefix)) objects.delete(key);
    },
  };
}
