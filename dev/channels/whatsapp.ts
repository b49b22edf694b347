import {
  DEFAULT_APP_SECRET,
  DEFAULT_PHONE_NUMBER_ID,
  DEFAULT_WHATSAPP_TOKEN,
  deliveryHeaders,
  metaJson,
  startWhatsApp,
  whatsappDelivery,
  whatsappMessage,
} from "../../emulators/whatsapp.ts";
import { fileHtml } from "./files.ts";
import { escapeHtml } from "./html.ts";
import { mrkdwnHtml } from "./slack.ts";
import { type DevChannel, devFileBytes, type UiEvent } from "./types.ts";

/**
 * WhatsApp (Cloud API) in the emulator: the page's messages arrive as Meta's webhook deliveries,
 * signed with the app secret; "read" ticks with the typing indicator, then the formatted reply.
 */
export const whatsappDev: DevChannel = {
  name: "whatsapp",
  title: "WhatsApp",
  routes: ["/whatsapp"],
  async start() {
    const fake = await startWhatsApp();
    let seen = 0;
    return {
      secret: {
        access_token: DEFAULT_WHATSAPP_TOKEN,
        app_secret: DEFAULT_APP_SECRET,
        verify_token: "dev-verify-token",
        phone_number_id: DEFAULT_PHONE_NUMBER_ID,
      },
      env: { WHATSAPP_API_URL: fake.url },
      user: { id: "15550001001", name: "You" },
      stranger: { id: "15550002002", name: "Stranger" },
      files: true,
      async deliver(text, user, ingressBase, file) {
        // A file: uploaded to the fake's media (GET /{media-id} gives its URL), sent as Meta sends media.
        const stored = file && fake.media.add(devFileBytes(file), { contentType: file.mime });
        const type = file && /^image\/(jpeg|png)$/.test(file.mime) ? "image" : "document";
        const message = stored
          ? whatsappMessage({
              from: user.id,
              message: {
                type,
                [type]: {
                  id: stored.id,
                  mime_type: file.mime,
                  ...(text ? { caption: text } : {}),
                  ...(type === "document" ? { filename: file.name } : {}),
                },
              },
            })
          : whatsappMessage({ from: user.id, text });
        const body = metaJson(whatsappDelivery({ messages: [message], name: user.name }));
        const envelopeId = `whatsapp:${message.id}`;
        const response = await fetch(`${ingressBase}/whatsapp`, {
          method: "POST",
          headers: { ...deliveryHeaders(body), "x-dev-envelope-id": envelopeId },
          body,
        });
        return { status: response.status, envelopeId };
      },
      drain() {
        const events: UiEvent[] = [];
        for (const call of fake.calls.slice(seen)) {
          if (!call.response || call.response.status >= 300) continue;
          if (call.kind === "read") events.push({ channel: "whatsapp", kind: "typing", at: call.at });
          if (call.kind === "send" && typeof call.params.type === "string" && call.params.type !== "text") {
            // A media message: the file it sends by media id (uploaded to the fake first), with its caption.
            const object = (call.params[call.params.type] ?? {}) as {
              id?: string;
              caption?: string;
              filename?: string;
            };
            const stored = object.id === undefined ? undefined : fake.media.get(object.id);
            const id = (call.response.body as { messages?: { id?: string }[] }).messages?.[0]?.id;
            const file = {
              name: object.filename ?? call.params.type,
              mime: stored?.contentType ?? "application/octet-stream",
              bytes: stored?.bytes,
            };
            events.push({
              channel: "whatsapp",
              kind: "message",
              id,
              html: fileHtml(file, object.caption),
              at: call.at,
              ...(call.params.to === undefined ? {} : { to: String(call.params.to) }),
            });
          } else if (call.kind === "send") {
            const text = String((call.params.text as { body?: string } | undefined)?.body ?? "");
            const id = (call.response.body as { messages?: { id?: string }[] }).messages?.[0]?.id;
            events.push({
              channel: "whatsapp",
              kind: "message",
              id,
              html: mrkdwnHtml(escapeHtml(text)),
              at: call.at,
              ...(call.params.to === undefined ? {} : { to: String(call.params.to) }),
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
