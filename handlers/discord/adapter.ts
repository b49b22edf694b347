import type {
  RESTPatchCurrentApplicationJSONBody,
  RESTPutAPIApplicationCommandsJSONBody,
} from "discord-api-types/v10";
import type { ChannelAdapter } from "../core/adapter.ts";
import { ROUTE_RETRY_DELAYS_MS, retryWhileRouteDeploys } from "../core/setup.ts";
import { DISCORD_CODES, DiscordApiError, type DiscordCall, discordApi } from "./api.ts";
import { discordMedia } from "./media.ts";
import { discordOutbox } from "./outbox.ts";
import { type DiscordReply, DiscordReplySchema, discordReplyTo } from "./reply.ts";
import { type DiscordSecret, DiscordSecretSchema } from "./secret.ts";

/**
 * The slash commands (a contract: docs/architecture.md): `/ask prompt:<text> [file:<attachment>]` and `/new`; and the admins'
 * `/allow code:`, `/deny code:`, `/users`, `/revoke user:` (anyone can see them; only admins are obeyed).
 */
export const COMMANDS = [
  {
    name: "ask",
    description: "Ask the agent",
    type: 1,
    options: [
      { type: 3, name: "prompt", description: "What to ask", required: true },
      { type: 11, name: "file", description: "A file for the agent to read", required: false },
    ],
  },
  { name: "new", description: "Start a new conversation with the agent", type: 1 },
  {
    name: "allow",
    description: "Admins: allow an access request (without a code: this channel)",
    type: 1,
    options: [{ type: 3, name: "code", description: "The request's code", required: false }],
  },
  {
    name: "deny",
    description: "Admins: deny an access request",
    type: 1,
    options: [{ type: 3, name: "code", description: "The request's code", required: true }],
  },
  { name: "users", description: "Admins: who may talk to the agent", type: 1 },
  {
    name: "revoke",
    description: "Admins: take someone's access back",
    type: 1,
    options: [
      { type: 3, name: "user", description: "A user id (or a channel id) from /users", required: true },
    ],
  },
] satisfies RESTPutAPIApplicationCommandsJSONBody;

/**
 * Sets the application's interactions endpoint URL. Discord checks the URL at once (a signed PING
 * that must get a PONG, a badly signed one that must get 401) and refuses it with a form error
 * otherwise, so a route API Gateway has not finished deploying is tried again a few times.
 */
export async function setEndpoint(
  call: DiscordCall,
  url: string | null,
  delaysMs: readonly number[] = ROUTE_RETRY_DELAYS_MS,
): Promise<void> {
  const body: RESTPatchCurrentApplicationJSONBody = { interactions_endpoint_url: url };
  const notVerified = (error: unknown) =>
    url !== null &&
    error instanceof DiscordApiError &&
    error.status === 400 &&
    error.code === DISCORD_CODES.invalidFormBody;
  await retryWhileRouteDeploys(
    "discord interactions endpoint",
    () => call("PATCH", "/applications/@me", { body }),
    notVerified,
    delaysMs,
  );
}

/** Discord as a channel: slash-command interactions, and gateway messages enqueued by the relay. */
export const discord: ChannelAdapter<DiscordSecret, DiscordReply> = {
  channel: "discord",
  secretSchema: DiscordSecretSchema,
  replySchema: DiscordReplySchema,
  // "Typing…" shows for 10 seconds.
  typingIntervalMs: 8_000,
  // A slash command waits for its own answer ("thinking…"): only gateway messages merge.
  merges: (reply) => reply.kind === "message",
  media: () => discordMedia(),
  outbox: (secret) => discordOutbox(discordApi(secret.bot_token)),
  replyTo: discordReplyTo,
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
