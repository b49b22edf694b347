import type * as v from "valibot";
import type { FileKind } from "./agent/files.ts";
import type { Attachment } from "./envelope.ts";
import type { MediaLocation } from "./media/download.ts";
import type { Template } from "./outbound/message.ts";

/**
 * A channel, as the core sees it. Core code never names a platform: each channel folder exports
 * one ChannelAdapter, and the worker and setup code take it as a parameter. Each channel with a
 * webhook has these files, each with its test beside it:
 *
 * - `verify.ts`: the platform's proof on a request (a short problem, or undefined);
 * - `inbound.ts`: the event schemas and the event → envelope reading (a core/inbound.ts `Inbound`);
 * - `ingress.ts`: the Hono app and its Lambda handler (core/ingress.ts middleware);
 * - `reply.ts`: the reply context the ingress stores in `envelope.reply` and the worker answers with;
 * - `api.ts`: the platform API client; `outbox.ts`: the {@link Outbox} (what the channel can do, which the
 *   core drives); `format.ts`: the Markdown dialect;
 * - `secret.ts`: the secret's schema; `adapter.ts`: this object; `worker.ts`: the worker's Lambda handler.
 *
 * Helpers only one platform needs sit beside them (Slack's thread lookup, WhatsApp's delivery statuses).
 * A channel the relay feeds (WhatsApp personal) has no webhook, so no verify, ingress or api: its
 * inbound reading is the relay's (relay/whatsapp/inbound.ts), and `outbound.ts` holds the messages its
 * outbox queues for the relay to send. How a message travels: docs/architecture.md.
 */
export interface ChannelAdapter<Secret, Reply> {
  /** Channel name, the `channel` of its envelopes. */
  readonly channel: string;
  /** The JSON keys of the channel's Secrets Manager secret. */
  readonly secretSchema: v.GenericSchema<unknown, Secret>;
  /** What the channel needs to answer, stored in `envelope.reply` by its ingress. */
  readonly replySchema: v.GenericSchema<unknown, Reply>;
  /** How often the typing indicator must be sent again while the agent runs. */
  readonly typingIntervalMs: number;
  /**
   * Whether a user the allowlist refuses is told so (a short refusal). False where the bot speaks as a
   * person — WhatsApp personal is the owner's own account — so a stranger hears nothing from it.
   * @default true
   */
  readonly answersStrangers?: boolean;
  /**
   * Whether a message with this reply context may be merged with the sender's next ones into one answer
   * (a burst). Absent: always. False where each message waits for its own answer (a Discord slash command's
   * "thinking…").
   */
  merges?(reply: Reply): boolean;
  /**
   * Where the platform lets a bot write to a user only this long after the user's last message (WhatsApp's
   * 24-hour customer service window): admins' messages are recorded, and an admin who has not written
   * within it is not sent access requests. Absent: no such limit.
   */
  readonly directWindowMs?: number;
  /** The platform client the worker answers through. */
  outbox(secret: Secret): Outbox<Reply>;
  /**
   * The reply context of a message nobody sent a message for (one the agent starts, a schedule's answer):
   * where `to.conversation` (and `to.thread`) are, as the channel's envelopes name them, with no user
   * message to quote. The core checks it against `replySchema`: a conversation id that cannot be one of
   * this channel's gives no reply context (undefined, or one the schema refuses). Absent: the channel
   * takes no outbound messages.
   */
  replyTo?(to: OutboundTarget, secret: Secret): unknown;
  /**
   * Where the platform serves the files users send, asked with the channel's credentials (core/media/).
   * Absent: files reach the agent as metadata only (`skipped: "not available"`).
   */
  media?(secret: Secret): MediaSource;
  /** Deploy-time registration (webhook, commands), run by the module during apply. */
  setup(secret: Secret, input: SetupInput): Promise<Record<string, unknown>>;
  /** Undoes setup, run on destroy. */
  teardown(secret: Secret): Promise<Record<string, unknown>>;
}

/**
 * What a channel can do on its platform: its Markdown dialect and message limit, and the few primitives
 * it has. The core does the rest the same way for every channel (handlers/core/reply/): it renders the
 * answer with `render`, splits it at `limit`, paces and retries the calls (a 429's retry_after), streams
 * where `streaming` says how, and keeps the send ledger. Errors are PlatformErrors that say whether a
 * retry can help; a primitive never waits out a rate limit itself.
 */
export interface Outbox<Reply> {
  /** Markdown → the platform's text (core/text/render.ts with the channel's dialect, in its format.ts). */
  readonly render: (markdown: string) => string;
  /** Most characters of rendered text one message takes. */
  readonly limit: number;
  /**
   * Whether the message is for the bot at all, when the ingress could not tell (a Slack thread reply
   * without a mention): false drops it before the allowlist and the agent. Absent: always true.
   */
  addressed?(reply: Reply): Promise<boolean>;
  /** Shows the typing (or progress) indicator once. */
  typing(reply: Reply): Promise<void>;
  /** Clears the indicator, where the platform does not clear it by itself. */
  typingDone?(reply: Reply): Promise<void>;
  /** Posts `part` as a new message; resolves to where it is, when the platform can edit or remove it. */
  post(reply: Reply, part: Part): Promise<Ref | undefined>;
  /**
   * Sends a file of the answer natively (an upload: a photo, a document, a voice note), after the text.
   * The core fetched it, checked its size and keeps the send ledger; a file is one part of the answer.
   * Absent: the file goes as a text part naming it (and its URL, where the agent gave one).
   */
  file?(reply: Reply, file: FilePart): Promise<Ref | undefined>;
  /**
   * Files the platform shows together as one album (Telegram's sendMediaGroup): consecutive files of the
   * answer that share an album kind go out in one call, 2 to `max` of them, as one part of the send ledger.
   */
  readonly albums?: Albums<Reply>;
  /** Replaces the text of a posted message with `part`'s; the same text again resolves as done. */
  edit?(reply: Reply, ref: Ref, part: Part): Promise<void>;
  /** Deletes a posted message (a part an earlier, longer answer had and this one has not). */
  remove?(reply: Reply, ref: Ref): Promise<void>;
  /**
   * Shows `part` as a draft: a preview the platform shows while it is written and drops once a message
   * is posted (Telegram's sendMessageDraft). The same part again updates it in place.
   */
  draft?(reply: Reply, part: Part): Promise<void>;
  /**
   * Starts `part` as a message whose text only grows (Slack's chat.startStream), showing `markdown`: the
   * part's Markdown as written so far, never healed (what an append adds can never be taken back).
   * Resolves to where it is; `edit` brings it to its final text: the stream ended with the rest of
   * `part.markdown` where what it shows begins it, else ended and replaced by `part.text`.
   */
  start?(reply: Reply, part: Part, markdown: string): Promise<Ref>;
  /** Adds `markdown` to the end of a message `start` began (Slack's chat.appendStream). */
  append?(reply: Reply, ref: Ref, markdown: string): Promise<void>;
  /** How this reply shows while the agent still writes; undefined: whole, once it is written. */
  streaming?(reply: Reply): Streaming | undefined;
  /**
   * Whether `part`, posted by an earlier attempt at `since` (epoch ms) with an unknown outcome, is on the
   * platform: its ref when it is, false when not, or undefined when the platform cannot tell (then it is
   * posted again: a part twice is better than a gap). The core edits a part found to its final text: an
   * attempt that died mid-stream left its first words there. A retryable error means: look again on a
   * later attempt.
   */
  lookup?(reply: Reply, part: Part, since: number): Promise<Ref | false | undefined>;
  /**
   * Whether the platform confirms `part` with a delivery status the ingress records in the send ledger
   * (WhatsApp's callback data): an attempt unsure whether it went out waits a while for that record.
   */
  confirms?(part: Part): boolean;
  /**
   * The bot has nothing to say to this message (a stranger still waiting for an admin, chatter it does not
   * answer): where the platform shows an answer pending (Discord's "thinking…"), it is taken away.
   */
  silence?(reply: Reply): Promise<void>;
  /**
   * The reply context of the user's own chat with the bot, to write to them unasked (an admin's access
   * requests); undefined where the platform gives none. Absent: the channel cannot.
   */
  direct?(userId: string): Promise<Reply | undefined>;
}

/** A button under a message that sends `command` as the pressing user, where the platform has buttons. */
export interface Button {
  readonly label: string;
  /** What pressing it says, as if typed: `/allow K7MX2P`. */
  readonly command: string;
}

/**
 * How a channel finds a file a user sent: its URL and the headers to download it with. Throws a
 * MediaError when the platform says it cannot be had (`too large`, `not available`), or a retryable
 * error when asking failed for now.
 */
export interface MediaSource {
  locate(attachment: Attachment): Promise<MediaLocation>;
}

/** One message of an answer, rendered for the platform. */
export interface Part {
  /** Its place in the answer, from 0. */
  readonly index: number;
  /** Rendered (the channel's `render`), at most the channel's `limit` long. */
  readonly text: string;
  /**
   * The Markdown `text` renders from, where known: a surface that shows Markdown itself (Slack's streams)
   * can end with it instead of the rendering.
   */
  readonly markdown?: string;
  /** A stable id of the answer (the envelope id): with `index`, names this part for idempotency keys. */
  readonly key: string | undefined;
  /** Buttons under this part (the last of a message that has them), where the platform has buttons. */
  readonly buttons?: readonly Button[];
}

/** A file of an answer, as a channel uploads it (Outbox.file). */
export interface FilePart {
  /** Its place in the answer: after the text's parts. */
  readonly index: number;
  /** A stable id of the answer (the envelope id): with `index`, names this part for idempotency keys. */
  readonly key: string | undefined;
  readonly bytes: Uint8Array;
  /** The type the agent stated or the file was served with; never guessed from the name. */
  readonly mime: string;
  /** The file name users see. */
  readonly name: string;
  /** What the platform shows it as, told by `mime` (agent/files.ts `fileKind`). */
  readonly kind: FileKind;
  /** Plain text shown with the file, where the platform has captions. */
  readonly caption: string | undefined;
}

/** How a platform groups files into albums (see Outbox.albums). */
export interface Albums<Reply> {
  /** Most files in one album. */
  readonly max: number;
  /** The album `file` may share (files of one kind go together), or undefined when it goes alone. */
  kindOf(file: FilePart): string | undefined;
  /** Sends `files` (2 to `max`, one kind) as one album; the captions are the files' own. */
  send(reply: Reply, files: readonly FilePart[]): Promise<void>;
}

/** Where a posted message is, to edit or remove it (a Telegram message_id, a Slack ts, a Discord id). */
export type Ref = string;

/** How a reply shows while the agent writes it (see handlers/core/reply/live.ts). */
export interface Streaming {
  /**
   * `draft`: the growing part as a draft (Outbox.draft), each finished part posted; `edit`: each part
   * posted once it has text, then edited as it grows (Outbox.edit); `append`: each part started once it
   * has text and grown by what the agent adds (Outbox.start, Outbox.append), then edited to its final text.
   */
  readonly mode: "draft" | "edit" | "append";
  /** Least time between two updates of the reply, in ms (the platform's rate limits). */
  readonly everyMs: number;
  /** A draft unchanged this long is shown again, so the platform does not drop it (ms). */
  readonly keepAliveMs?: number;
  /** How to stream when the platform refuses this mode for good (the container remembers it). */
  readonly fallback?: Streaming;
  /**
   * Whether an error of this mode's first call means the platform refuses the mode for good here (then
   * the fallback). @default a PlatformError with HTTP status 400 or 404
   */
  readonly refuses?: (error: unknown) => boolean;
}

/** Where a message the agent starts goes (core/outbound/message.ts). */
export interface OutboundTarget {
  readonly conversation: string;
  readonly thread?: string | undefined;
  /** WhatsApp Cloud: the approved template to send when free-form text is refused (24-hour window). */
  readonly template?: Template | undefined;
}

/** What the module passes to the setup action. */
export interface SetupInput {
  /** The public URL of this channel's ingress route. */
  readonly url: string;
}
