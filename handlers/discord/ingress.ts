import type { KeyObject } from "node:crypto";
import type {
  APIInteractionResponseChannelMessageWithSource,
  APIInteractionResponseDeferredChannelMessageWithSource,
  APIInteractionResponsePong,
} from "discord-api-types/v10";
import { ConfigError } from "../core/errors.ts";
import { accept, ingressApp, jsonBody, limitBody, verified } from "../core/ingress.ts";
import { lambdaHandler } from "../core/lambda.ts";
import { lazy } from "../core/lazy.ts";
import { log } from "../core/log.ts";
import { secretLoader } from "../core/secrets.ts";
import { buttonEnvelope, InteractionSchema, toEnvelope } from "./inbound.ts";
import { DiscordSecretSchema } from "./secret.ts";
import { importPublicKey, verifyRequest } from "./verify.ts";

/**
 * The interactions endpoint: POST /discord/interactions. Verifies the Ed25519 signature and the
 * timestamp (401), parses the interaction (400), answers PING with PONG, and for a slash command
 * (/ask, /new, the admins' /allow …) or a press of one of the bot's buttons (an admin's Allow) queues
 * the envelope, then answers DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE ("thinking…"); 503 when SQS fails,
 * so the user sees the command fail rather than wait for an answer that never comes.
 *
 * Discord gives up after 3 seconds, cold start included: with DISCORD_PUBLIC_KEY set (it is not a
 * secret) no Secrets Manager call is made.
 */

const HEX_64 = /^[0-9a-fA-F]{64}$/;

const configuredKey = lazy((): string | undefined => {
  const raw = process.env.DISCORD_PUBLIC_KEY?.trim();
  if (!raw) return undefined;
  if (!HEX_64.test(raw)) {
    throw new ConfigError(
      `DISCORD_PUBLIC_KEY=${JSON.stringify(raw)} is not 64 hex digits: copy the Public Key from the Developer Portal (General Information)`,
    );
  }
  return raw;
});

/** The channel secret, read only when no DISCORD_PUBLIC_KEY is given. */
const secret = secretLoader(DiscordSecretSchema);

async function publicKey(): Promise<KeyObject> {
  const configured = configuredKey();
  return importPublicKey(configured ?? (await secret()).public_key);
}

export const app = ingressApp();

app.post(
  "/discord/interactions",
  limitBody(),
  verified(({ header, body }) =>
    verifyRequest(publicKey, header("x-signature-ed25519"), header("x-signature-timestamp"), body),
  ),
  jsonBody(InteractionSchema, "a Discord interaction"),
  async (c) => {
    const interaction = c.req.valid("json");
    if (interaction.type === 1) return c.json({ type: 1 } satisfies APIInteractionResponsePong);
    const inbound = interaction.type === 2 ? toEnvelope(interaction) : buttonEnvelope(interaction);
    if ("invalid" in inbound) return c.text(`not a Discord interaction: ${inbound.invalid}`, 400);
    if ("notice" in inbound) {
      const command = interaction.type === 2 ? interaction.data.name : interaction.data.custom_id;
      log.info("interaction.answered", { interactionId: interaction.id, command });
      // Only the user sees it (EPHEMERAL), and nothing is queued.
      return c.json({
        type: 4,
        data: { content: inbound.notice, flags: 64 },
      } satisfies APIInteractionResponseChannelMessageWithSource);
    }
    await accept([inbound.envelope]);
    return c.json({ type: 5 } satisfies APIInteractionResponseDeferredChannelMessageWithSource);
  },
);

/** The Lambda handler (API Gateway HTTP API payload v2.0, or a Function URL). */
export const handler = lambdaHandler(app, { prefetch: publicKey });
