import type {
  RESTPatchAPIWebhookWithTokenMessageJSONBody,
  RESTPostAPIChannelMessageJSONBody,
  RESTPostAPIWebhookWithTokenJSONBody,
} from "discord-api-types/v10";
import type { Button, Outbox } from "../core/adapter.ts";
import { sendChunks } from "../core/chunks.ts";
import { sha256Hex } from "../core/crypto.ts";
import { log } from "../core/log.ts";
import { notices } from "../core/notices.ts";
import { retryWhenRateLimited } from "../core/rate-limit.ts";
import { renderChunks } from "../core/text/split.ts";
import { DISCORD_CODES, DiscordApiError, type DiscordCall } from "./api.ts";
import { markdownToDiscord } from "./format.ts";
import type { DiscordReply, InteractionReply } from "./reply.ts";

/** Message content takes at most 2000 characters. */
export const DISCORD_LIMIT = 2000;

/** Interaction tokens live 15 minutes; past 14 the reply goes to the channel instead. */
export const TOKEN_USABLE_MS = 14 * 60_000;

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

/**
 * Sends replies through the Discord REST API, rendered to Discord Markdown and split at 2000.
 * Interactions: the first chunk edits the deferred response (`@original`), the rest are follow-ups;
 * once the token is too old (or Discord refuses it, or never got our deferred response) the rest
 * go to the channel with the bot token,
 * and a channel we cannot write to (403/404) is a PlatformError the worker logs as undeliverable.
 * Messages: posted in the channel, the first as a reply to the user's message; typing every ~8 s.
 * Buttons go under the last chunk as message components; `direct` opens the user's DM channel.
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
    replyTo?: { messageId?: string; guildId?: string },
    buttons?: readonly Button[],
  ) => {
    const body: RESTPostAPIChannelMessageJSONBody = {
      content,
      ...(buttons ? { components: actionRow(buttons) } : {}),
      ...(nonce === undefined ? {} : { nonce, enforce_nonce: true }),
      // Agent output never pings anyone: no @everyone, roles or users, not even the replied-to author.
      allowed_mentions: { parse: [], replied_user: false },
      flags: SUPPRESS_EMBEDS,
      ...(replyTo?.messageId
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

  return {
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
    async send(reply, markdown, options) {
      const { deadline, key } = options;
      let chunks = renderChunks(markdown, markdownToDiscord, DISCORD_LIMIT);
      // Markup that renders to nothing must still end the deferred "thinking…".
      if (chunks.length === 0) chunks = [notices.empty];
      const nonce = (index: number) => (key === undefined ? undefined : chunkNonce(key, index));
      const buttons = (index: number) => (index === chunks.length - 1 ? options.buttons : undefined);
      if (reply.kind === "message") {
        await sendChunks(chunks, options, async (content, index) => {
          const replyTo = index === 0 ? reply : undefined;
          await retryWhenRateLimited(
            () => toChannel(reply.channelId, content, nonce(index), replyTo, buttons(index)),
            deadline,
          );
        });
        return;
      }
      // Editing @original is idempotent and channel posts carry a nonce; a follow-up cannot.
      let viaWebhook = now() - reply.issuedAt < TOKEN_USABLE_MS;
      if (!viaWebhook)
        log.info("discord.token_expired", { interactionId: reply.interactionId, before: "send" });
      await sendChunks(chunks, options, async (content, index) => {
        if (viaWebhook) {
          try {
            await retryWhenRateLimited(
              () => toWebhookWhenReady(reply, content, index === 0, buttons(index)),
              deadline,
            );
            return;
          } catch (error) {
            if (!webhookGone(error)) throw error;
            viaWebhook = false;
            log.info("discord.webhook_gone", {
              interactionId: reply.interactionId,
              chunk: index,
              code: (error as DiscordApiError).code,
            });
          }
        }
        await retryWhenRateLimited(
          () => toChannel(reply.channelId, content, nonce(index), undefined, buttons(index)),
          deadline,
        );
      });
    },
  };
}
