import type { Attachment, Envelope } from "../envelope.ts";

/**
 * The agent contract: what the agent receives as the JSON body of every invocation, whether on
 * AgentCore Runtime (InvokeAgentRuntime's payload) or served locally (`POST {AGENT_URL}/invocations`).
 * The runtime session id comes beside it (`runtimeSessionId`; the
 * `X-Amzn-Bedrock-AgentCore-Runtime-Session-Id` header in the container): one per conversation (and
 * thread), a new one after the user's `/new`. The agent answers with Markdown, as JSON (the text in
 * `response`, `result`, `output`, `text`, `content`, `message`, `answer` or `completion`, nested
 * content blocks allowed), as a `text/event-stream` (the `data:` events joined), or as plain text.
 * Fields are only ever added to this type, never changed or removed.
 */
export interface AgentPayload {
  /** The user's message: its text, or a media caption; "" when only attachments came. Agent frameworks read `prompt`. */
  readonly prompt: string;
  /** The channel: `telegram`, `slack`, `discord`, `whatsapp` or `whatsapp-personal`. */
  readonly channel: string;
  /** The conversation as the platform names it (chat id, channel id, phone number, JID). */
  readonly conversation: string;
  /** A thread or topic inside the conversation (a Slack thread's ts, a Telegram topic), when there is one. */
  readonly thread?: string;
  /** Who wrote: the platform's user id, and their display name when the platform gives one. */
  readonly user: { readonly id: string; readonly name?: string };
  /** What the message carried besides text: each file with where to read it, or why it was not fetched. */
  readonly attachments: readonly AgentAttachment[];
  /** The platform's id of the message (update id, event id, interaction id, wamid). */
  readonly messageId: string;
  /** When the relay accepted the message, ISO 8601 (`2026-11-24T10:15:30.000Z`). */
  readonly receivedAt: string;
}

/**
 * An attachment: its `kind` (image, audio, voice, video, document, sticker, other), the platform's file
 * id (a Telegram file_id, a WhatsApp media id, a URL for Slack and Discord), the `mime` type as the
 * platform states it, `size` in bytes and file `name` when the platform gives them; and where the worker
 * stored the file: `url`, a presigned HTTPS GET URL (short-lived: MEDIA_URL_SECONDS, at most the worker's
 * role session), and `s3`, `s3://bucket/key` (for an agent whose role may read the bucket); or, when it
 * was not fetched, `skipped`: `too large`, `too many`, `not available`, `download failed` or `media off`.
 */
export type AgentAttachment = Attachment;

/**
 * The payload of an envelope.
 * @example agentPayload(envelope) // { prompt: "hello", channel: "telegram", conversation: "42", … }
 */
export function agentPayload(envelope: Envelope): AgentPayload {
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

/**
 * The runtimeUserId of the sender, passed beside the payload when `AGENT_USER_ID=true`.
 * @example runtimeUserId(envelope) // "telegram:7"
 */
export function runtimeUserId(envelope: Pick<Envelope, "channel" | "user">): string {
  return `${envelope.channel}:${envelope.user.id}`;
}
