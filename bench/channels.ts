/**
 * How the bench talks to each channel: one entry per channel saying how to build a signed request as
 * the platform sends it (with the signing helpers the channel's test fake exports), what secret and
 * environment the handlers need, and which fake platform API takes the replies. A channel that lands
 * with an ingress bundle but without an entry here is reported as "no entry in bench/channels.ts".
 */
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { httpApiEvent } from "../emulators/api-gateway.ts";
import { DEFAULT_DISCORD_APP, startDiscord } from "../emulators/discord.ts";
import { commandInteraction, signedHeaders } from "../emulators/discord-interactions.ts";
import {
  DEFAULT_SIGNING_SECRET,
  DEFAULT_SLACK_TOKEN,
  slackEventCallback,
  slackHeaders,
  slackMessageEvent,
  startSlack,
} from "../emulators/slack.ts";
import { DEFAULT_TELEGRAM_TOKEN, startTelegram, telegramTextUpdate } from "../emulators/telegram.ts";
import {
  DEFAULT_APP_SECRET,
  DEFAULT_PHONE_NUMBER_ID,
  DEFAULT_WHATSAPP_TOKEN,
  deliveryHeaders,
  metaJson,
  startWhatsApp,
  whatsappDelivery,
  whatsappMessage,
} from "../emulators/whatsapp.ts";

/** A reply the fake platform received, with its arrival time (ms since the epoch). */
export interface Reply {
  readonly text: string;
  readonly at: number;
}

/** A channel's fake platform, started, and how to drive the channel's handlers against it. */
export interface ChannelRig {
  /** The channel secret (Secrets Manager JSON) the handlers read. */
  readonly secret: Record<string, string>;
  /** Extra handler environment: the platform API URL, and anything the channel reads directly. */
  readonly env: Record<string, string>;
  /**
   * A signed webhook delivery carrying `text` in conversation `conversation`, as the API Gateway
   * HTTP API v2.0 event the ingress receives. Each call is a distinct platform event.
   */
  event(text: string, conversation: number): Promise<APIGatewayProxyEventV2>;
  /** What the platform received from the worker, every request serialized, in arrival order. */
  replies(): Reply[];
  close(): Promise<void>;
}

/** A channel the bench knows how to drive. */
export interface BenchChannel {
  /** Starts the channel's fake platform API on loopback. */
  start(): Promise<ChannelRig>;
}

const post = (path: string, headers: Record<string, string>, body: string) =>
  httpApiEvent({ method: "POST", path, headers, body });

/** Every recorded platform call as text, so a reply is found by the marker it carries. */
const asReplies = (calls: readonly { at: number }[]): Reply[] =>
  calls.map((call) => ({ text: JSON.stringify(call), at: call.at }));

let sequence = 0;

/** The table: channel name → how to drive it. */
export const CHANNELS: Record<string, BenchChannel> = {
  telegram: {
    async start() {
      const fake = await startTelegram();
      const webhookSecret = "bench_webhook_secret_0123456789";
      return {
        secret: { bot_token: DEFAULT_TELEGRAM_TOKEN, webhook_secret: webhookSecret },
        env: { TELEGRAM_API_URL: fake.url },
        async event(text, conversation) {
          const update = telegramTextUpdate({ text, userId: 1000 + conversation, messageId: ++sequence });
          return post(
            "/telegram",
            { "content-type": "application/json", "x-telegram-bot-api-secret-token": webhookSecret },
            JSON.stringify(update),
          );
        },
        replies: () => asReplies(fake.calls.filter((call) => call.method === "sendMessage")),
        close: () => fake.close(),
      };
    },
  },
  slack: {
    async start() {
      const fake = await startSlack();
      return {
        secret: { bot_token: DEFAULT_SLACK_TOKEN, signing_secret: DEFAULT_SIGNING_SECRET },
        env: { SLACK_API_URL: fake.url },
        async event(text, conversation) {
          const message = slackMessageEvent({
            text,
            channel: `D0BENCH${conversation}`,
            user: `U0USER${conversation}`,
          });
          const body = JSON.stringify(slackEventCallback(message));
          return post("/slack/events", slackHeaders(body), body);
        },
        replies: () => asReplies(fake.calls.filter((call) => call.method.startsWith("chat."))),
        close: () => fake.close(),
      };
    },
  },
  discord: {
    async start() {
      // Discord knows an interaction's token once the endpoint answered it; the fake learns a token when
      // it "delivers" the interaction, here through a transport that only records it, since the bench
      // hands the same signed interaction to the ingress handler directly.
      const fake = await startDiscord({ transport: async () => ({ status: 200, body: '{"type":5}' }) });
      return {
        secret: {
          application_id: fake.applicationId,
          public_key: fake.signer.publicKeyHex,
          bot_token: fake.botToken,
        },
        env: { DISCORD_API_URL: fake.url, DISCORD_PUBLIC_KEY: fake.signer.publicKeyHex },
        async event(text, conversation) {
          const interaction = commandInteraction({
            applicationId: DEFAULT_DISCORD_APP.applicationId,
            name: "ask",
            prompt: text,
            userId: String(100000000000000000n + BigInt(conversation)),
            channelId: String(300000000000000000n + BigInt(conversation)),
          });
          await fake.deliver(interaction, { url: "http://bench.invalid/" });
          const body = JSON.stringify(interaction);
          return post("/discord/interactions", await signedHeaders(fake.signer, body), body);
        },
        replies: () => asReplies(fake.calls.filter((call) => call.method !== "GET")),
        close: () => fake.close(),
      };
    },
  },
  whatsapp: {
    async start() {
      const fake = await startWhatsApp();
      return {
        secret: {
          access_token: DEFAULT_WHATSAPP_TOKEN,
          app_secret: DEFAULT_APP_SECRET,
          verify_token: "bench-verify-token",
          phone_number_id: DEFAULT_PHONE_NUMBER_ID,
        },
        env: { WHATSAPP_API_URL: fake.url },
        async event(text, conversation) {
          const from = String(16505550000 + conversation);
          const body = metaJson(whatsappDelivery({ messages: [whatsappMessage({ text, from })] }));
          return post("/whatsapp", deliveryHeaders(body), body);
        },
        replies: () => asReplies(fake.calls.filter((call) => call.kind === "send")),
        close: () => fake.close(),
      };
    },
  },
};
