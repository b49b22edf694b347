import type * as v from "valibot";

/**
 * A channel, as the core sees it. Core code never names a platform: each channel folder exports
 * one ChannelAdapter, and the worker and setup code take it as a parameter. Each channel with a
 * webhook has these files, each with its test beside it:
 *
 * - `verify.ts`: the platform's proof on a request (a short problem, or undefined);
 * - `inbound.ts`: the event schemas and the event → envelope reading (a core/inbound.ts `Inbound`);
 * - `ingress.ts`: the Hono app and its Lambda handler (core/ingress.ts middleware);
 * - `reply.ts`: the reply context the ingress stores in `envelope.reply` and the worker answers with;
 * - `api.ts`: the platform API client; `outbox.ts`: the {@link Outbox}; `format.ts`: the Markdown dialect;
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
  /** Deploy-time registration (webhook, commands), run by the module during apply. */
  setup(secret: Secret, input: SetupInput): Promise<Record<string, unknown>>;
  /** Undoes setup, run on destroy. */
  teardown(secret: Secret): Promise<Record<string, unknown>>;
}

/** Sends to the platform. Errors are PlatformErrors that say whether a retry can help. */
export interface Outbox<Reply> {
  /**
   * Whether the message is for the bot at all, when the ingress could not tell (a Slack thread reply
   * without a mention): false drops it before the allowlist and the agent. Absent: always true.
   */
  addressed?(reply: Reply): Promise<boolean>;
  /** Shows the typing (or progress) indicator once. */
  typing(reply: Reply): Promise<void>;
  /** Clears the indicator, where the platform does not clear it by itself. */
  typingDone?(reply: Reply): Promise<void>;
  /** Sends Markdown as one or more messages, rendered and split for the platform. */
  send(reply: Reply, markdown: string, options: SendOptions): Promise<void>;
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

export interface SendOptions {
  /** Epoch ms after which waiting (for a 429's retry_after) is pointless: fail instead. */
  readonly deadline: number;
  /**
   * Chunks of this text already delivered by an earlier attempt: do not send them again. Chunks
   * are numbered in the order the deterministic split gives them, so the same text splits the same.
   */
  readonly skip?: number;
  /** Call before chunk `index` goes out (the send ledger records it as in flight). */
  readonly sending?: (index: number) => Promise<void>;
  /** Call after each chunk is delivered, with the number delivered so far (the send ledger). */
  readonly delivered?: (count: number) => Promise<void>;
  /**
   * An earlier attempt sent chunk `index` at `since` (epoch ms) and never learned whether the platform
   * took it (the worker died, or the call timed out, between the send and its record).
   */
  readonly uncertain?: UncertainChunk;
  /** A stable id of this reply (the envelope id), for the platform's idempotency key where it has one. */
  readonly key?: string;
  /** Buttons under the last chunk, where the platform has buttons; elsewhere the text says the commands. */
  readonly buttons?: readonly Button[];
}

/** A chunk whose earlier send has an unknown outcome; see {@link SendOptions.uncertain}. */
export interface UncertainChunk {
  readonly index: number;
  readonly since: number;
  /**
   * Whether the platform had confirmed it when the ledger was read for this attempt (a delivery status
   * webhook recorded there): it is there, do not send it again.
   */
  readonly seen: boolean;
  /** Reads the ledger again: whether the platform has confirmed it by now. */
  readonly recheck: () => Promise<boolean>;
}

/** What the module passes to the setup action. */
export interface SetupInput {
  /** The public URL of this channel's ingress route. */
  readonly url: string;
}
