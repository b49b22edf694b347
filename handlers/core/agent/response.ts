/**
 * Reads an AgentCore response body into the reply text. Agents answer in one of three ways:
 * `application/json` (the text sits in one of the usual fields), `text/event-stream` (the text is
 * the concatenation of the `data:` events, JSON-string events decoded), or plain text.
 */

/** Field names agent frameworks put their answer in, in the order we look for them. */
const TEXT_FIELDS = ["response", "result", "output", "text", "content", "message", "answer", "completion"];

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
  const record = value as Record<string, unknown>;
  for (const field of TEXT_FIELDS) {
    if (field in record) {
      const text = extractText(record[field], depth + 1);
      if (text !== undefined) return text;
    }
  }
  return undefined;
}

/** Text of one SSE `data` payload: JSON strings decoded, JSON objects searched, the rest as is. */
function eventText(data: string): string {
  if (data === "[DONE]") return "";
  try {
    const json: unknown = JSON.parse(data);
    if (typeof json === "string") return json;
    if (json !== null && typeof json === "object") return extractText(json) ?? "";
  } catch {
    // not JSON: the data is the text itself
  }
  return data;
}

/** Concatenates the `data:` events of an SSE stream, decoding UTF-8 across chunk borders. */
export async function readEventStream(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let out = "";
  let buffer = "";
  let data: string[] = [];
  const line = (text: string) => {
    if (text === "") {
      if (data.length > 0) out += eventText(data.join("\n"));
      data = [];
    } else if (text.startsWith("data:")) {
      data.push(text.slice(text.startsWith("data: ") ? 6 : 5));
    }
    // event:, id:, retry: and comments carry no text
  };
  const drain = (final: boolean) => {
    const lines = buffer.split(/\r\n|\r|\n/);
    buffer = final ? "" : (lines.pop() ?? "");
    for (const text of lines) line(text);
  };
  for await (const chunk of chunks) {
    buffer += decoder.decode(chunk, { stream: true });
    drain(false);
  }
  buffer += decoder.decode();
  drain(true);
  line("");
  return out;
}

/** Reads a whole body as UTF-8. */
export async function readText(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let out = "";
  for await (const chunk of chunks) out += decoder.decode(chunk, { stream: true });
  return out + decoder.decode();
}

/** The reply text of an agent response, whatever its content type. */
export async function readAgentResponse(
  contentType: string | undefined,
  body: AsyncIterable<Uint8Array> | undefined,
): Promise<string> {
  if (!body) return "";
  const type = (contentType ?? "").toLowerCase();
  if (type.includes("text/event-stream")) return readEventStream(body);
  const text = await readText(body);
  if (!type.includes("json")) return text;
  try {
    return extractText(JSON.parse(text)) ?? text;
  } catch {
    return text;
  }
}
