/**
 * The framing of an agent's response body, read as it arrives: the bytes become frames before anything
 * asks what they mean (shapes.ts). Agents answer in one of four framings, told by the content type:
 *
 * - `text/event-stream`: Server-Sent Events; each event's `data:` lines joined by "\n" (the AgentCore SDKs);
 * - `application/x-ndjson`, `application/jsonl`, `application/json-seq`: one JSON value per line;
 * - `application/json` (and other `+json`): one value, read to the end;
 * - anything else: plain text, every byte of it the answer.
 */

/** One unit of a response body. */
export type Frame =
  /** A Server-Sent Event: its `event:` name (when given) and its data. */
  | { readonly kind: "event"; readonly event: string | undefined; readonly data: string }
  /** One line of a JSON-lines body (not parsed yet). */
  | { readonly kind: "line"; readonly line: string }
  /** A whole JSON body (not parsed yet). */
  | { readonly kind: "json"; readonly body: string }
  /** A piece of a plain-text body, as it arrived. */
  | { readonly kind: "text"; readonly text: string };

const LINES = /\r\n|\r|\n/;

/** Which framing a content type announces. */
export function framingOf(contentType: string | undefined): "sse" | "lines" | "json" | "text" {
  const type = (contentType ?? "").toLowerCase();
  if (type.includes("text/event-stream")) return "sse";
  if (/ndjson|jsonl|json-seq|jsonlines/.test(type)) return "lines";
  if (type.includes("json")) return "json";
  return "text";
}

/** The frames of a response body, as its bytes arrive; UTF-8 is decoded across chunk borders. */
export async function* readFrames(
  contentType: string | undefined,
  body: AsyncIterable<Uint8Array>,
): AsyncGenerator<Frame> {
  const framing = framingOf(contentType);
  const decoder = new TextDecoder();
  if (framing === "text") {
    for await (const chunk of body) {
      const text = decoder.decode(chunk, { stream: true });
      if (text !== "") yield { kind: "text", text };
    }
    const tail = decoder.decode();
    if (tail !== "") yield { kind: "text", text: tail };
    return;
  }
  if (framing === "json") {
    let all = "";
    for await (const chunk of body) all += decoder.decode(chunk, { stream: true });
    yield { kind: "json", body: all + decoder.decode() };
    return;
  }
  const events = framing === "sse" ? new SseParser() : undefined;
  let buffer = "";
  /** The frames of the complete lines in the buffer (all of it when `final`). */
  const complete = function* (final: boolean): Generator<Frame> {
    // A "\r" at the very end may be the first half of "\r\n": it waits for the next chunk.
    const cut = !final && buffer.endsWith("\r") ? buffer.length - 1 : buffer.length;
    const lines = buffer.slice(0, cut).split(LINES);
    buffer = (final ? "" : (lines.pop() ?? "")) + buffer.slice(cut);
    for (const line of lines) {
      if (events) {
        const event = events.line(line);
        if (event) yield event;
      } else if (line.trim() !== "") {
        yield { kind: "line", line };
      }
    }
  };
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    yield* complete(false);
  }
  buffer += decoder.decode();
  yield* complete(true);
  // A last event without the blank line after it still counts.
  const last = events?.line("");
  if (last) yield last;
}

/** The event-stream grammar (html.spec.whatwg.org, "Interpreting an event stream"), one line at a time. */
class SseParser {
  #data: string[] = [];
  #event: string | undefined;

  /** Takes one line (without its line break); returns the event a blank line completes. */
  line(text: string): Frame | undefined {
    if (text === "") {
      const done: Frame | undefined =
        this.#data.length > 0
          ? { kind: "event", event: this.#event, data: this.#data.join("\n") }
          : undefined;
      this.#data = [];
      this.#event = undefined;
      return done;
    }
    if (text.startsWith(":")) return undefined; // a comment: heartbeats
    const colon = text.indexOf(":");
    const field = colon < 0 ? text : text.slice(0, colon);
    const value = colon < 0 ? "" : text.slice(text.charAt(colon + 1) === " " ? colon + 2 : colon + 1);
    if (field === "data") this.#data.push(value);
    else if (field === "event") this.#event = value;
    // id: and retry: carry nothing the relay uses
    return undefined;
  }
}
