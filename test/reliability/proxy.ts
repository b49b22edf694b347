/**
 * A fault-injecting reverse proxy on loopback: every request to it is shown to `decide`, which lets it
 * through to the target or answers in its place (an error, a hang, a dropped connection). Put in front
 * of fauxqs it injects SQS outages and counts SendMessage calls; in front of a platform fake it injects
 * 429s, 5xx, timeouts, and tells who sent what.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { type LoopbackServer, listen, readBody, sleep } from "../../emulators/http.ts";

/** A request as the proxy saw it. */
export interface ProxiedRequest {
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** What to do with one request. */
export type ProxyDecision =
  | { kind: "pass"; delayMs?: number }
  | { kind: "respond"; status: number; headers?: Record<string, string>; body: string }
  /** Never answer; the connection closes when the client gives up (or dies). */
  | { kind: "hang" }
  /** Drop the connection without an answer. */
  | { kind: "destroy" };

/** What the target answered to a request that was let through. */
export interface PassedResponse {
  readonly status: number;
  readonly body: Buffer;
}

/** Options for {@link startProxy}. */
export interface ProxyOptions {
  /** Decides per request (default: pass everything). */
  decide?: (request: ProxiedRequest) => ProxyDecision;
  /** Rewrites a request body before it is forwarded. */
  rewrite?: (request: ProxiedRequest) => Buffer;
  /** Called after the target answered a request that was let through. */
  onPassed?: (request: ProxiedRequest, response: PassedResponse) => void;
}

/** A running proxy. */
export interface FaultProxy {
  readonly url: string;
  /** Requests seen so far (bodies included), oldest first. */
  readonly requests: readonly ProxiedRequest[];
  /** Replaces the decision function. */
  setDecide(decide: (request: ProxiedRequest) => ProxyDecision): void;
  /** Forgets the recorded requests. */
  clear(): void;
  close(): Promise<void>;
}

const HOP_HEADERS = new Set(["host", "connection", "content-length", "transfer-encoding", "keep-alive"]);

/** Starts a proxy to `target` (an origin such as `http://127.0.0.1:4566`). */
export async function startProxy(target: string, options: ProxyOptions = {}): Promise<FaultProxy> {
  let decide: (request: ProxiedRequest) => ProxyDecision = options.decide ?? (() => ({ kind: "pass" }));
  const requests: ProxiedRequest[] = [];
  const hanging = new Set<ServerResponse>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(", ") : value;
    }
    const request: ProxiedRequest = {
      method: req.method ?? "GET",
      path: req.url ?? "/",
      headers,
      body: await readBody(req),
    };
    requests.push(request);
    const decision = decide(request);
    switch (decision.kind) {
      case "destroy":
        res.destroy();
        return;
      case "hang":
        hanging.add(res);
        res.on("close", () => hanging.delete(res));
        return;
      case "respond":
        res.writeHead(decision.status, { "content-type": "application/json", ...decision.headers });
        res.end(decision.body);
        return;
      case "pass":
        break;
    }
    if (decision.delayMs) await sleep(decision.delayMs);
    const forwarded: Record<string, string> = {};
    for (const [key, value] of Object.entries(headers)) if (!HOP_HEADERS.has(key)) forwarded[key] = value;
    const body = options.rewrite ? options.rewrite(request) : request.body;
    let response: Response;
    try {
      response = await fetch(target + request.path, {
        method: request.method,
        headers: forwarded,
        body: request.method === "GET" || request.method === "HEAD" ? undefined : new Uint8Array(body),
      });
    } catch {
      res.destroy();
      return;
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    const out: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      if (!HOP_HEADERS.has(key) && key !== "content-encoding") out[key] = value;
    });
    if (res.destroyed) return;
    res.writeHead(response.status, { ...out, "content-length": String(bytes.length) });
    res.end(bytes);
    options.onPassed?.(request, { status: response.status, body: bytes });
  };

  const server: LoopbackServer = await listen(handle);
  return {
    url: server.url,
    requests,
    setDecide(next) {
      decide = next;
    },
    clear() {
      requests.length = 0;
    },
    async close() {
      for (const res of hanging) res.destroy();
      await server.close();
    },
  };
}

/** The AWS JSON-protocol operation of a request (`SendMessage` from `AmazonSQS.SendMessage`). */
export function awsOperation(request: ProxiedRequest): string {
  return request.headers["x-amz-target"]?.split(".").at(-1) ?? "";
}
