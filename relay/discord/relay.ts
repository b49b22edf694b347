import * as v from "valibot";
import { envelopeId } from "../../handlers/core/envelope.ts";
import { log } from "../../handlers/core/log.ts";
import type { RelayContext } from "../context.ts";
import { enqueueDurably } from "../enqueue.ts";
import type { Integration } from "../relay.ts";
import { connectDiscordGateway, type DiscordGatewayOptions, type ResumableSession } from "./gateway.ts";
import { MessageCreateSchema, toEnvelope } from "./inbound.ts";
import type { DiscordSessionStore } from "./session-store.ts";

/** What the Discord side of the relay needs. */
export interface DiscordRelayConfig {
  /** The bot token (from DISCORD_BOT_TOKEN or the Discord module's secret). */
  readonly token: string;
  /** The Discord module's FIFO queue, which its worker answers. */
  readonly queueUrl: string;
  /** REST base URL. */
  readonly apiUrl: string;
  /** Where the session is handed to the next relay (the state bucket); without it a restart identifies anew. */
  readonly sessions?: DiscordSessionStore;
}

/**
 * Discord chat through the gateway: each MESSAGE_CREATE addressed to the bot becomes an envelope on
 * the Discord queue. A session saved by the previous relay is resumed, so messages sent while the
 * relay was being replaced arrive (Discord replays them); on stop the session is saved for the next.
 */
export async function startDiscordRelay(
  config: DiscordRelayConfig,
  context: RelayContext,
  overrides: Pick<DiscordGatewayOptions, "identifyThrottler"> = {},
): Promise<Integration> {
  const resume = await config.sessions?.take();
  if (resume) log.info("discord.resuming", { sequence: resume.session.sequence });
  const gateway = connectDiscordGateway({
    token: config.token,
    apiUrl: config.apiUrl,
    ...overrides,
    ...(resume ? { resume } : {}),
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
  let handoff: ResumableSession | undefined;
  return {
    quiesce() {
      handoff = gateway.quiesce();
    },
    async close() {
      const keep = handoff !== undefined && config.sessions !== undefined;
      if (keep && handoff) await config.sessions?.save(handoff);
      await gateway.stop(keep);
    },
  };
}
