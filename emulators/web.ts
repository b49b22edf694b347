/**
 * The public web, locally: a loopback server that serves files at paths (with the Content-Type a web
 * server would give), redirects, and a slow or failing path, for the links an agent puts in its answers
 * (`![cat](https://…/cat.png)`, `{"url": …}`). The worker fetches them under its safe-fetch rules
 * (handlers/core/media/fetch-out.ts), which the tests open to loopback with their test-only switch.
 */
import { type LoopbackServer, listen } from "./http.ts";

/** What the server answers at a path. */
export type WebEntry =
  | { readonly bytes: Uint8Array; readonly contentType: string }
  | { readonly redirect: string }
  | { readonly status: number };

export interface FakeWeb extends LoopbackServer {
  /** Serves `entry` at `path` (from now on). */
  set(path: string, entry: WebEntry): string;
  /** Paths requested so far, oldest first. */
  readonly requests: readonly string[];
  /** Forgets the requests (the paths stay served). */
  forget(): void;
}

/** A tiny PNG (1×1, red), for the files agents send. */
export const TINY_PNG = Uint8Array.from(
  Buffer.from(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==",
    "base64",
  ),
);

/** Starts the fake web on 127.0.0.1; `set` returns the full URL of a path. */
export async function startWeb(): Promise<FakeWeb> {
  const entries = new Map<string, WebEntry>();
  const requests: string[] = [];
  const server = await listen((req, res) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    requests.push(path);
    const entry = entries.get(path);
    if (!entry) {
      res.writeHead(404, { "content-type": "text/plain" });
      return void res.end("Not Found");
    }
    if ("redirect" in entry) {
      res.writeHead(302, { location: entry.redirect });
      return void res.end();
    }
    if ("status" in entry) {
      res.writeHead(entry.status, { "content-type": "text/plain" });
      return void res.end(`HTTP ${entry.status}`);
    }
    res.writeHead(200, { "content-type": entry.contentType, "content-length": entry.bytes.byteLength });
    res.end(entry.bytes);
  });
  return {
    ...server,
    set(path, entry) {
      entries.set(path, entry);
      return `${server.url}${path}`;
    },
    requests,
    forget: () => {
      requests.length = 0;
    },
  };
}
