/**
 * An agent on the AgentCore SDK for TypeScript (`BedrockAgentCoreApp`) that streams its answer in the shape
 * the prompt names, so the relay's reader is tested against the SDK's own bytes on the wire:
 *
 * - `message`: `yield { event: "message", data: { text } }` (the SDK's documented shape);
 * - `raw`: `yield "text"` (sent as written, not JSON-encoded; "42" and multi-line pieces included);
 * - `objects`: `yield { text }` (objects without `data` are wrapped by the SDK);
 * - `error`: some text, then a throw (the SDK sends `event: error`);
 * - `slow`: `message` pieces 30 ms apart.
 *
 * Run: `PORT=… bun test/agents/sdk-shapes.ts`.
 */
import { BedrockAgentCoreApp } from "bedrock-agentcore/runtime";

/** The answer every shape streams. */
export const PIECES = ["Hello", " **wör", "ld**", "\n\n- ", "42", "\n- a\nb"];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The agent; started only when this file is run, so tests can import {@link PIECES}. */
const agent = () =>
  new BedrockAgentCoreApp({
    invocationHandler: {
      process: async function* (payload: unknown) {
        const shape = String((payload as { prompt?: unknown }).prompt ?? "");
        for (const text of PIECES) {
          if (shape === "raw") yield text;
          else if (shape === "objects") yield { text };
          else yield { event: "message", data: { text } };
          if (shape === "slow") await sleep(30);
          if (shape === "error" && text === " **wör") throw new Error("the model went away");
        }
      },
    },
  });

if (import.meta.main) agent().run({ port: Number(process.env.PORT), host: "127.0.0.1" });
