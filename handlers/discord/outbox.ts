import type {
  RESTPatchAPIChannelMessageJSONBody,
  RESTPatchAPIWebhookWithTokenMessageJSONBody,
  RESTPostAPIChannelMessageJSONBody,
  RESTPostAPIWebhookWithTokenJSONBody,
} from "discord-api-types/v10";
import type { Button, Outbox, Ref, Streaming } from "../core/adapter.ts";
import { sha256Hex } from "../core/crypto.ts";
import { PlatformError } from "../core/errors.ts";
import { log } from "../core/log.ts";
import { DISCORD_CODES, DiscordApiError, type DiscordCall } from "./api.ts";
import { markdownToDiscord } from "./format.ts";
import type { DiscordReply, InteractionReply } from "./reply.ts";

/** Message content takes at most 2000 characters. */
export const DISCORD_LIMIT = 2000;

/** Interaction tokens live 15 minutes; past 14 the reply goes to the channel instead. */
export const TOKEN_USABLE_MS = 14 * 60_000;

/**
 * How an answer shows while the agent writes it: one message edited as it grows (the deferred `@original`
 * of a slash command, the bot's reply to a gateway message), then the next. Discord does not document its
 * edit limits (its buckets say them, per channel or webhook, in the X-RateLimit headers, which the API
 * client keeps to); observed they are about 5 per 5 s, so one edit per 1.2 s leaves room for the typing
 * indicator and the parts that follow.
 */
export const DISCORD_STREAMING = { mode: "edit", everyMs: 1_200 } as const satisfies Streaming;

/** A ref to a message an interaction's answer posted in the channel (its webhook was gone): edited there. */
const IN_CHANNEL = "channel/";

/** The largest file a bot uploads (without a server's boosts): larger ones are said in their place, not uploaded. */
export const DISCORD_UPLOAD_MAX_BYTES = 10 * 1024 * 1024;

/** SUPPRESS_EMBEDS: links in an answer do not unfold into preview cards. */
const SUPPRESS_EMBEDS = 1 << 2;

/**
 * The interaction cannot be answered through its webhook: the token expired (Unknown Webhook), is
 * not valid (Invalid Webhook Token), or Discord never got our deferred response (Unknown Message).
 */
function webhookGone(error: unknown): boolean {
  return (
    error instanceof DiscordApiError &&
    (error.code === DISCORD_CODES.unknownWebhook ||
      error.code === DISCORD_CODES.invalidWebhookToken ||
      error.code === DISCORD_CODES.unknownMessage)
  );
}

/**
 * Waits before editing `@original` again when Discord does not have it yet, in ms. The ingress
 * queues the command before it answers "thinking…", so a fast worker (a refusal, /new) can be
 * ahead of Discord receiving that answer.
 */
export const ORIGINAL_WAITS_MS = [250, 500, 1_000, 2_000];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Buttons as one action row of message components (custom_id: the command; at most 5 buttons). */
export function actionRow(buttons: readonly Button[]) {
  const components = buttons
    .filter((b) => b.command.length <= 100)
    .slice(0, 5)
    .map((b, index) => ({
      type: 2 as const,
      // Success (green) for the first, secondary (grey) for the rest.
      style: index === 0 ? (3 as const) : (2 as const),
      label: b.label.slice(0, 80),
      custom_id: b.command,
    }));
  return components.length === 0 ? [] : [{ type: 1 as const, components }];
}

/**
 * The nonce of chunk `index` of the reply `key` (at most 25 characters). Posted with `enforce_nonce`,
 * Discord returns the message it already created for the same nonce (within minutes) instead of
 * posting again: a chunk sent twice by two attempts appears once.
 */
export function chunkNonce(key: string, index: number): string {
  return `${sha256Hex(key).slice(0, 20)}.${index}`;
}

/** Interactions whose webhook Discord refused, remembered this long so the later parts go straight to the channel. */
const GONE_REMEMBERED = 1_000;

/**
 * The Discord REST API as an outbox: Discord Markdown split at 2000.
 * Interactions: the first part edits the deferred response (`@original`), the rest are follow-ups;
 * once the token is too old (or Discord refuses it, or never got our deferred response) the rest
 * go to the channel with the bot token,
 * and a channel we cannot write to (403/404) is a PlatformError the worker logs as undeliverable.
 * Messages: posted in the channel, the first as a reply to the user's message; typing every ~8 s.
 * Buttons go under their part as message components; `direct` opens the user's DM channel; `silence`
 * deletes a deferred "thinking…" the bot has nothing to follow with. Files are multipart uploads (`files[n]`
 * beside `payload_json`), the caption as content: a follow-up of an interaction, or a channel message.
 */
export function discordOutbox(
  call: DiscordCall,
  now: () => number = Date.now,
  originalWaitsMs: readonly number[] = ORIGINAL_WAITS_MS,
): Outbox<DiscordReply> {
  const toChannel = (
    channelId: string,
    content: string,
    nonce: string | undefined,
    replyTo?: { messageId?: string | undefined; guildId?: string | undefined },
    buttons?: readonly Button[],
  ) => {
    const body: RESTPostAPIChannelMessageJSONBody = {
      content,
      ...(buttons ? { components: actionRow(buttons) } : {}),
      ...(nonce === undefined ? {} : { nonce, enforce_nonce: true }),
      // Agent output never pings anyone: no @everyone, roles or users, not even the replied-to author.
      allowed_mentions: { parse: [], replied_user: false },
      flags: SUPPRESS_EMBEDS,
      ...(replyTo?.messageId !== undefined
        ? {
            message_reference: {
              message_id: replyTo.messageId,
              channel_id: channelId,
              ...(replyTo.guildId ? { guild_id: replyTo.guildId } : {}),
              fail_if_not_exists: false,
            },
          }
        : {}),
    };
    return call("POST", "/channels/{channel}/messages", { params: { channel: channelId }, body });
  };

  const toWebhook = (
    reply: InteractionReply,
    content: string,
    first: boolean,
    buttons?: readonly Button[],
  ) => {
    const params = { application: reply.applicationId, token: reply.token };
    const body: RESTPatchAPIWebhookWithTokenMessageJSONBody & RESTPostAPIWebhookWithTokenJSONBody = {
      content,
      ...(buttons ? { components: actionRow(buttons) } : {}),
      allowed_mentions: { parse: [] },
      flags: SUPPRESS_EMBEDS,
    };
    return first
      ? call("PATCH", "/webhooks/{application}/{token}/messages/@original", { params, body, auth: false })
      : call("POST", "/webhooks/{application}/{token}", { params, body, auth: false });
  };

  /** `edit` of @original, tried again while Discord does not have our deferred response yet. */
  const whenOriginalReady = async <T>(edit: () => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await edit();
      } catch (error) {
        const wait = originalWaitsMs[attempt];
        const notYet = error instanceof DiscordApiError && error.code === DISCORD_CODES.unknownMessage;
        if (!notYet || wait === undefined) throw error;
        await sleep(wait);
      }
    }
  };

  const toWebhookWhenReady = (
    reply: InteractionReply,
    content: string,
    first: boolean,
    buttons?: readonly Button[],
  ) => {
    const send = () => toWebhook(reply, content, first, buttons);
    return first ? whenOriginalReady(send) : send();
  };

  /** Edits (a body) or deletes (none) message `id` of the bot's in the channel. */
  const inChannel = (channelId: string, id: string, content?: string) => {
    const params = { channel: channelId, message: id };
    if (content === undefined) return call("DELETE", "/channels/{channel}/messages/{message}", { params });
    const body: RESTPatchAPIChannelMessageJSONBody = {
      content,
      allowed_mentions: { parse: [], replied_user: false },
      flags: SUPPRESS_EMBEDS,
    };
    return call("PATCH", "/channels/{channel}/messages/{message}", { params, body });
  };

  /**
   * Edits or deletes a message of an interaction's answer: through its webhook while the token lives, else
   * (or when Discord refuses the webhook) with the bot token in the channel, where Discord lets a bot change
   * its answers to interactions (not in DMs: there it is a PlatformError).
   */
  const changeAnswer = async (reply: InteractionReply, ref: Ref, content?: string) => {
    if (ref.startsWith(IN_CHANNEL)) return inChannel(reply.channelId, ref.slice(IN_CHANNEL.length), content);
    if (webhookUsable(reply)) {
      const params = { application: reply.applicationId, token: reply.token, message: ref };
      const route = "/webhooks/{application}/{token}/messages/{message}";
      const body: RESTPatchAPIWebhookWithTokenMessageJSONBody = {
        content,
        allowed_mentions: { parse: [] },
        flags: SUPPRESS_EMBEDS,
      };
      try {
        return await (content === undefined
          ? call("DELETE", route, { params, auth: false })
          : call("PATCH", route, { params, body, auth: false }));
      } catch (error) {
        // Unknown Message here is a message that is gone: not one the channel has either.
        if (!webhookGone(error) || (error as DiscordApiError).code === DISCORD_CODES.unknownMessage)
          throw error;
        remember(reply.interactionId);
        const code = (error as DiscordApiError).code;
        log.info("discord.webhook_gone", { interactionId: reply.interactionId, message: ref, code });
      }
    }
    return inChannel(reply.channelId, ref, content);
  };

  // Interactions whose webhook is gone: their later parts go to the channel without trying it again.
  const gone = new Set<string>();
  const webhookUsable = (reply: InteractionReply, index?: number) => {
    if (gone.has(reply.interactionId)) return false;
    if (now() - reply.issuedAt < TOKEN_USABLE_MS) return true;
    log.info("discord.token_expired", {
      interactionId: reply.interactionId,
      ...(index === undefined ? {} : { chunk: index }),
    });
    remember(reply.interactionId);
    return false;
  };
  const remember = (interactionId: string) => {
    if (gone.size >= GONE_REMEMBERED) gone.clear();
    gone.add(interactionId);
  };

  return {
    render: markdownToDiscord,
    limit: DISCORD_LIMIT,
    async typing(reply) {
      // An interaction shows "thinking…" from its deferred response until the first edit.
      if (reply.kind !== "message") return;
      await call("POST", "/channels/{channel}/typing", { params: { channel: reply.channelId } });
    },
    async silence(reply) {
      // The deferred "thinking…" would otherwise wait 15 minutes and fail: it is deleted.
      if (reply.kind !== "interaction" || now() - reply.issuedAt >= TOKEN_USABLE_MS) return;
      const params = { application: reply.applicationId, token: reply.token };
      await whenOriginalReady(() =>
        call("DELETE", "/webhooks/{application}/{token}/messages/@original", { params, auth: false }),
      ).catch((error: unknown) => {
        if (!webhookGone(error)) throw error;
      });
    },
    async direct(userId) {
      const channel = await call<{ id: string }>("POST", "/users/@me/channels", {
        body: { recipient_id: userId },
      });
      return { kind: "message", channelId: channel.id };
    },
    async post(reply, part) {
      const nonce = part.key === undefined ? undefined : chunkNonce(part.key, part.index);
      const { buttons } = part;
      if (reply.kind === "message") {
        const first = part.index === 0 ? reply : undefined;
        const message = await toChannel(reply.channelId, part.text, nonce, first, buttons);
        const id = idOf(message);
        // The nonce found what an earlier attempt posted, with the text it had then (a stream's first words).
        if (id !== undefined && (message as { content?: unknown }).content !== part.text)
          await inChannel(reply.channelId, id, part.text);
        return id;
      }
      // Editing @original is idempotent and channel posts carry a nonce; a follow-up cannot.
      if (webhookUsable(reply, part.index)) {
        try {
          return idOf(await toWebhookWhenReady(reply, part.text, part.index === 0, buttons));
        } catch (error) {
          if (!webhookGone(error)) throw error;
          remember(reply.interactionId);
          log.info("discord.webhook_gone", {
            interactionId: reply.interactionId,
            chunk: part.index,
            code: (error as DiscordApiError).code,
          });
        }
      }
      const id = idOf(await toChannel(reply.channelId, part.text, nonce, undefined, buttons));
      return id === undefined ? undefined : IN_CHANNEL + id;
    },
    async file(reply, file) {
      // Discord would answer 413 (40005) after the whole upload: refused before it.
      if (file.bytes.byteLength > DISCORD_UPLOAD_MAX_BYTES)
        throw new PlatformError("discord", "upload", {
          status: 413,
          reason: "file too large for Discord (10 MiB)",
          retryable: false,
        });
      const files = [{ name: file.name, mime: file.mime, bytes: file.bytes, description: file.caption }];
      const content = file.caption?.slice(0, DISCORD_LIMIT);
      const base = {
        ...(content ? { content } : {}),
        allowed_mentions: { parse: [] },
        flags: SUPPRESS_EMBEDS,
      };
      const nonce = file.key === undefined ? undefined : chunkNonce(file.key, file.index);
      const inChannelPost = async () => {
        const body = { ...base, ...(nonce === undefined ? {} : { nonce, enforce_nonce: true }) };
        const params = { channel: reply.channelId };
        return idOf(await call("POST", "/channels/{channel}/messages", { params, body, files }));
      };
      if (reply.kind === "message") return inChannelPost();
      // An interaction: @original when the file is the whole answer, else a follow-up; the channel when the
      // token is gone.
      if (webhookUsable(reply, file.index)) {
        const params = { application: reply.applicationId, token: reply.token };
        const first = file.index === 0;
        const send = () =>
          first
            ? call("PATCH", "/webhooks/{application}/{token}/messages/@original", {
                params,
                body: base,
                files,
                auth: false,
              })
            : call("POST", "/webhooks/{application}/{token}", { params, body: base, files, auth: false });
        try {
          return idOf(await (first ? whenOriginalReady(send) : send()));
        } catch (error) {
          if (!webhookGone(error)) throw error;
          remember(reply.interactionId);
          log.info("discord.webhook_gone", { interactionId: reply.interactionId, chunk: file.index });
        }
      }
      const id = await inChannelPost();
      return id === undefined ? undefined : IN_CHANNEL + id;
    },
    async edit(reply, ref, part) {
      if (reply.kind === "message") await inChannel(reply.channelId, ref, part.text);
      else await changeAnswer(reply, ref, part.text);
    },
    async remove(reply, ref) {
      if (reply.kind === "message") await inChannel(reply.channelId, ref);
      else await changeAnswer(reply, ref);
    },
    streaming: () => DISCORD_STREAMING,
  };
}

/** The id of the message Discord answered with. */
function idOf(message: unknown): string | undefined {
  const id = (message as { id?: unknown } | undefined)?.id;
  return typeof id === "string" ? id : undefined;
}
