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

export type Payload = z.infer<typeof Payload>;
