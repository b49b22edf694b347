import type {
  RESTPatchCurrentApplicationJSONBody,
  RESTPutAPIApplicationCommandsJSONBody,
} from "discord-api-types/v10";
import type { ChannelAdapter } from "../core/adapter.ts";
import { log } from "../core/log.ts";
import { DISCORD_CODES, DiscordApiError, type DiscordCall, discordApi } from "./api.ts";
import { discordOutbox } from "./outbox.ts";
import { type DiscordReply, DiscordReplySchema } from "./reply.ts";
import { type DiscordSecret, DiscordSecretSchema } from "./secret.ts";

/** The slash commands (DESIGN: contracts): `/ask prompt:<text>` and `/new`. */
export const COMMANDS = [
  {
    name: "ask",
    description: "Ask the agent",
    type: 1,
    options: [{ type: 3, name: "prompt", description: "What to ask", required: true }],
  },
  { name: "new", description: "Start a new conversation with the agent", type: 1 },
] satisfies RESTPutAPIApplicationCommandsJSONBody;

/** Waits between attempts to set the endpoint URL while a new route may not answer yet, in ms. */
export const ENDPOINT_RETRY_DELAYS_MS = [2_000, 4_000, 8_000, 16_000];

/**
 * Sets the application's interactions endpoint URL. Discord checks the URL at once (a signed PING
 * that must get a PONG, a badly signed one that must get 401) and refuses it with a form error
 * otherwise, so a route API Gateway has not finished deploying is tried again a few times.
 */
export async function setEndpoint(
  call: DiscordCall,
  url: string | null,
  delaysMs: readonly number[] = ENDPOINT_RETRY_DELAYS_MS,
): Promise<void> {
  const body: RESTPatchCurrentApplicationJSONBody = { interactions_endpoint_url: url };
  for (let attempt = 0; ; attempt++) {
    try {
      await call("PATCH", "/applications/@me", { body });
      return;
    } catch (error) {
      const notVerified =
        error instanceof DiscordApiError &&
        error.status === 400 &&
        error.code === DISCORD_CODES.invalidFormBody;
      const delay = delaysMs[attempt];
      if (!notVerified || url === null || delay === undefined) throw error;
      log.info("discord.endpoint_not_verified", { attempt: attempt + 1, retryInMs: delay });
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** Discord as a channel: slash-command interactions, and gateway messages enqueued by the relay. */
export const discord: ChannelAdapter<DiscordSecret, DiscordReply> = {
  channel: "discord",
  secretSchema: DiscordSecretSchema,
  replySchema: DiscordReplySchema,
  // "Typing…" shows for 10 seconds.
  typingIntervalMs: 8_000,
  outbox: (secret) => discordOutbox(discordApi(secret.bot_token)),
  async setup(secret, { url }) {
    const call = discordApi(secret.bot_token);
    const commands = await call<{ name: string }[]>("PUT", "/applications/{application}/commands", {
      params: { application: secret.application_id },
      body: COMMANDS,
    });
    await setEndpoint(call, url);
    return {
      applicationId: secret.application_id,
      commands: commands.map((c) => c.name),
      interactionsEndpointUrl: url,
    };
  },
  async teardown(secret) {
    const call = discordApi(secret.bot_token);
    await setEndpoint(call, null);
    await call("PUT", "/applications/{application}/commands", {
      params: { application: secret.application_id },
      body: [],
    });
    return { interactionsEndpointUrl: null, commands: [] };
  },
};
