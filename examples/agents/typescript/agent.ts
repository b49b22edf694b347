/**
 * A minimal agent for agentcore-relay, on the AgentCore Runtime contract (`POST /invocations`,
 * `GET /ping`, port 8080) with the AgentCore SDK for TypeScript. It greets the user and repeats the
 * message; put your model call where the answer is made.
 *
 *   npm install && npx tsx agent.ts          # or: bun agent.ts
 *   AGENT_URL=http://localhost:8080 npx bun run dev   # the relay's local stack talks to it
 */
import { BedrockAgentCoreApp } from "bedrock-agentcore/runtime";
import { z } from "zod";

/** What the relay sends (AgentPayload in handlers/core/agent/payload.ts); unknown fields are kept. */
export const Payload = z.looseObject({
  prompt: z.string(),
  channel: z.string(),
  conversation: z.string(),
  thread: z.string().optional(),
  user: z.object({ id: z.string(), name: z.string().optional() }),
  attachments: z.array(
    z.object({
      kind: z.string(),
      id: z.string(),
      mime: z.string().optional(),
      size: z.number().optional(),
      name: z.string().optional(),
    }),
  ),
  messageId: z.string(),
  receivedAt: z.string(),
});

export const app = new BedrockAgentCoreApp({
  invocationHandler: {
    requestSchema: Payload,
    // context.sessionId is one per conversation (and thread); a new one after the user's /new.
    // A generator streams: the relay shows the answer growing where the platform can (Telegram drafts,
    // edits) and sends the final text once it is complete.
    process: async function* (payload, context) {
      const who = payload.user.name ?? payload.user.id;
      const files = payload.attachments.map((a) => a.name ?? a.kind);
      context.log.info({ channel: payload.channel, session: context.sessionId }, "invoked");
      // Your model goes here: yield its text as it comes. The relay renders the Markdown for the channel.
      const text = [
        `Hello **${who}**, on ${payload.channel}.`,
        payload.prompt ? `You said: ${payload.prompt}` : "You sent no text.",
        ...(files.length > 0 ? [`Attached: ${files.join(", ")}`] : []),
      ].join("\n\n");
      for (const piece of text.split(/(?<= )/)) yield { event: "message", data: { text: piece } };
    },
  },
});

// AgentCore Runtime runs the container with port 8080 on all interfaces; locally, HOST=127.0.0.1 keeps it
// on this computer.
app.run({ port: Number(process.env.PORT ?? 8080), host: process.env.HOST ?? "0.0.0.0" });
