import { randomBytes } from "node:crypto";
import { DRAFT_TTL_MS, startTelegram, telegramTextUpdate } from "../../emulators/telegram.ts";
import { escapeHtml, safeHtml } from "./html.ts";
import type { DevChannel, UiEvent } from "./types.ts";

const TOKEN = "424242:dev-relay-local-token";

let updateId = Math.floor(Date.now() / 1000);

/**
 * Telegram in the emulator: a fake Bot API; the page's messages arrive as secret-token webhooks. A streamed
 * answer shows as Telegram shows it: a draft growing in place, then the message.
 */
export const telegramDev: DevChannel = {
  name: "telegram",
  title: "Telegram",
  routes: ["/telegram"],
  async start() {
    const fake = await startTelegram({
      tokens: [TOKEN],
      botUsername: "dev_relay_bot",
      strictWebhookUrl: false,
    });
    let seen = 0;
    // New for every run: with TELEGRAM_BOT_TOKEN set, this secret is all that stands between a forged
    // update and the real bot answering through the real agent.
    const webhookSecret = randomBytes(24).toString("base64url");
    return {
      secret: { bot_token: TOKEN, webhook_secret: webhookSecret },
      env: { TELEGRAM_API_URL: fake.url },
      user: { id: "1001", name: "You" },
      stranger: { id: "2002", name: "Stranger" },
      async deliver(text, user, ingressBase) {
        const id = ++updateId;
        const update = telegramTextUpdate({
          text,
          updateId: id,
          messageId: id,
          userId: Number(user.id),
          firstName: user.name,
        });
        const envelopeId = `telegram:${id}`;
        const response = await fetch(`${ingressBase}/telegram`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-telegram-bot-api-secret-token": webhookSecret,
            "x-dev-envelope-id": envelopeId,
          },
          body: JSON.stringify(update),
        });
        return { status: response.status, envelopeId };
      },
      drain() {
        const events: UiEvent[] = [];
        for (const call of fake.calls.slice(seen)) {
          const at = call.at;
          const ok = call.response !== undefined && call.response.status < 300;
          const text = String(call.params.text ?? "");
          const html = call.params.parse_mode === "HTML" ? safeHtml(text) : escapeHtml(text);
          const result = (call.response?.body as { result?: { message_id?: number } } | undefined)?.result;
          const method = call.method.toLowerCase();
          // A private chat's id is its user's id.
          const chatId = Number(call.params.chat_id);
          const to = chatId > 0 ? { to: String(chatId) } : {};
          if (method === "sendchataction") events.push({ channel: "telegram", kind: "typing", at });
          else if (method === "sendmessage" && ok) {
            events.push({
              channel: "telegram",
              kind: "message",
              id: String(result?.message_id),
              html,
              at,
              ...to,
            });
          } else if (method === "editmessagetext" && ok) {
            events.push({
              channel: "telegram",
              kind: "edit",
              id: String(call.params.message_id),
              html,
              at,
              ...to,
            });
          } else if (method === "sendmessagedraft" && ok) {
            const id = `draft:${call.params.chat_id}:${call.params.draft_id}`;
            const until = at + DRAFT_TTL_MS;
            events.push({ channel: "telegram", kind: "draft", id, html, at, until, ...to });
          } else if (method === "deletemessage" && ok) {
            events.push({
              channel: "telegram",
              kind: "delete",
              id: String(call.params.message_id),
              html: "",
              at,
            });
          }
        }
        seen = fake.calls.length;
        return events;
      },
      close: () => fake.close(),
    };
  },
};
