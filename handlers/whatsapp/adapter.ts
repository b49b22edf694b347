import type { ChannelAdapter } from "../core/adapter.ts";
import { ConfigError } from "../core/errors.ts";
import { log } from "../core/log.ts";
import { retryWhileRouteDeploys } from "../core/setup.ts";
import { GraphApiError, type GraphCall, graphApi } from "./api.ts";
import { SERVICE_WINDOW_SECONDS } from "./inbound.ts";
import { whatsappMedia } from "./media.ts";
import { whatsappOutbox } from "./outbox.ts";
import { type WhatsAppReply, WhatsAppReplySchema, whatsappReplyTo } from "./reply.ts";
import { type WhatsAppSecret, WhatsAppSecretSchema } from "./secret.ts";

/** Graph's error code when the callback URL did not answer Meta's verification request. */
export const CALLBACK_VERIFICATION_FAILED = 2200;

/** The webhook field the relay reads: `messages` (incoming messages and delivery statuses). */
export const WEBHOOK_FIELDS = ["messages"] as const;

/**
 * The Meta app whose webhook the setup action registers, from `WHATSAPP_APP_ID`; undefined when
 * unset (the callback URL is then set in the app dashboard by hand).
 */
export function appIdFromEnv(): string | undefined {
  const raw = process.env.WHATSAPP_APP_ID?.trim();
  if (!raw) return undefined;
  if (!/^\d{1,32}$/.test(raw))
    throw new ConfigError(`WHATSAPP_APP_ID=${JSON.stringify(raw)} is not a Meta app id (digits)`);
  return raw;
}

/** Graph calls with the app access token `<app id>|<app secret>` (app-level endpoints need it). */
function appApi(appId: string, secret: WhatsAppSecret): GraphCall {
  return graphApi(`${appId}|${secret.app_secret}`);
}

/**
 * Reads the business phone number with the access token: a wrong token or phone number id fails
 * the apply instead of the first reply. A token that may send but not read the number (no
 * `whatsapp_business_management`) only gets a warning.
 */
async function checkPhoneNumber(secret: WhatsAppSecret): Promise<string | null> {
  try {
    const number = await graphApi(secret.access_token)<{
      display_phone_number?: string;
      verified_name?: string;
    }>(secret.phone_number_id, {
      name: "phone_number",
      query: { fields: "display_phone_number,verified_name" },
    });
    return [number.display_phone_number, number.verified_name && `(${number.verified_name})`]
      .filter(Boolean)
      .join(" ");
  } catch (error) {
    const code = error instanceof GraphApiError ? error.code : undefined;
    if (code !== 10 && !(code !== undefined && code >= 200 && code <= 299)) throw error;
    log.warn("setup.phone_number_unchecked", { err: error });
    return null;
  }
}

/** WhatsApp Business Cloud API as a channel. */
export const whatsapp: ChannelAdapter<WhatsAppSecret, WhatsAppReply> = {
  channel: "whatsapp",
  secretSchema: WhatsAppSecretSchema,
  replySchema: WhatsAppReplySchema,
  // The indicator shows until the reply or for 25 s, and a repeat within those 25 s does nothing:
  // it is shown again once that time is up.
  typingIntervalMs: 25_000,
  media: (secret) => whatsappMedia(secret.access_token),
  // A business may write to a user freely only within 24 hours of their last message.
  directWindowMs: SERVICE_WINDOW_SECONDS * 1000,
  outbox: (secret) => whatsappOutbox(graphApi(secret.access_token), secret.phone_number_id),
  replyTo: whatsappReplyTo,
  async setup(secret, { url }) {
    const phoneNumber = await checkPhoneNumber(secret);
    const appId = appIdFromEnv();
    if (!appId) return { phoneNumber, webhook: "not registered by the module: set it in the app dashboard" };
    // Meta calls the callback URL (GET, hub.challenge) before it answers: a route API Gateway has not
    // finished deploying fails that check (#2200), so it is tried again a few times, as Discord's is.
    const result = await retryWhileRouteDeploys(
      "whatsapp webhook subscription",
      () =>
        appApi(appId, secret)<{ success?: boolean }>(`${appId}/subscriptions`, {
          name: "subscriptions",
          form: {
            object: "whatsapp_business_account",
            callback_url: url,
            verify_token: secret.verify_token,
            fields: WEBHOOK_FIELDS.join(","),
          },
        }),
      (error) => error instanceof GraphApiError && error.code === CALLBACK_VERIFICATION_FAILED,
    );
    if (result.success !== true) throw new Error("Meta did not confirm the webhook subscription");
    return { phoneNumber, webhook: "subscribed", fields: WEBHOOK_FIELDS };
  },
  async teardown(secret) {
    const appId = appIdFromEnv();
    if (!appId) return { webhook: "left as it is (not registered by the module)" };
    // Only the fields we subscribed: the app's other WhatsApp webhook fields stay.
    await appApi(appId, secret)(`${appId}/subscriptions`, {
      method: "DELETE",
      name: "subscriptions",
      query: { object: "whatsapp_business_account", fields: WEBHOOK_FIELDS.join(",") },
    });
    return { webhook: "unsubscribed", fields: WEBHOOK_FIELDS };
  },
};
