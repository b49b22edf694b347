/**
 * Files users send, end to end on Telegram, through the built bundles: a photo or document in a webhook
 * update → the worker asks the emulated Bot API for the file (getFile, then /file/bot<token>/<path>),
 * stores it in the media bucket on fauxqs' S3 (AWS_ENDPOINT_URL_S3, loopback) and the agent's payload
 * carries kind, mime, size, name, a presigned URL and the s3:// URI, or `skipped` with the reason.
 */
import { describe, expect, test } from "bun:test";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { Update } from "@grammyjs/types";
import { httpApiEvent } from "../emulators/api-gateway.ts";
import { lambdaContext } from "../emulators/lambda.ts";
import { DEFAULT_TELEGRAM_TOKEN, telegramTextUpdate } from "../emulators/telegram.ts";
import { useChannelE2E } from "./harness/channel-e2e.ts";
import { agentAttachments } from "./harness/media.ts";

const WEBHOOK_SECRET = "webhook-secret_0123456789";
const ALLOWED = 1001;
const BUCKET = "relay-media";
const MAX_BYTES = 4096;

const { stack, ingress, work, pollOnce } = await useChannelE2E({
  channel: "telegram",
  secret: { bot_token: DEFAULT_TELEGRAM_TOKEN, webhook_secret: WEBHOOK_SECRET },
  mediaBucket: BUCKET,
  env: () => ({ ALLOWED_USERS: String(ALLOWED), MAX_ATTACHMENT_BYTES: String(MAX_BYTES) }),
});
let updateId = 900;

type Sent = { file_id: string; file_unique_id: string; file_size?: number };

/** An update with `fields` on its message (a document, a photo …), captioned. */
async function deliver(caption: string, fields: Record<string, unknown>) {
  const update = telegramTextUpdate({ text: "", updateId: ++updateId, messageId: updateId }) as Update;
  const {
    text: _text,
    entities: _entities,
    ...message
  } = update.message as unknown as Record<string, unknown>;
  const body = { ...update, message: { ...message, caption, ...fields } };
  const response = await ingress(
    httpApiEvent({
      method: "POST",
      path: "/telegram",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": WEBHOOK_SECRET },
      body: JSON.stringify(body),
    }),
    lambdaContext({ timeoutMs: 10_000 }),
  );
  expect(response.statusCode).toBe(200);
}

/** A file on the emulated Bot API, as a message would refer to it. */
function file(bytes: Uint8Array | string, options: { failures?: number } = {}): Sent {
  const stored = stack.telegram.files.add(bytes, options);
  return { file_id: stored.id, file_unique_id: `u${stored.id}`, file_size: stored.bytes.byteLength };
}

const attachments = () => agentAttachments(stack);

describe("files users send reach the agent", () => {
  test("a document: fetched with the bot's token, stored, handed over as a presigned URL and an s3 URI", async () => {
    const pdf = "%PDF-1.7 a small document";
    const document = { ...file(pdf), file_name: "report.pdf", mime_type: "application/pdf" };
    await deliver("read this", { document });
    await work();

    const [attachment] = attachments();
    expect(attachment).toMatchObject({
      kind: "document",
      mime: "application/pdf",
      size: pdf.length,
      name: "report.pdf",
    });
    expect(String(attachment?.s3)).toMatch(
      new RegExp(`^s3://${BUCKET}/in/telegram/[0-9a-f]{32}/[0-9a-f]{32}/0-report.pdf$`),
    );
    const url = new URL(String(attachment?.url));
    expect(url.searchParams.get("X-Amz-Expires")).toBe("900");
    expect(url.searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
    expect(await (await fetch(url)).text()).toBe(pdf);
    // The getFile call and the download both used the bot's token; the text still reached the agent.
    expect(stack.telegram.callsOf("getFile")[0]?.params).toEqual({ file_id: document.file_id });
    expect(stack.telegram.files.downloads.map((d) => d.status)).toEqual([200]);
    expect(stack.telegram.sent(ALLOWED)).toEqual(["echo: read this"]);

    const key = String(attachment?.s3).replace(`s3://${BUCKET}/`, "");
    const object = await new S3Client({}).send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(object.ContentType).toBe("application/pdf");
  });

  test("a photo: the largest size, as image/jpeg", async () => {
    const small = file("small");
    const large = file("a larger jpeg");
    await deliver("", {
      photo: [
        { ...small, width: 90, height: 90 },
        { ...large, width: 800, height: 800 },
      ],
    });
    await work();
    expect(attachments()).toEqual([
      expect.objectContaining({ kind: "image", id: large.file_id, mime: "image/jpeg", size: 13 }),
    ]);
  });

  test("a mislabeled file keeps the type Telegram states, whatever its name says", async () => {
    const document = { ...file("PK zip bytes"), file_name: "cat.jpg", mime_type: "application/zip" };
    await deliver("what is it?", { document });
    await work();
    expect(attachments()[0]).toMatchObject({ kind: "document", name: "cat.jpg", mime: "application/zip" });
  });

  test("too large: by the size Telegram states, not fetched at all; by the bytes counted, dropped", async () => {
    const stated = {
      ...file("x".repeat(MAX_BYTES + 1)),
      file_name: "big.bin",
      mime_type: "application/octet-stream",
    };
    await deliver("big", { document: stated });
    await work();
    expect(attachments()[0]).toMatchObject({ name: "big.bin", skipped: "too large" });
    expect(attachments()[0]).not.toHaveProperty("url");
    expect(stack.telegram.callsOf("getFile")).toHaveLength(0);

    const { file_size: _unstated, ...unstated } = file("y".repeat(MAX_BYTES + 1));
    await deliver("bigger", { document: { ...unstated, file_name: "quiet.bin" } });
    await work();
    expect(attachments()[0]).toMatchObject({ name: "quiet.bin", skipped: "too large" });
    expect(stack.telegram.sent(ALLOWED)).toEqual(["echo: big", "echo: bigger"]);
  });

  test("a download that fails once is retried with the message; the answer comes once", async () => {
    const document = {
      ...file("flaky bytes", { failures: 1 }),
      file_name: "flaky.txt",
      mime_type: "text/plain",
    };
    await deliver("try again", { document });
    const first = await pollOnce();
    expect(first.failed).toHaveLength(1);
    expect(stack.agentcore.invocations()).toHaveLength(0);
    await work();
    expect(stack.telegram.files.downloads.map((d) => d.status)).toEqual([502, 200]);
    expect(attachments()[0]).toMatchObject({ name: "flaky.txt", mime: "text/plain", size: 11 });
    expect(stack.telegram.sent(ALLOWED)).toEqual(["echo: try again"]);
  });

  test("a download that keeps failing: on the last attempt the agent gets the text, the file skipped", async () => {
    const document = { ...file("never", { failures: 99 }), file_name: "gone.txt", mime_type: "text/plain" };
    await deliver("the text survives", { document });
    await work();
    expect(stack.agentcore.invocations()).toHaveLength(1);
    expect(attachments()[0]).toMatchObject({ name: "gone.txt", skipped: "download failed" });
    expect(stack.telegram.sent(ALLOWED)).toEqual(["echo: the text survives"]);
  });

  test("a file Telegram no longer has is skipped at once as not available", async () => {
    await deliver("old file", {
      document: { file_id: "unknown", file_unique_id: "u", file_name: "old.txt", mime_type: "text/plain" },
    });
    await work();
    expect(stack.agentcore.invocations()).toHaveLength(1);
    expect(attachments()[0]).toMatchObject({ name: "old.txt", skipped: "not available" });
  });
});
