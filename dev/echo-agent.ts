/**
 * The built-in agent of `bun run dev`: follows the AgentCore container contract (POST /invocations,
 * GET /ping) and streams its echo word by word as Server-Sent Events, slowly enough to watch the answer
 * grow in the emulator (`ECHO_DELAY_MS` between words, default {@link ECHO_DELAY_MS}), so the pipeline
 * shows something with zero setup, including a streamed answer.
 */

/** A running echo agent. */
export interface EchoAgent {
  readonly url: string;
  stop(): Promise<void>;
}

const encoder = new TextEncoder();

/** Default pause between two streamed words (ms): a sentence takes a few seconds, as a model's would. */
export const ECHO_DELAY_MS = 200;

/** The echo of a prompt, in Markdown, so formatting shows in every channel. */
export function echoText(prompt: string, sessionId: string): string {
  if (prompt.trim() === "") return "_(an empty message)_";
  return `**echo:** ${prompt}\n\n\`session ${sessionId.slice(0, 18)}…\``;
}

/** Starts the echo agent on `port` (0 = any free port). `delayMs` spaces the streamed words. */
export function startEchoAgent(options: { port?: number; delayMs?: number } = {}): EchoAgent {
  const delayMs = options.delayMs ?? ECHO_DELAY_MS;
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
      const payload = (await request.json().catch(() => ({}))) as { prompt?: unknown };
      const sessionId = request.headers.get("x-amzn-bedrock-agentcore-runtime-session-id") ?? "none";
      const words = echoText(String(payload.prompt ?? ""), sessionId).split(/(?<=\s)/);
      const stream = new ReadableStream<Uint8Array>({
        async start(controller) {
          for (const word of words) {
            controller.enqueue(encoder.encode(`data: ${JSON.stringify(word)}\n\n`));
            await Bun.sleep(delayMs);
          }
          controller.close();
        },
      });
      return new Response(stream, { headers: { "content-type": "text/event-stream; charset=utf-8" } });
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
}
