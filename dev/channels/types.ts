import * as v from "valibot";

/**
 * A channel as the local emulator sees it: its dev secret, its fake platform API, how a user's
 * message is delivered (signed, exactly as the platform would), and how the bot's API calls look
 * in the chat. One file per channel with this shape, like handlers/<channel>/.
 */

/** A file attached in the page (POST /_dev/send `file`): its name, type as stated, and bytes (base64). */
export const DevFileSchema = v.object({
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(255)),
  mime: v.pipe(v.string(), v.regex(/^[\w.+-]+\/[\w.+-]+$/, "a MIME type like image/png")),
  base64: v.pipe(v.string(), v.minLength(1), v.maxLength(14_000_000, "at most 10 MB"), v.base64()),
});
export type DevFile = v.InferOutput<typeof DevFileSchema>;

/** The bytes of a page's file. */
export const devFileBytes = (file: DevFile): Uint8Array => new Uint8Array(Buffer.from(file.base64, "base64"));

/** The emulated person typing in the page. */
export interface DevUser {
  /** Their platform user id (a Telegram number, a Slack member id …), as the platform would send it. */
  readonly id: string;
  readonly name: string;
}

/**
 * What the page draws for a bot action, each one a state of the chat as the platform would show it:
 *
 * - `message`: a new message (a block of a streamed answer too, where the platform cannot edit);
 * - `edit`: a message's new text, replacing it in place (a stream growing by edits);
 * - `draft`: a draft (Telegram's sendMessageDraft) shown, or shown anew, in place by `id`; it goes at `until`,
 *   or when the bot posts a message in the chat;
 * - `stream`: a message growing by appends (Slack's native streaming): the whole text so far, in place;
 * - `delete`: a message removed;
 * - `typing`, `status`: the indicator, a status line.
 */
export interface UiEvent {
  readonly channel: string;
  readonly kind: "message" | "edit" | "draft" | "stream" | "delete" | "typing" | "status";
  /** Message (or draft) id: edits, drafts and deletions replace what has it. */
  readonly id?: string;
  /** When a draft disappears unless shown again (epoch ms). */
  readonly until?: number;
  /** Safe HTML of the message as the platform would show it. */
  readonly html?: string;
  /** Plain text, for status lines ("reacted 👀", "marked read"). */
  readonly text?: string;
  /**
   * Whose one-to-one chat with the bot the message went to (their platform user id), where the platform
   * says: the page marks what the bot sent to someone other than the emulator's own user.
   */
  readonly to?: string;
  readonly at: number;
}

/** The running fake platform API of one channel. */
export interface DevPlatform {
  /** The emulator's own user on this platform (its platform user id): the admin of the local bot. */
  readonly user: DevUser;
  /** Someone the bot does not know, to act as from the page (pairing end to end). */
  readonly stranger: DevUser;
  /** The group chats the emulator writes in (conversation ids), allowed from the start as an admin would. */
  readonly groups?: readonly string[];
  /** The channel's Secrets Manager JSON, matching the fake's credentials. */
  readonly secret: Record<string, string>;
  /** Environment for the channel's thread (`*_API_URL` pointing at the fake, public keys …). */
  readonly env: Record<string, string>;
  /**
   * Delivers a user's message to the ingress at `ingressBase` exactly as the platform would
   * (signed); resolves to the ingress's HTTP status and the envelope id the message becomes.
   */
  deliver(
    text: string,
    user: DevUser,
    ingressBase: string,
    file?: DevFile,
  ): Promise<{ status: number; envelopeId: string }>;
  /** Whether a message may carry a file (`deliver`'s `file`): the platform serves it as it would. */
  readonly files?: boolean;
  /** UI events for the bot's API calls since the last drain. */
  drain(): UiEvent[];
  close(): Promise<void>;
}

export interface DevChannel {
  /** handlers/<name>. */
  readonly name: string;
  /** Shown on the tab. */
  readonly title: string;
  /** The ingress paths (docs/architecture.md: the contracts outside tools rely on). */
  readonly routes: readonly string[];
  /** Starts the fake platform API. */
  start(): Promise<DevPlatform>;
}
