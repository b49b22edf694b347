/**
 * The bytes agents on AgentCore put on the wire when they stream, per framework, byte for byte, as
 * {@link agentReply.sse} replies of the fake AgentCore: the TypeScript SDK (`bedrock-agentcore`, which
 * writes through @fastify/sse), the Python SDK (`bedrock_agentcore`: every yielded value as
 * `data: json.dumps(value, ensure_ascii=False)`, `json.dumps(str(value))` when that fails) and Strands for
 * Python yielded through it. Each builder takes the answer's pieces (the model's deltas) and the usual
 * stream options: `chunkDelayMs` (a slow agent), `stallAfterChunks` (one stuck mid-answer),
 * `breakAfterChunks` (a connection that breaks mid-answer); a huge answer is many pieces.
 * @example stack.agentcore.script(agentStreams.strandsPython(words("Hello there"), { chunkDelayMs: 50 }));
 */
import { type AgentReply, agentReply, type SseEvent, type SseOptions } from "./agentcore.ts";

/** `text` cut into pieces the way models stream it: a word and the space after it. */
export function words(text: string): string[] {
  return text.split(/(?<=\s)(?=\S)/);
}

/** A value as Python's `json.dumps(value, ensure_ascii=False)` writes it (", " and ": " separators). */
export function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v)}`);
    return `{${entries.join(", ")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** Python's `repr()` of a string. */
function pythonRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const body = text
    .replace(/\\/g, "\\\\")
    .replace(/\n/g, "\\n")
    .replace(/\t/g, "\\t")
    .replace(quote === "'" ? /'/g : /"/g, `\\${quote}`);
  return `${quote}${body}${quote}`;
}

/** The Python SDK's bytes for one yielded value (`data: <json>`). */
const py = (value: unknown): SseEvent => pythonJson(value);

export const agentStreams = {
  /** TypeScript SDK, `yield { event: "message", data: { text } }` per piece. */
  typescript(pieces: readonly string[], options: SseOptions = {}): AgentReply {
    const events = pieces.map((text): SseEvent => ({ event: "message", data: JSON.stringify({ text }) }));
    return agentReply.sse(events, options);
  },

  /** TypeScript SDK, the pieces, then a throw: `event: error` with the message. */
  typescriptError(pieces: readonly string[], message: string, options: SseOptions = {}): AgentReply {
    const events = pieces.map((text): SseEvent => ({ event: "message", data: JSON.stringify({ text }) }));
    return agentReply.sse([...events, { event: "error", data: JSON.stringify({ error: message }) }], options);
  },

  /** Python SDK, `yield "text"` per piece. */
  python(pieces: readonly string[], options: SseOptions = {}): AgentReply {
    return agentReply.sse(pieces.map(py), options);
  },

  /** Python SDK, the pieces, then an exception (the SDK's error event). */
  pythonError(pieces: readonly string[], error: string, options: SseOptions = {}): AgentReply {
    const failure = py({ error, error_type: "RuntimeError", message: "An error occurred during streaming" });
    return agentReply.sse([...pieces.map(py), failure], options);
  },

  /**
   * Strands for Python through the Python SDK, as its README shows it: `async for event in
   * agent.stream_async(prompt): yield event`. Per piece the Bedrock chunk, then Strands' own event, which
   * holds the agent object: json.dumps fails, so it goes out as the JSON string of its Python repr. With
   * `tool`, the model first says `toolIntro`, calls the tool (its input streamed, a tool result message),
   * and answers in a second cycle.
   */
  strandsPython(
    pieces: readonly string[],
    options: SseOptions & { tool?: string; toolIntro?: readonly string[] } = {},
  ): AgentReply {
    const { tool, toolIntro = [], ...sse } = options;
    const events: SseEvent[] = [
      py({ init_event_loop: true }),
      py({ start: true }),
      py({ start_event_loop: true }),
    ];
    const cycle = (texts: readonly string[], stopReason: string) => {
      events.push(py({ event: { messageStart: { role: "assistant" } } }));
      for (const text of texts) {
        events.push(py({ event: { contentBlockDelta: { delta: { text }, contentBlockIndex: 0 } } }));
        events.push(py(strandsRepr(text)));
      }
      if (texts.length > 0) events.push(py({ event: { contentBlockStop: { contentBlockIndex: 0 } } }));
      if (stopReason === "tool_use" && tool) {
        events.push(
          py({
            event: {
              contentBlockStart: {
                start: { toolUse: { name: tool, toolUseId: "tooluse_1" } },
                contentBlockIndex: 1,
              },
            },
          }),
        );
        events.push(
          py({
            event: { contentBlockDelta: { delta: { toolUse: { input: '{"q": 1}' } }, contentBlockIndex: 1 } },
          }),
        );
        events.push(py({ event: { contentBlockStop: { contentBlockIndex: 1 } } }));
      }
      events.push(py({ event: { messageStop: { stopReason } } }));
      events.push(
        py({
          event: {
            metadata: {
              usage: { inputTokens: 812, outputTokens: 64, totalTokens: 876 },
              metrics: { latencyMs: 1204 },
            },
          },
        }),
      );
      const content: unknown[] = [{ text: texts.join("") }];
      if (stopReason === "tool_use" && tool)
        content.push({ toolUse: { toolUseId: "tooluse_1", name: tool, input: { q: 1 } } });
      events.push(py({ message: { role: "assistant", content } }));
    };
    if (tool) {
      cycle(toolIntro, "tool_use");
      events.push(
        py({
          message: {
            role: "user",
            content: [
              {
                toolResult: {
                  toolUseId: "tooluse_1",
                  status: "success",
                  content: [{ text: "tool output, not for the user" }],
                },
              },
            ],
          },
        }),
      );
    }
    cycle(pieces, "end_turn");
    events.push(
      py(
        `{'result': AgentResult(stop_reason='end_turn', message={'role': 'assistant', 'content': [{'text': ${pythonRepr(pieces.join(""))}}]}, metrics=EventLoopMetrics(cycle_count=1), state={})}`,
      ),
    );
    return agentReply.sse(events, sse);
  },
};

/** The repr Strands' TextStreamEvent (merged with the invocation state) becomes on the wire. */
function strandsRepr(text: string): string {
  const t = pythonRepr(text);
  return `{'data': ${t}, 'delta': {'text': ${t}}, 'agent': <strands.agent.agent.Agent object at 0x7f3a2c1b5e50>, 'event_loop_cycle_id': UUID('9b1f0c64-3f0e-4d5b-9a59-0c6b8c2e7a11'), 'request_state': {}, 'event_loop_cycle_trace': <strands.telemetry.metrics.Trace object at 0x7f3a2c0e1d90>, 'event_loop_cycle_span': NonRecordingSpan(SpanContext(trace_id=0x00000000000000000000000000000000, span_id=0x0000000000000000, trace_flags=0x00, trace_state=[], is_remote=False))}`;
}
