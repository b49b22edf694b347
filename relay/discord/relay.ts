import * as v from "valibot";
import { envelopeId } from "../../handlers/core/envelope.ts";
import { log } from "../../handlers/core/log.ts";
import type { RelayContext } from "../context.ts";
import { enqueueDurably } from "../enqueue.ts";
import { connectDiscordGateway, type DiscordGatewayOptions } from "./gateway.ts";
import { MessageCreateSchema, toEnvelope } from "./inbound.ts";

/** What the Discord side of the relay needs. */
export interface DiscordRelayConfig {
  /** The bot token (from DISCORD_BOT_TOKEN or the Discord module's secret). */
  readonly token: string;
  /** The Discord module's FIFO queue, which its worker answers. */
  readonly queueUrl: string;
  /** REST base URL. */
  readonly apiUrl: string;
}

/**
 * Discord chat through the gateway: each MESSAGE_CREATE addressed to the bot becomes an envelope on
 * the Discord queue. Returns the function that stops it.
 */
export function startDiscordRelay(
  config: DiscordRelayConfig,
  context: RelayContext,
  overrides: Pick<DiscordGatewayOptions, "identifyThrottler"> = {},
): () => Promise<void> {
  const gateway = connectDiscordGateway({
    token: config.token,
    apiUrl: config.apiUrl,
    ...overrides,
    onState: (state, detail) => context.connections.set("discord", state, detail),
    onMessage(data, botId) {
      if (context.stopping()) return;
      const parsed = v.safeParse(MessageCreateSchema, data);
      if (!parsed.success) {
        const path = parsed.issues[0].path?.map((p) => String(p.key)).join(".");
        log.warn("discord.message_invalid", { reason: `bad ${path || "message"}` });
        return;
      }
      const inbound = toEnvelope(parsed.output, botId);
      if ("ignored" in inbound) {
        log.debug("discord.message_ignored", { messageId: parsed.output.id, reason: inbound.ignored });
        return;
      }
      log.info("message.received", { envelopeId: envelopeId(inbound.envelope) });
      context.inflight.track(enqueueDurably(config.queueUrl, inbound.envelope, context.enqueueOptions));
    },
  });
  return () => gateway.stop();
}
