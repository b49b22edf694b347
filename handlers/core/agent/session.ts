import { sha256Hex } from "../crypto.ts";
import { conversationKey, type Envelope } from "../envelope.ts";

/**
 * The AgentCore runtimeSessionId of a conversation: `<channel>-<sha256 of the conversation key>`
 * (73 characters; AgentCore wants 33–256). Deterministic, so one chat keeps one agent session
 * across messages and containers.
 */
export function sessionId(envelope: Pick<Envelope, "channel" | "conversation" | "thread">): string {
  return `${envelope.channel}-${sha256Hex(conversationKey(envelope))}`;
}

/** The runtimeUserId of the sender: `<channel>:<user id>`. */
export function runtimeUserId(envelope: Pick<Envelope, "channel" | "user">): string {
  return `${envelope.channel}:${envelope.user.id}`;
}

/** The JSON payload the agent gets: `prompt` (what agent frameworks read) plus the context. */
export function agentPayload(envelope: Envelope): Record<string, unknown> {
  return {
    prompt: envelope.text,
    channel: envelope.channel,
    conversation: envelope.conversation,
    ...(envelope.thread === undefined ? {} : { thread: envelope.thread }),
    user: envelope.user,
    attachments: envelope.attachments,
    messageId: envelope.eventId,
    receivedAt: new Date(envelope.receivedAt).toISOString(),
  };
}
