import { randomBytes } from "node:crypto";
import type { Message } from "@grammyjs/types";
import { DRAFT_TTL_MS, startTelegram, telegramTextUpdate } from "../../emulators/telegram.ts";
import { fileHtml } from "./files.ts";
import { escapeHtml, safeHtml } from "./html.ts";
import { type DevChannel, devFileBytes, type UiEvent } from "./types.ts";

const TOKEN = "424242:dev-relay-local-token";

let updateId = Math.floor(Date.now() / 1000);

/** An upload as the fake recorded it, as the page shows a file. */
function fileOf(upload: unknown) {
  const file = upload as { filename?: string; type?: string; bytes?: Uint8Array } | undefined;
  return { name: file?.filename, mime: file?.type || "application/octet-stream", bytes: file?.bytes };
}

/** The Bot API's file methods and the field each takes the upload in. */
const FILE_FIELDS: Record<string, string> = {
  sendphoto: "photo",
  senddocument: "document",
  sendvoice: "voice",
  sendaudio: "audio",
  sendvideo: "video",
};

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
      files: true,
      async deliver(text, user, ingressBase, file) {
        const id = ++updateId;
        const update = telegramTextUpdate({
          text,
          updateId: id,
          messageId: id,
          userId: Number(user.id),
          firstName: user.name,
        });
        // A file: on the fake's shelf (getFile serves it), the text its caption, as Telegram sends media.
        if (file) {
          const stored = fake.files.add(devFileBytes(file), { contentType: file.mime });
          const ref = {
            file_id: stored.id,
            file_unique_id: `u${stored.id}`,
            file_size: stored.bytes.byteLength,
          };
          const { text: caption, entities: _entities, ...message } = update.message as Message.TextMessage;
          Object.assign(update, {
            message: {
              ...message,
              ...(caption ? { caption } : {}),
              ...(/^image\/(jpeg|png)$/.test(file.mime)
                ? { photo: [{ ...ref, width: 32, height: 32 }] }
                : { document: { ...ref, file_name: file.name, mime_type: file.mime } }),
            },
          });
        }
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
          } else if (FILE_FIELDS[method] && ok) {
            const upload = call.params[FILE_FIELDS[method]];
            const caption = call.params.caption === undefined ? undefined : String(call.params.caption);
            events.push({
              channel: "telegram",
              kind: "message",
              id: String(result?.message_id),
              html: fileHtml(fileOf(upload), caption),
              at,
              ...to,
            });
          } else if (method === "sendmediagroup" && ok) {
            // An album: each file its own message, as Telegram shows them grouped.
            const media = JSON.parse(String(call.params.media)) as { media: string; caption?: string }[];
            const sent = (call.response?.body as { result?: { message_id?: number }[] } | undefined)?.result;
            for (const [n, item] of media.entries()) {
              const upload = call.params[item.media.replace(/^attach:\/\//, "")];
              events.push({
                channel: "telegram",
                kind: "message",
                id: String(sent?.[n]?.message_id),
                html: fileHtml(fileOf(upload), item.caption),
                at,
                ...to,
              });
            }
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
