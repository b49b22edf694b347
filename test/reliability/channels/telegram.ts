/**
 * Telegram, as the suite sees it: POST /telegram with the webhook's secret token (no body signature,
 * no timestamp: a replayed update is caught by the queue's dedup on update_id), updates of every kind,
 * and the fake Bot API for the fault simulation (replies are attributed by reply_parameters in groups).
 */
import { DEFAULT_TELEGRAM_TOKEN, startTelegram } from "../../../emulators/telegram.ts";
import { edgeString, randomText } from "../corpus.ts";
import type { Rng } from "../rng.ts";
import {
  type ChannelProfile,
  deliverSigned,
  hiddenValues,
  type Route,
  type Signing,
  type SimPlatform,
} from "./profile.ts";

const ROUTE: Route = { method: "POST", path: "/telegram" };
const WEBHOOK_SECRET = "reliability_Webhook-Secret_0123456789abcdef";
const OTHER_SECRET = "reliability_Other-Secret_fedcba9876543210";
const BOT = "RelayBot";
const ALLOWED = 1001;
const STRANGER = 2002;
/** Simulated conversations are supergroups -100100, -100101, …: the bot answers mentions as replies. */
const chatOf = (conversation: number) => -100100 - conversation;

interface UpdateInput {
  updateId: number;
  chatId: number;
  userId: number;
  text: string;
  messageId?: number;
  mention?: boolean;
}

function update(input: UpdateInput): Record<string, unknown> {
  const group = input.chatId < 0;
  const text = input.mention ? `@${BOT} ${input.text}` : input.text;
  const command = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(text);
  const entities = [
    ...(input.mention ? [{ type: "mention", offset: 0, length: BOT.length + 1 }] : []),
    ...(command ? [{ type: "bot_command", offset: 0, length: command[0].length }] : []),
  ];
  return {
    update_id: input.updateId,
    message: {
      message_id: input.messageId ?? input.updateId,
      date: 1_795_000_000,
      chat: group
        ? { id: input.chatId, type: "supergroup", title: "Relay" }
        : { id: input.chatId, type: "private", first_name: "Ada" },
      from: { id: input.userId, is_bot: false, first_name: "Ada", username: "ada" },
      text,
      ...(entities.length > 0 ? { entities } : {}),
    },
  };
}

function seed(rng: Rng) {
  const updateId = rng.range(1, 2 ** 31 - 1);
  const userId = rng.chance(0.5) ? ALLOWED : rng.range(1, 2 ** 40);
  const text = rng.chance(0.3) ? edgeString(rng) : randomText(rng, rng.range(1, 200));
  const kind = rng.weighted([
    [40, "private text"],
    [10, "group mention"],
    [8, "group chatter"],
    [8, "command"],
    [6, "photo with caption"],
    [6, "edited message"],
    [5, "channel post"],
    [5, "from a bot"],
    [4, "no message"],
    [4, "forum topic"],
  ] as const);
  const base = update({ updateId, chatId: userId, userId, text });
  const message = base.message as Record<string, unknown>;
  switch (kind) {
    case "group mention":
      return {
        kind,
        route: ROUTE,
        body: update({ updateId, chatId: -rng.range(1, 2 ** 40), userId, text, mention: true }),
      };
    case "group chatter":
      return { kind, route: ROUTE, body: update({ updateId, chatId: -rng.range(1, 2 ** 40), userId, text }) };
    case "command": {
      const command = rng.pick(["/start", "/help", "/new", `/new@${BOT}`, "/new@OtherBot", "/weather"]);
      return {
        kind,
        route: ROUTE,
        body: update({ updateId, chatId: userId, userId, text: `${command} ${text}` }),
      };
    }
    case "photo with caption": {
      delete message.text;
      message.caption = text;
      message.photo = [{ file_id: randomText(rng, 20), width: 90, height: 90, file_size: rng.int(10_000) }];
      return { kind, route: ROUTE, body: base };
    }
    case "edited message":
      return { kind, route: ROUTE, body: { update_id: updateId, edited_message: message } };
    case "channel post":
      message.chat = { id: -rng.range(1, 2 ** 40), type: "channel", title: "News" };
      return { kind, route: ROUTE, body: base };
    case "from a bot":
      message.from = { id: rng.range(1, 2 ** 40), is_bot: true, first_name: "Other" };
      return { kind, route: ROUTE, body: base };
    case "no message":
      return { kind, route: ROUTE, body: { update_id: updateId } };
    case "forum topic": {
      const body = update({ updateId, chatId: -rng.range(1, 2 ** 40), userId, text, mention: true });
      Object.assign(body.message as object, {
        message_thread_id: rng.range(1, 1000),
        is_topic_message: true,
      });
      return { kind, route: ROUTE, body };
    }
    default:
      return { kind, route: ROUTE, body: base };
  }
}

const signing: Signing = {
  authHeaders: ["x-telegram-bot-api-secret-token"],
  signatureHeader: "x-telegram-bot-api-secret-token",
  coversBody: false,
  async sign(_route, _body, { other }) {
    return {
      headers: {
        "content-type": "application/json",
        "x-telegram-bot-api-secret-token": other ? OTHER_SECRET : WEBHOOK_SECRET,
      },
    };
  },
};

/** The fake Bot API; sendMessage calls that Telegram accepted are the replies. */
async function startPlatform(): Promise<SimPlatform> {
  // No flood control: under pairing every made-up stranger of the fuzz has the admin asked in the admin's
  // one chat, and about one message a second there would make the drain wait a minute (the streaming e2e
  // tests cover the 429s; the sim injects its own platform faults).
  const fake = await startTelegram({ botUsername: BOT, rateLimits: false });
  return {
    url: fake.url,
    env: (apiUrl) => ({ TELEGRAM_API_URL: apiUrl }),
    deliver: (message, send) =>
      deliverSigned(
        signing,
        ROUTE,
        update({
          updateId: message.eventNumber,
          chatId: chatOf(message.conversation),
          userId: Number(message.userId),
          messageId: message.seq + 1,
          // A command is addressed as Telegram groups address them (/allow@Bot); anything else mentions the bot.
          text: message.text?.replace(/^\/(\w+)/, `/$1@${BOT}`) ?? message.token,
          mention: message.text === undefined,
        }),
        send,
      ),
    // Each message the bot posted, with the text it ends with: a streamed answer is posted with its first
    // words and edited as it grows (the edits that succeeded, in order, the last one wins).
    sent: () => {
      const ok = fake.calls.filter((call) => call.response?.status === 200);
      const key = (chat: unknown, id: unknown) => `${String(chat)}:${String(id)}`;
      const edited = new Map<string, string>();
      for (const call of ok)
        if (call.method === "editMessageText")
          edited.set(key(call.params.chat_id, call.params.message_id), String(call.params.text ?? ""));
      return ok
        .filter((call) => call.method === "sendMessage")
        .map((call) => {
          const chat = Number(call.params.chat_id);
          const replyTo = (call.params.reply_parameters as { message_id?: number } | undefined)?.message_id;
          const id = (call.response?.body as { result?: { message_id?: number } } | undefined)?.result
            ?.message_id;
          return {
            conversation: chat <= -100100 ? -100100 - chat : undefined,
            replyTo: replyTo === undefined ? undefined : replyTo - 1,
            text: edited.get(key(call.params.chat_id, id)) ?? String(call.params.text ?? ""),
            at: call.at,
          };
        });
    },
    envelopeIdOf: (message) => `telegram:${message.eventNumber}`,
    // Telegram repeats a failed delivery for up to 24 hours.
    retries: Number.POSITIVE_INFINITY,
    isSend: (_method, path) => /\/sendMessage$/i.test(path.split("?")[0] ?? ""),
    tooManyRequests: (seconds) => ({
      status: 429,
      body: JSON.stringify({
        ok: false,
        error_code: 429,
        description: `Too Many Requests: retry after ${seconds}`,
        parameters: { retry_after: seconds },
      }),
    }),
    serverError: () => ({
      status: 502,
      headers: { "content-type": "text/html" },
      body: "<html><head><title>502 Bad Gateway</title></head></html>",
    }),
    hidden: () => [],
    close: () => fake.close(),
  };
}

/** Telegram's profile. */
export async function telegramProfile(): Promise<ChannelProfile> {
  return {
    channel: "telegram",
    routes: [ROUTE],
    secret: { bot_token: DEFAULT_TELEGRAM_TOKEN, webhook_secret: WEBHOOK_SECRET },
    hidden: hiddenValues({
      "telegram bot_token": DEFAULT_TELEGRAM_TOKEN,
      "telegram bot_token secret part": DEFAULT_TELEGRAM_TOKEN.split(":")[1] ?? "",
      "telegram webhook_secret": WEBHOOK_SECRET,
    }),
    users: {
      allowed: () => String(ALLOWED),
      stranger: () => String(STRANGER),
      group: (conversation) => String(chatOf(conversation)),
    },
    signing,
    env: {},
    seed,
    startPlatform,
  };
}
