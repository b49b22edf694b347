/**
 * Media users send on the WhatsApp Cloud API, end to end through the built bundles: the media id gives
 * a URL (GET /{media-id}), downloaded with the access token, stored on fauxqs' S3; the agent gets the
 * type the webhook stated, the size, a presigned URL and the s3 URI. An unknown (expired) id is skipped.
 * Files the agent sends are uploaded to the number's media (multipart POST /{phone-number-id}/media), then
 * sent as an image, audio or document message by media id, after the text.
 */
import { describe, expect, test } from "bun:test";
import { agentReply } from "../emulators/agentcore.ts";
import { httpApiEvent } from "../emulators/api-gateway.ts";
import { lambdaContext } from "../emulators/lambda.ts";
import { TINY_PNG } from "../emulators/web.ts";
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
import { useChannelE2E } from "./harness/channel-e2e.ts";
import { agentAttachments } from "./harness/media.ts";

const ALLOWED = "16505551234";

const {
  stack,
  platform: wa,
  ingress,
  work,
} = await useChannelE2E({
  channel: "whatsapp",
  secret: {
    access_token: DEFAULT_WHATSAPP_TOKEN,
    app_secret: DEFAULT_APP_SECRET,
    verify_token: "verify-token_0123456789",
    phone_number_id: DEFAULT_PHONE_NUMBER_ID,
  },
  platform: () => startWhatsApp(),
  mediaBucket: "whatsapp-media",
  env: (platform) => ({ ALLOWED_USERS: ALLOWED, WHATSAPP_API_URL: platform.url, WHATSAPP_APP_ID: undefined }),
});

async function deliver(message: Record<string, unknown>) {
  const raw = metaJson(whatsappDelivery({ messages: [whatsappMessage({ from: ALLOWED, message })] }));
  const response = await ingress(
    httpApiEvent({ method: "POST", path: "/whatsapp", headers: deliveryHeaders(raw), body: raw }),
    lambdaContext({ timeoutMs: 10_000 }),
  );
  expect(response.statusCode).toBe(200);
}

const attachments = () => agentAttachments(stack);

describe("media users send on WhatsApp reach the agent", () => {
  test("a voice note: media id → URL → download with the access token → presigned for the agent", async () => {
    const voice = wa.media.add("OggS opus bytes", { contentType: "audio/ogg" });
    await deliver({
      type: "audio",
      audio: { id: voice.id, mime_type: "audio/ogg; codecs=opus", voice: true },
    });
    await work();
    const [attachment] = attachments();
    expect(attachment).toMatchObject({ kind: "voice", mime: "audio/ogg; codecs=opus", size: 15 });
    expect(String(attachment?.s3)).toStartWith("s3://whatsapp-media/in/whatsapp/");
    expect(await (await fetch(String(attachment?.url))).text()).toBe("OggS opus bytes");
    expect(wa.media.downloads.map((d) => [d.status, d.authorization])).toEqual([
      [200, `Bearer ${DEFAULT_WHATSAPP_TOKEN}`],
    ]);
  });

  test("a document whose media id Meta no longer knows: not available, the caption answered", async () => {
    await deliver({
      type: "document",
      document: {
        id: "1234567890",
        mime_type: "application/pdf",
        filename: "old.pdf",
        caption: "see attached",
      },
    });
    await work();
    expect(attachments()).toEqual([expect.objectContaining({ name: "old.pdf", skipped: "not available" })]);
    expect(stack.agentcore.invocations()).toHaveLength(1);
    expect(wa.sent(ALLOWED)).toEqual(["echo: see attached"]);
  });
});

describe("files the agent sends reach the WhatsApp user", () => {
  test("each uploaded to the number's media, then sent by id: an image with its caption, a voice note, a document", async () => {
    stack.agentcore.script(
      agentReply.json({
        text: "Three files.",
        attachments: [
          {
            base64: Buffer.from(TINY_PNG).toString("base64"),
            mime: "image/png",
            name: "chart.png",
            caption: "Q3",
          },
          {
            base64: Buffer.from("OggS voice").toString("base64"),
            mime: "audio/ogg; codecs=opus",
            name: "a.ogg",
          },
          { base64: Buffer.from("%PDF-1.7").toString("base64"), mime: "application/pdf", name: "r.pdf" },
        ],
      }),
    );
    await deliver({ type: "text", text: { body: "files please" } });
    await work();
    const uploads = wa.calls.filter((c) => c.kind === "upload");
    expect(uploads.map((c) => [c.contentType?.split(";")[0], c.params.type])).toEqual([
      ["multipart/form-data", "image/png"],
      ["multipart/form-data", "audio/ogg"],
      ["multipart/form-data", "application/pdf"],
    ]);
    expect(wa.messages.map((m) => [m.body, m.media?.type, m.media?.filename])).toEqual([
      ["Three files.", undefined, undefined],
      ["Q3", "image", undefined],
      ["", "audio", undefined],
      ["", "document", "r.pdf"],
    ]);
    const image = wa.messages[1];
    expect([...(wa.media.get(String(image?.media?.id))?.bytes ?? [])]).toEqual([...TINY_PNG]);
    // Each file message names its part for the delivery status, like the text's.
    expect(wa.messages.map((m) => m.callbackData?.split("#")[1])).toEqual(["0", "1", "2", "3"]);
  });
});
