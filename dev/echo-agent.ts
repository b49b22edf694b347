/**
 * The built-in agent of `bun run dev`: follows the AgentCore container contract (POST /invocations,
 * GET /ping) and streams its echo word by word as Server-Sent Events, slowly enough to watch the answer
 * grow in the emulator (`ECHO_DELAY_MS` between words, default {@link ECHO_DELAY_MS}), so the pipeline
 * shows something with zero setup, including a streamed answer. Files show both ways: the files a message
 * carries are listed (name, type, size), and a message with files, or one that asks for an "image", gets
 * one image back (the answer contract's `attachments`, docs/agent-contract.md) after the text.
 * A message starting with "later" shows a long turn (docs/outbound.md): the echo answers at once with the
 * acknowledgement `{ "text": "On it…", "async": true }` and, {@link LATER_STEPS} word pauses later, delivers
 * the echo through the stack's `POST /_dev/outbound`, as an agent would through the deployed send queue.
 */

/** A running echo agent. */
export interface EchoAgent {
  readonly url: string;
  stop(): Promise<void>;
}

const encoder = new TextEncoder();

/** Default pause between two streamed words (ms): a sentence takes a few seconds, as a model's would. */
export const ECHO_DELAY_MS = 200;

/** The echo of a prompt, in Markdown, so formatting shows in every channel; the files it came with listed. */
export function echoText(prompt: string, sessionId: string, files: readonly EchoFile[] = []): string {
  const listed = files.map(
    (f) =>
      `- ${f.name ?? "a file"} (${f.mime ?? "type unknown"}, ${f.size === undefined ? "size unknown" : `${f.size} bytes`}${f.skipped ? `, not fetched: ${f.skipped}` : ""})`,
  );
  const list = listed.length > 0 ? `\n\nfiles:\n${listed.join("\n")}` : "";
  if (prompt.trim() === "" && list === "") return "_(an empty message)_";
  return `**echo:** ${prompt.trim() === "" ? "_(no text)_" : prompt}${list}\n\n\`session ${sessionId.slice(0, 18)}…\``;
}

/** An attachment of the payload, as far as the echo reads it. */
export interface EchoFile {
  readonly name?: string;
  readonly mime?: string;
  readonly size?: number;
  readonly skipped?: string;
}

/** The image the echo agent sends back: a 32×32 PNG, an orange dot. */
export const ECHO_IMAGE = {
  base64:
    "iVBORw0KGgoAAAANSUhEUgAAACAAAAAgCAIAAAD8GO2jAAAAgklEQVR42u2WyxGAMAhEtxcLsAP7tNp4dRIwGJcdM8pwfi9fAMu6pSZeIShOEAQlEIOCGrOjzpgGHXrL9U1RwT16zwEC/dIBDt13WIIx+slhCwh0y6ESPD19/yZAXn6ziV/wOUHeM53/JyuKnaJcpzccRctUNH3F2KIYvESj4wTT9QEpiaXU/24zLgAAAABJRU5ErkJggg==",
  mime: "image/png",
  name: "echo.png",
  caption: "an image from the echo agent",
} as const;

/** Whether the echo sends its image: the message came with files, or asks for an image. */
export function sendsImage(prompt: string, files: readonly EchoFile[]): boolean {
  return files.length > 0 || /\bimage\b/i.test(prompt);
}

/** Whether the message asks for an async answer: it starts with "later". */
export function answersLater(prompt: string): boolean {
  return /^\s*later\b/i.test(prompt);
}

/** The acknowledgement of a long turn, as docs/outbound.md documents it. */
export const ASYNC_ACK = { text: "On it…", async: true } as const;

/** How many word pauses (`delayMs`) the "later" answer waits: 1.6 s with the default. */
export const LATER_STEPS = 8;

/** Where the echo delivers a later answer: the dev stack's `POST /_dev/outbound` and the run's token. */
export interface EchoOutbound {
  readonly url: string;
  readonly token: string;
}

/** The fields of the payload the echo reads. */
interface EchoPayload {
  prompt?: unknown;
  attachments?: unknown;
  channel?: unknown;
  conversation?: unknown;
  thread?: unknown;
  messageId?: unknown;
}

/** Delivers the later answer of `payload` through the stack's outbound API; a failure is logged, not lost silently. */
async function deliverLater(outbound: EchoOutbound, payload: EchoPayload, text: string): Promise<void> {
  const message = {
    channel: payload.channel,
    conversation: payload.conversation,
    ...(typeof payload.thread === "string" && payload.thread !== "" ? { thread: payload.thread } : {}),
    text,
    // The message id makes the key: a turn the relay retries gives the same key, delivered once.
    idempotencyKey: `${String(payload.messageId ?? payload.conversation)}:later`,
  };
  try {
    const response = await fetch(`${outbound.url}/_dev/outbound`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-dev-token": outbound.token },
      body: JSON.stringify(message),
    });
    if (!response.ok)
      console.error(`echo agent: the later answer was refused: ${response.status} ${await response.text()}`);
  } catch (error) {
    console.error("echo agent: the later answer could not be sent:", error);
  }
}

/**
 * Starts the echo agent on `port` (0 = any free port). `delayMs` spaces the streamed words; `outbound`
 * (asked when a later answer is due, as the stack's address is known only once it listens) is where
 * "later" answers go; without it a "later" message is echoed at once like any other.
 */
export function startEchoAgent(
  options: { port?: number; delayMs?: number; outbound?: () => EchoOutbound | undefined } = {},
): EchoAgent {
  const delayMs = options.delayMs ?? ECHO_DELAY_MS;
  let stopped = false;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: options.port ?? 0,
    async fetch(request) {
      const { pathname } = new URL(request.url);
      if (request.method === "GET" && pathname === "/ping") {
        return Response.json({ status: "Healthy", time_of_last_update: Math.floor(Date.now() / 1000) });
      }
      if (request.method !== "POST" || pathname !== "/invocations")
        return new Response("not found", { status: 404 });
      const payload = (await request.json().catch(() => ({}))) as EchoPayload;
      const sessionId = request.headers.get("x-amzn-bedrock-agentcore-runtime-session-id") ?? "none";
      const prompt = String(payload.prompt ?? "");
      const files = Array.isArray(payload.attachments) ? (payload.attachments as EchoFile[]) : [];
      const outbound = answersLater(prompt) ? options.outbound?.() : undefined;
      if (outbound) {
        // Not awaited: the invocation answers now, the "work" goes on here (an AgentCore async task).
        void Bun.sleep(delayMs * LATER_STEPS).then(() =>
          // A stopped agent's stack is gone: nothing to deliver to.
          stopped ? undefined : deliverLater(outbound, payload, `**later:** ${prompt.trim()}`),
        );
        return Response.json(ASYNC_ACK);
      }
      const words = echoText(prompt, sessionId, files).split(/(?<=\s)/);
      const stream = new ReadableStream<Uint8Array>({
        async start(controller) {
          for (const word of words) {
            controller.enqueue(encoder.encode(`data: ${JSON.stringify(word)}\n\n`));
            await Bun.sleep(delayMs);
          }
          // Files go in an event of their own, after the text (docs/agent-contract.md).
          if (sendsImage(prompt, files))
            controller.enqueue(encoder.encode(`data: ${JSON.stringify({ attachments: [ECHO_IMAGE] })}\n\n`));
          controller.close();
        },
      });
      return new Response(stream, { headers: { "content-type": "text/event-stream; charset=utf-8" } });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    stop() {
      stopped = true;
      return server.stop(true);
    },
  };
}
