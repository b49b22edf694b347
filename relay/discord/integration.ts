import { log } from "../../handlers/core/log.ts";
import { intake } from "../accept.ts";
import type { Integration, RelayContext } from "../context.ts";
import { connectDiscordGateway, type DiscordGatewayOptions, type ResumableSession } from "./gateway.ts";
import { MessageCreateSchema, toEnvelope } from "./inbound.ts";
import type { DiscordSessionStore } from "./session-store.ts";

/** What the Discord side of the relay needs. */
export interface DiscordIntegrationConfig {
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
export async function startDiscordIntegration(
  config: DiscordIntegrationConfig,
  context: RelayContext,
  overrides: Pick<DiscordGatewayOptions, "identifyThrottler"> = {},
): Promise<Integration> {
  const accept = intake({
    connection: "discord",
    schema: MessageCreateSchema,
    queueUrl: config.queueUrl,
    context,
    describe: (message) => ({ messageId: message.id }),
  });
  const resume = await config.sessions?.take();
  if (resume) log.info("discord.resuming", { sequence: resume.session.sequence });
  const gateway = connectDiscordGateway({
    token: config.token,
    apiUrl: config.apiUrl,
    ...overrides,
    ...(resume ? { resume } : {}),
    onState: (state, detail) => context.connections.set("discord", state, detail),
    onMessage: (data, botId) => accept(data, (message) => toEnvelope(message, botId)),
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
