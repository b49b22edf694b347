/**
 * Fake Amazon Bedrock AgentCore data plane (restJson1, as `@aws-sdk/client-bedrock-agentcore` speaks it):
 * `POST /runtimes/{url-encoded arn}/invocations?qualifier=` (InvokeAgentRuntime) and
 * `POST /runtimes/{arn}/stopruntimesession?qualifier=` (StopRuntimeSession). It also answers the agent
 * container contract (`POST /invocations`, `GET /ping`) so it can stand in for a local agent.
 * Point `AWS_ENDPOINT_URL_BEDROCK_AGENTCORE` at `url`. Default agent: JSON `{"response":"echo: <prompt>"}`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  CallLog,
  type LoopbackServer,
  listen,
  readBody,
  Script,
  type ScriptOptions,
  sendJson,
  sleep,
} from "./http.ts";

/** An agent runtime ARN for local runs: the fake answers any ARN; environments name this one. */
export const FAKE_AGENT_RUNTIME_ARN =
  "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/relay_agent-AbCdEf1234";

const SESSION_HEADER = "x-amzn-bedrock-agentcore-runtime-session-id";
const USER_HEADER = "x-amzn-bedrock-agentcore-runtime-user-id";

/** One recorded call. `op` says which API (or container route) was hit. */
export interface AgentCoreCall {
  op: "invoke" | "stop" | "container-invoke" | "ping";
  /** The runtime ARN, decoded from the path (empty for container routes). */
  arn: string;
  qualifier: string | undefined;
  sessionId: string | undefined;
  userId: string | undefined;
  contentType: string | undefined;
  accept: string | undefined;
  /** The request body parsed as JSON when it is JSON, else the UTF-8 text. */
  payload: unknown;
  /** The raw request body as UTF-8 text. */
  rawPayload: string;
  /** All request headers, lower-cased. */
  headers: Record<string, string>;
  /** `Date.now()` when the request arrived. */
  at: number;
  /**
   * `Date.now()` when the whole reply was written (a stream's last piece flushed, the response ended):
   * a streamed answer's real end, later than its schedule says when the machine is busy. Unset until
   * then, and for a reply that broke off, stalled or failed.
   */
  repliedAt?: number;
}

/** AgentCore error names the SDK maps to its exception classes, with their HTTP status. */
export const AGENTCORE_ERRORS = {
  AccessDeniedException: 403,
  ConflictException: 409,
  InternalServerException: 500,
  ResourceNotFoundException: 404,
  RetryableConflictException: 409,
  RuntimeClientError: 424,
  ServiceQuotaExceededException: 402,
  ThrottlingException: 429,
  UnauthorizedException: 401,
  ValidationException: 400,
} as const;

/** A name from {@link AGENTCORE_ERRORS}. */
export type AgentCoreErrorName = keyof typeof AGENTCORE_ERRORS;

/** One Server-Sent Event: a string is sent as `data:` lines verbatim; an object may add `event`/`id`. */
export type SseEvent = string | { data: string; event?: string; id?: string };

/** How the fake agent answers one invocation. `delayMs` waits before the response headers (a slow agent). */
export type AgentReply = (
  | { kind: "json"; body: unknown; status?: number }
  | { kind: "text"; text: string; contentType?: string }
  | {
      kind: "sse";
      events: SseEvent[];
      /** Pause between network writes (default 0: writes still go out one event at a time). */
      chunkDelayMs?: number;
      /** Re-cut the byte stream into writes of this many bytes (1 splits every multi-byte character). */
      chunkBytes?: number;
      /** Destroy the socket after this many writes (a stream that breaks midway). */
      breakAfterChunks?: number;
      /** After this many writes, write nothing for `stallMs` (default: until the client goes away). */
      stallAfterChunks?: number;
      stallMs?: number;
    }
  | {
      kind: "error";
      name: AgentCoreErrorName | (string & {});
      message?: string;
      status?: number;
      reason?: string;
    }
  | { kind: "destroy" }
) & { delayMs?: number };

/** How an event stream is written: see the `sse` case of {@link AgentReply}. */
export type SseOptions = Omit<Extract<AgentReply, { kind: "sse" }>, "kind" | "events">;

/** Builders for {@link AgentReply}. */
export const agentReply = {
  /** An `application/json` answer. */
  json: (body: unknown, options: { delayMs?: number } = {}): AgentReply => ({
    kind: "json",
    body,
    ...options,
  }),
  /** A `text/plain` answer. */
  text: (text: string, options: { delayMs?: number; contentType?: string } = {}): AgentReply => ({
    kind: "text",
    text,
    ...options,
  }),
  /** A `text/event-stream` answer with the given events sent verbatim as `data:` lines. */
  sse: (events: SseEvent[], options: SseOptions = {}): AgentReply => ({ kind: "sse", events, ...options }),
  /** A `text/event-stream` answer whose events are JSON-encoded values (e.g. JSON strings, as Strands emits). */
  sseJson: (values: unknown[], options: SseOptions = {}): AgentReply => ({
    kind: "sse",
    events: values.map((value) => JSON.stringify(value)),
    ...options,
  }),
  /** An AWS error in the restJson1 shape (status defaults to the one the API model gives the name). */
  error: (
    name: AgentCoreErrorName | (string & {}),
    options: { message?: string; status?: number; reason?: string; delayMs?: number } = {},
  ): AgentReply => ({ kind: "error", name, ...options }),
  /** Close the connection without answering. */
  destroy: (): AgentReply => ({ kind: "destroy" }),
};

/** Options for {@link startAgentCore}. */
export interface AgentCoreOptions {
  /** The default agent for invocations nothing scripted answers (default: JSON echo of `prompt`). */
  respond?: (call: AgentCoreCall) => AgentReply;
}

/** A running fake AgentCore data plane. */
export interface FakeAgentCore {
  /** Endpoint for `AWS_ENDPOINT_URL_BEDROCK_AGENTCORE`. */
  readonly url: string;
  /** Every call so far (invocations and stops), in arrival order. */
  readonly calls: readonly AgentCoreCall[];
  /** Only the InvokeAgentRuntime calls. */
  invocations(): AgentCoreCall[];
  /** Queues a reply for the next invocation (or the next `times` matching ones). */
  script(
    reply: AgentReply | ((call: AgentCoreCall) => AgentReply),
    options?: ScriptOptions<AgentCoreCall>,
  ): void;
  /** Sets the default agent (replaces the echo). */
  setDefault(respond: (call: AgentCoreCall) => AgentReply): void;
  /** Resolves once `predicate` is truthy for the calls (checked after every call). */
  waitFor<R>(
    predicate: (calls: readonly AgentCoreCall[]) => R | undefined | null | false,
    timeoutMs?: number,
  ): Promise<R>;
  /** Sessions stopped with StopRuntimeSession. */
  readonly stoppedSessions: readonly string[];
  /** Clears calls, scripts, stopped sessions and restores the echo agent. */
  reset(): void;
  /** Errors thrown inside the fake itself. */
  readonly errors: readonly unknown[];
  close(): Promise<void>;
}

/** The default agent: `{"response": "echo: <prompt>"}`. */
export function echoAgent(call: AgentCoreCall): AgentReply {
  const prompt =
    typeof call.payload === "object" && call.payload !== null && "prompt" in call.payload
      ? String((call.payload as { prompt: unknown }).prompt)
      : call.rawPayload;
  return agentReply.json({ response: `echo: ${prompt}` });
}

/** Starts a fake AgentCore data plane on 127.0.0.1. */
export async function startAgentCore(options: AgentCoreOptions = {}): Promise<FakeAgentCore> {
  const log = new CallLog<AgentCoreCall>();
  const scripted = new Script<AgentCoreCall, AgentReply>();
  const errors: unknown[] = [];
  const stopped: string[] = [];
  let fallback = options.respond ?? echoAgent;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const body = await readBody(req);
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(", ") : value;
    }
    const runtime = /^\/runtimes\/([^/]+)\/(invocations|stopruntimesession)\/?$/.exec(url.pathname);
    let op: AgentCoreCall["op"];
    if (runtime) op = runtime[2] === "invocations" ? "invoke" : "stop";
    else if (req.method === "POST" && url.pathname === "/invocations") op = "container-invoke";
    else if (req.method === "GET" && url.pathname === "/ping") op = "ping";
    else {
      sendError(res, "UnknownOperationException", 404, `No route for ${req.method} ${url.pathname}`);
      return;
    }
    const rawPayload = body.toString("utf8");
    const call: AgentCoreCall = {
      op,
      arn: runtime ? decodeURIComponent(runtime[1] as string) : "",
      qualifier: url.searchParams.get("qualifier") ?? undefined,
      sessionId: headers[SESSION_HEADER],
      userId: headers[USER_HEADER],
      contentType: headers["content-type"],
      accept: headers.accept,
      payload: parsePayload(rawPayload),
      rawPayload,
      headers,
      at: Date.now(),
    };
    log.push(call);

    if (op === "ping") {
      sendJson(res, 200, { status: "Healthy", time_of_last_update: Math.floor(Date.now() / 1000) });
      return;
    }
    if (op === "stop") {
      if (!call.sessionId) {
        sendError(res, "ValidationException", 400, "runtimeSessionId is required");
        return;
      }
      stopped.push(call.sessionId);
      sendJson(res, 200, {}, { [SESSION_HEADER]: call.sessionId });
      return;
    }
    if (op === "invoke" && !/^arn:aws[a-z-]*:bedrock-agentcore:/.test(call.arn)) {
      sendError(res, "ValidationException", 400, `Invalid agentRuntimeArn: ${call.arn}`);
      return;
    }
    const reply = scripted.take(call) ?? fallback(call);
    if (await writeReply(res, reply, call.sessionId)) call.repliedAt = Date.now();
  };

  const server: LoopbackServer = await listen(handle, (error) => errors.push(error));
  return {
    url: server.url,
    get calls() {
      return log.items;
    },
    invocations: () => log.items.filter((c) => c.op === "invoke"),
    script: (reply, scriptOptions = {}) => {
      const when = scriptOptions.when;
      scripted.push(reply, {
        ...scriptOptions,
        when: (call) =>
          (call.op === "invoke" || call.op === "container-invoke") && (when ? when(call) : true),
      });
    },
    setDefault(respond) {
      fallback = respond;
    },
    waitFor: (predicate, timeoutMs = 2000) =>
      log.waitFor(predicate, timeoutMs, (c) => `${c.op} ${c.arn} session=${c.sessionId} ${c.rawPayload}`),
    stoppedSessions: stopped,
    errors,
    reset() {
      log.clear();
      scripted.reset();
      stopped.length = 0;
      fallback = options.respond ?? echoAgent;
    },
    close: () => server.close(),
  };
}

function parsePayload(raw: string): unknown {
  if (raw === "") return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Writes an error as restJson1 does: `x-amzn-errortype` header plus `{"message": ...}` body. */
function sendError(
  res: ServerResponse,
  name: string,
  status: number,
  message: string,
  reason?: string,
): void {
  const body: Record<string, string> = { message };
  if (reason !== undefined) body.reason = reason;
  sendJson(res, status, body, {
    "x-amzn-errortype": `${name}:http://internal.amazon.com/coral/com.amazonaws.bedrockagentcore/`,
    "x-amzn-requestid": crypto.randomUUID(),
  });
}

/** Writes `reply`; true when it went out whole (not broken off, stalled away or an error). */
async function writeReply(
  res: ServerResponse,
  reply: AgentReply,
  sessionId: string | undefined,
): Promise<boolean> {
  if (reply.delayMs) await sleep(reply.delayMs);
  const common: Record<string, string> = { "x-amzn-requestid": crypto.randomUUID() };
  if (sessionId) common[SESSION_HEADER] = sessionId;
  switch (reply.kind) {
    case "destroy":
      res.destroy();
      return false;
    case "error": {
      const status = reply.status ?? AGENTCORE_ERRORS[reply.name as AgentCoreErrorName] ?? 400;
      sendError(res, reply.name, status, reply.message ?? `${reply.name} (fake AgentCore)`, reply.reason);
      return false;
    }
    case "json":
      sendJson(res, reply.status ?? 200, reply.body, common);
      return true;
    case "text": {
      const bytes = Buffer.from(reply.text, "utf8");
      res.writeHead(200, {
        ...common,
        "content-type": reply.contentType ?? "text/plain; charset=utf-8",
        "content-length": String(bytes.length),
      });
      res.end(bytes);
      return true;
    }
    case "sse": {
      res.writeHead(200, { ...common, "content-type": "text/event-stream", "cache-control": "no-cache" });
      const encoded = reply.events.map((event) => Buffer.from(formatSse(event), "utf8"));
      const chunks = reply.chunkBytes ? rechunk(Buffer.concat(encoded), reply.chunkBytes) : encoded;
      for (const [index, chunk] of chunks.entries()) {
        if (index > 0) await sleep(reply.chunkDelayMs ?? 0);
        if (reply.breakAfterChunks !== undefined && index >= reply.breakAfterChunks) {
          res.destroy();
          return false;
        }
        if (index === reply.stallAfterChunks) await stall(res, reply.stallMs);
        if (res.destroyed) return false;
        // Wait for each write to be flushed so chunks (and a later break) reach the client in order.
        await new Promise<void>((resolve) => res.write(chunk, () => resolve()));
      }
      res.end();
      return true;
    }
  }
}

/** Writes nothing for `ms` (or until the client goes away), as an agent stuck mid-answer. */
function stall(res: ServerResponse, ms = Number.POSITIVE_INFINITY): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
    res.once("close", done);
  });
}

/** One event as @fastify/sse (the TypeScript SDK's) writes it: id, event, then the data lines. */
function formatSse(event: SseEvent): string {
  const {
    data,
    event: name,
    id,
  } = typeof event === "string" ? { data: event, event: undefined, id: undefined } : event;
  let out = "";
  if (id !== undefined) out += `id: ${id}\n`;
  if (name !== undefined) out += `event: ${name}\n`;
  for (const line of data.split("\n")) out += `data: ${line}\n`;
  return `${out}\n`;
}

function rechunk(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}
