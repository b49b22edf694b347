import type { Frame } from "./framing.ts";

/**
 * What one frame of an agent's response means: the shapes the common agent frameworks put on the wire,
 * recognised one value at a time (docs/architecture.md, "The agent's answer").
 *
 * - `text`: a piece of the answer (a delta), of a `family` (below);
 * - `snapshot`: the whole answer so far (a finished message, a result), used only when no delta came;
 * - `boundary`: the model finished a message (before a tool call): text after it starts a new paragraph;
 * - `status`: the agent calls a tool (its name, when given);
 * - `error`: the agent failed mid-answer;
 * - `ignore`: carries no text for the user (metadata, reasoning, tool input, lifecycle events).
 */
export type AgentEvent =
  | {
      readonly type: "text";
      readonly text: string;
      readonly family: Family;
      /** A JSON string's data as written: the text itself in a stream of raw data (`yield '"q"'`). */
      readonly raw?: string;
    }
  | { readonly type: "snapshot"; readonly text: string }
  | { readonly type: "boundary" }
  | { readonly type: "status"; readonly tool: string | undefined }
  | { readonly type: "error"; readonly message: string }
  /** The agent sends files (`attachments`, checked later: agent/files.ts); `rest` is what else the value says. */
  | { readonly type: "files"; readonly files: readonly unknown[]; readonly rest: AgentEvent }
  | { readonly type: "ignore" };

/**
 * Where a delta comes from. Frameworks send the same text twice in different shapes (Strands for Python
 * sends the Bedrock chunk, then its own event as a Python repr string; a filtered dict next to the raw
 * chunk): the family of the first delta of a stream is the one read, the others are its twins.
 */
export type Family =
  | "sdk" // bedrock-agentcore TypeScript: {event: "message", data: {text}}, {text}
  | "bedrock" // Bedrock ConverseStream chunks (Strands for Python): {event: {contentBlockDelta: {delta: {text}}}}
  | "strands" // Strands for TypeScript: {type: "modelContentBlockDeltaEvent", delta: {type: "textDelta", text}}
  | "openai" // {choices: [{delta: {content}}]}
  | "data" // Strands for Python, filtered: {data: "text", delta: {…}}
  | "fields" // any other object with a usual text field: {response: "…"}
  | "json-string" // Python `yield "text"`: data: "text"
  | "raw"; // TypeScript `yield "text"`, plain text, numbers: the data itself

const IGNORE: AgentEvent = { type: "ignore" };
const BOUNDARY: AgentEvent = { type: "boundary" };

/** Field names agent frameworks put a whole answer in, in the order they are looked for. */
const TEXT_FIELDS = ["response", "result", "output", "text", "content", "message", "answer", "completion"];

/** Python reprs Strands puts on the wire for events json.dumps cannot write: never text. */
const PYTHON_REPR =
  /^\{'(?:data|delta|result|message|event|init_event_loop|start|start_event_loop|complete|force_stop|agent|callback_handler)'/;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/** What one frame means. */
export function interpret(frame: Frame): AgentEvent {
  switch (frame.kind) {
    case "text":
      return { type: "text", text: frame.text, family: "raw" };
    case "json":
      return wholeBody(frame.body);
    case "line":
      return dataEvent(frame.line, undefined);
    case "event":
      return dataEvent(frame.data, frame.event);
  }
}

/** A whole `application/json` body: the answer in one of the usual fields, or an error. */
function wholeBody(body: string): AgentEvent {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { type: "snapshot", text: body };
  }
  if (isObject(value) && value.error !== undefined && extractText(value) === undefined)
    return { type: "error", message: errorMessage(value.error) };
  if (isObject(value) && Array.isArray(value.attachments)) {
    const { attachments, ...rest } = value;
    const text = extractText(rest);
    return {
      type: "files",
      files: attachments,
      rest: text === undefined ? IGNORE : { type: "snapshot", text },
    };
  }
  return { type: "snapshot", text: extractText(value) ?? body };
}

/** One SSE event's data (or one JSON line). */
function dataEvent(data: string, event: string | undefined): AgentEvent {
  if (event === "error") return { type: "error", message: errorOf(data) };
  if (data === "[DONE]") return IGNORE;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    // Not JSON: the data is the text itself (a TypeScript agent's raw `yield "text"`).
    return { type: "text", text: data, family: "raw" };
  }
  if (typeof value === "string")
    return PYTHON_REPR.test(value) ? IGNORE : { type: "text", text: value, family: "json-string", raw: data };
  if (!isObject(value)) {
    // `yield "42"` from TypeScript: the data, as written. An array of blocks: their text.
    if (Array.isArray(value)) {
      const text = extractText(value);
      return text === undefined ? IGNORE : { type: "text", text, family: "fields" };
    }
    return { type: "text", text: data, family: "raw" };
  }
  return objectEvent(value);
}

function errorOf(data: string): string {
  try {
    const value: unknown = JSON.parse(data);
    if (isObject(value)) return errorMessage(value.error ?? value.message);
  } catch {
    // the data is the message
  }
  return data.slice(0, 200);
}

function errorMessage(value: unknown): string {
  if (typeof value === "string") return value.slice(0, 200);
  if (isObject(value)) return String(value.message ?? value.type ?? "error").slice(0, 200);
  return "error";
}

/** An object: the shapes of the frameworks, most specific first. */
function objectEvent(value: Json): AgentEvent {
  // Files the agent sends (agent/files.ts), with or without text beside them.
  if (Array.isArray(value.attachments)) {
    const { attachments, ...rest } = value;
    return {
      type: "files",
      files: attachments,
      rest: Object.keys(rest).length === 0 ? IGNORE : objectEvent(rest),
    };
  }
  // Python SDK: {"error": "...", "error_type": "...", "message": "An error occurred during streaming"}.
  if (value.error !== undefined && str(value.text) === undefined)
    return { type: "error", message: errorMessage(value.error) };

  // bedrock-agentcore TypeScript: {event: "message", data: {text}} sent as a message, or raw.
  const data = value.data;
  if (isObject(data) && str(data.text) !== undefined && Object.keys(value).length <= 3)
    return { type: "text", text: data.text as string, family: "sdk" };

  // Bedrock ConverseStream chunks, as Strands for Python yields them: {event: {…}}.
  if (isObject(value.event)) return converseEvent(value.event);

  // Strands for TypeScript: {type: "…Event", …}.
  if (typeof value.type === "string" && value.type.endsWith("Event")) return strandsEvent(value);

  // OpenAI-style chunks.
  const choice = Array.isArray(value.choices) ? value.choices[0] : undefined;
  if (isObject(choice) && isObject(choice.delta)) {
    const content = str(choice.delta.content);
    return content === undefined ? IGNORE : { type: "text", text: content, family: "openai" };
  }

  // Strands for Python, filtered to what json.dumps can write: {data: "…", delta: {…}}.
  if (typeof data === "string") return { type: "text", text: data, family: "data" };

  // Snapshots: a finished message ({message: {role, content}}), a result.
  if (isObject(value.message) && "role" in value.message) return messageSnapshot(value.message);
  if ("result" in value && Object.keys(value).length === 1) {
    const text = extractText(value.result);
    return text === undefined ? IGNORE : { type: "snapshot", text };
  }

  // {text: "…"} from a TypeScript agent yielding plain objects.
  if (str(value.text) !== undefined) return { type: "text", text: value.text as string, family: "sdk" };

  // Lifecycle flags of the event loop: {init_event_loop: true}, {start: true}, {complete: true} …
  const keys = Object.keys(value);
  if (keys.every((key) => typeof value[key] === "boolean" || key === "metadata")) return IGNORE;

  const text = extractText(value);
  return text === undefined ? IGNORE : { type: "text", text, family: "fields" };
}

/** A Bedrock ConverseStream event (`contentBlockDelta`, `messageStop` …). */
function converseEvent(event: Json): AgentEvent {
  if (isObject(event.contentBlockDelta)) {
    const delta = event.contentBlockDelta.delta;
    const text = isObject(delta) ? str(delta.text) : undefined;
    // Reasoning and tool input deltas are not for the user.
    return text === undefined ? IGNORE : { type: "text", text, family: "bedrock" };
  }
  if (isObject(event.contentBlockStart)) {
    const start = event.contentBlockStart.start;
    const tool = isObject(start) && isObject(start.toolUse) ? start.toolUse : undefined;
    return tool ? { type: "status", tool: str(tool.name) } : IGNORE;
  }
  if (isObject(event.messageStop)) return BOUNDARY;
  return IGNORE;
}

/** A Strands for TypeScript event (`toJSON()`: `{type, …}`), its model events wrapped in `event`. */
function strandsEvent(value: Json): AgentEvent {
  const inner = value.type === "modelStreamUpdateEvent" && isObject(value.event) ? value.event : value;
  switch (inner.type) {
    case "modelContentBlockDeltaEvent": {
      const delta = inner.delta;
      const text = isObject(delta) && delta.type === "textDelta" ? str(delta.text) : undefined;
      return text === undefined ? IGNORE : { type: "text", text, family: "strands" };
    }
    case "modelContentBlockStartEvent": {
      const start = inner.start;
      return isObject(start) && start.type === "toolUseStart"
        ? { type: "status", tool: str(start.name) }
        : IGNORE;
    }
    case "modelMessageStopEvent":
      return BOUNDARY;
    case "beforeToolCallEvent":
      return { type: "status", tool: isObject(inner.toolUse) ? str(inner.toolUse.name) : undefined };
    case "messageAddedEvent":
      return isObject(inner.message) ? messageSnapshot(inner.message) : IGNORE;
    case "agentResultEvent": {
      const result = inner.result;
      const message = isObject(result) ? (result.lastMessage ?? result.message) : undefined;
      return isObject(message) ? messageSnapshot(message) : IGNORE;
    }
    default:
      return IGNORE;
  }
}

/** A whole message: its text blocks, when the assistant wrote it (a tool result is not the answer). */
function messageSnapshot(message: Json): AgentEvent {
  if (message.role !== "assistant") return IGNORE;
  const blocks = Array.isArray(message.content) ? message.content : [message.content];
  const text = blocks
    .map((block) => (typeof block === "string" ? block : isObject(block) ? (str(block.text) ?? "") : ""))
    .join("");
  return text === "" ? IGNORE : { type: "snapshot", text };
}

/**
 * The text inside a JSON value: a string, an array of content blocks, or an object with one of the
 * usual fields (`{"result": {"content": [{"text": "…"}]}}` from Strands, `{"response": "…"}`, …).
 */
export function extractText(value: unknown, depth = 0): string | undefined {
  if (typeof value === "string") return value;
  if (depth > 8 || value === null || typeof value !== "object") return undefined;
  if (Array.isArray(value)) {
    const parts = value.map((item) => extractText(item, depth + 1)).filter((part) => part !== undefined);
    return parts.length > 0 ? parts.join("") : undefined;
  }
  const record = value as Json;
  for (const field of TEXT_FIELDS) {
    if (field in record) {
      const text = extractText(record[field], depth + 1);
      if (text !== undefined) return text;
    }
  }
  return undefined;
}
