import { sha256Hex } from "../crypto.ts";
import { conversationKey, type Envelope } from "../envelope.ts";

/**
 * The AgentCore runtimeSessionId of a conversation in its `generation` (one more per `/new`, see
 * ../sessions.ts): `<channel>-<sha256 of the conversation key>` for the first, the key with
 * `#<generation>` after it for later ones (73 characters; AgentCore wants 33–256). Deterministic, so
 * one chat keeps one agent session across messages and containers until it asks for a new one.
 */
export function sessionId(
  envelope: Pick<Envelope, "channel" | "conversation" | "thread">,
  generation = 0,
): string {
  const key = conversationKey(envelope);
  return `${envelope.channel}-${sha256Hex(generation === 0 ? key : `${key}#${generation}`)}`;
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
