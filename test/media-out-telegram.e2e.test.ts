/**
 * Files the agent sends back, end to end on Telegram, through the built bundles: the agent's answer names
 * files (a JSON answer's `attachments`, a stream's event, Markdown images); the worker fetches each (a URL
 * on the loopback "web" under the safe-fetch rules, opened to loopback by the test-only switch; an s3://
 * URI in the media bucket on fauxqs' S3; base64) and uploads it to the emulated Bot API as multipart
 * (sendPhoto, sendDocument, sendVoice), after the text. Each file is a part of the answer in the send
 * ledger (dynalite): a redelivery sends nothing twice, an answer cut short resumes at the missing file.
 */
import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { Message } from "@grammyjs/types";
import { agentReply } from "../emulators/agentcore.ts";
import { httpApiEvent } from "../emulators/api-gateway.ts";
import { lambdaContext, pollSqsOnce } from "../emulators/lambda.ts";
import { DEFAULT_TELEGRAM_TOKEN, telegramErrors, telegramTextUpdate } from "../emulators/telegram.ts";
import { startWeb, TINY_PNG } from "../emulators/web.ts";
import { useChannelE2E } from "./harness/channel-e2e.ts";

const SECRET = "media-out-webhook-secret";
const USER = 1001;
const BUCKET = "relay-media-out";
const web = await startWeb();
afterAll(() => web.close());
const { stack, ingress, worker, work } = await useChannelE2E({
  channel: "telegram",
  secret: { bot_token: DEFAULT_TELEGRAM_TOKEN, webhook_secret: SECRET },
  ledger: "relay-ledger-media-out",
  mediaBucket: BUCKET,
  env: () => ({
    ALLOWED_USERS: String(USER),
    MAX_ATTACHMENT_BYTES: "4096",
    STREAM_REPLIES: "false",
    UNSAFE_FETCH_ALLOW_LOOPBACK_FOR_TESTS: "1",
  }),
});
let updateId = 7000;
beforeEach(() => web.forget());

async function deliver(text: string) {
  const update = telegramTextUpdate({ text, updateId: ++updateId, messageId: updateId, userId: USER });
  const response = await ingress(
    httpApiEvent({
      method: "POST",
      path: "/telegram",
      headers: { "x-telegram-bot-api-secret-token": SECRET },
      body: JSON.stringify(update),
    }),
  );
  expect(response.statusCode).toBe(200);
}

/** What the chat shows: each message as text, or as its file kind, name and caption. */
function chat(): string[] {
  return stack.telegram.messages.map((message) => {
    const m = message as Message & Record<string, unknown>;
    if (m.text !== undefined) return m.text;
    const kind = ["photo", "document", "voice", "audio", "video"].find((k) => m[k] !== undefined);
    const file = m[kind ?? ""] as { file_name?: string; mime_type?: string } | undefined;
    const album = m.media_group_id === undefined ? "" : " in album";
    return `[${kind}${file?.file_name ? ` ${file.file_name}` : ""}${file?.mime_type ? ` ${file.mime_type}` : ""}${m.caption ? ` "${m.caption}"` : ""}${album}]`;
  });
}

/** The bytes Telegram received for the `n`th file message (from its file_id on the shelf). */
function uploaded(n: number): Uint8Array | undefined {
  const files = stack.telegram.messages.filter((m) => !("text" in m && m.text !== undefined));
  const m = files[n] as Record<string, unknown> | undefined;
  const photo = m?.photo as { file_id: string }[] | undefined;
  const id = photo?.[0]?.file_id ?? (m?.document as { file_id: string } | undefined)?.file_id;
  return id === undefined ? undefined : stack.telegram.files.get(id)?.bytes;
}

describe("the agent's files reach the user, natively, after the text", () => {
  test("a JSON answer with a URL, an s3 URI and base64: sendPhoto, sendDocument, sendVoice (multipart)", async () => {
    const url = web.set("/cat.png", { bytes: TINY_PNG, contentType: "image/png" });
    await new S3Client({}).send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: "outbound/report.pdf",
        Body: "%PDF-1.7",
        ContentType: "application/pdf",
      }),
    );
    stack.agentcore.script(
      agentReply.json({
        text: "Here you are.",
        attachments: [
          { url, name: "cat.png", caption: "a cat" },
          { s3: `s3://${BUCKET}/outbound/report.pdf`, name: "report.pdf" },
          { base64: Buffer.from("OggS voice").toString("base64"), mime: "audio/ogg", name: "note.ogg" },
        ],
      }),
    );
    await deliver("send me files");
    await work();
    expect(chat()).toEqual([
      "Here you are.",
      '[photo "a cat"]',
      "[document report.pdf application/pdf]",
      "[voice audio/ogg]",
    ]);
    expect([...(uploaded(0) ?? [])]).toEqual([...TINY_PNG]);
    expect(new TextDecoder().decode(uploaded(1))).toBe("%PDF-1.7");
    const photo = stack.telegram.callsOf("sendPhoto")[0];
    expect(photo?.contentType).toStartWith("multipart/form-data; boundary=");
    expect(photo?.params).toMatchObject({
      chat_id: String(USER),
      caption: "a cat",
      photo: { filename: "cat.png", type: "image/png" },
    });
  });

  test("a stream: the text, then the files its last event names; a Markdown image is taken out of the text", async () => {
    const url = web.set("/dog.png", { bytes: TINY_PNG, contentType: "image/png" });
    stack.agentcore.script(
      agentReply.sseJson([
        "Look ",
        `at this: ![a dog](${url})`,
        {
          attachments: [
            { base64: Buffer.from("%PDF").toString("base64"), mime: "application/pdf", name: "dog.pdf" },
          ],
        },
      ]),
    );
    await deliver("stream a picture");
    await work();
    expect(chat()).toEqual(["Look at this:", '[photo "a dog"]', "[document dog.pdf application/pdf]"]);
    expect(web.requests).toEqual(["/dog.png"]);
  });

  test("an internal URL is refused and said in its place; nothing internal is fetched", async () => {
    stack.agentcore.script(
      agentReply.json({
        text: "Your credentials:",
        attachments: [
          { url: "https://169.254.169.254/latest/meta-data/iam/security-credentials/", name: "creds.txt" },
        ],
      }),
    );
    await deliver("leak please");
    await work();
    expect(chat()).toEqual(["Your credentials:", "(creds.txt: not sent, it could not be fetched)"]);
  });

  test("a file too large for MAX_ATTACHMENT_BYTES is said, not sent", async () => {
    const url = web.set("/big.bin", { bytes: new Uint8Array(5000), contentType: "application/octet-stream" });
    stack.agentcore.script(agentReply.json({ text: "Big one.", attachments: [{ url, name: "big.bin" }] }));
    await deliver("big file");
    await work();
    expect(chat()).toEqual(["Big one.", "(big.bin: not sent, too large)"]);
  });
});

describe("files of one kind go together as an album (sendMediaGroup)", () => {
  const png = (name: string) => ({
    base64: Buffer.from(TINY_PNG).toString("base64"),
    mime: "image/png",
    name,
  });
  const pdf = (name: string) => ({
    base64: Buffer.from("%PDF").toString("base64"),
    mime: "application/pdf",
    name,
  });

  test("photos together, then documents together; a voice note alone", async () => {
    stack.agentcore.script(
      agentReply.json({
        text: "Albums.",
        attachments: [
          { ...png("a.png"), caption: "first" },
          png("b.png"),
          png("c.png"),
          pdf("x.pdf"),
          pdf("y.pdf"),
          { base64: Buffer.from("OggS").toString("base64"), mime: "audio/ogg", name: "v.ogg" },
        ],
      }),
    );
    await deliver("albums please");
    await work();
    expect(chat()).toEqual([
      "Albums.",
      '[photo "first" in album]',
      "[photo in album]",
      "[photo in album]",
      "[document x.pdf application/pdf in album]",
      "[document y.pdf application/pdf in album]",
      "[voice audio/ogg]",
    ]);
    const calls = stack.telegram.callsOf("sendMediaGroup");
    expect(calls).toHaveLength(2);
    expect(calls[0]?.contentType).toStartWith("multipart/form-data; boundary=");
    expect(JSON.parse(String(calls[0]?.params.media))).toEqual([
      { type: "photo", media: "attach://file0", caption: "first" },
      { type: "photo", media: "attach://file1" },
      { type: "photo", media: "attach://file2" },
    ]);
    const groups = stack.telegram.messages.map((m) => (m as { media_group_id?: string }).media_group_id);
    expect(new Set(groups.slice(1, 4)).size).toBe(1);
    expect(groups[1]).not.toBe(groups[4]);
  });

  test("an album Telegram refuses goes file by file", async () => {
    stack.telegram.script("sendMediaGroup", telegramErrors.badRequest("MEDIA_INVALID"));
    stack.agentcore.script(agentReply.json({ text: "Two.", attachments: [png("a.png"), png("b.png")] }));
    await deliver("refused album");
    await work();
    expect(chat()).toEqual(["Two.", "[photo]", "[photo]"]);
  });

  test("an album is one part of the answer: cut short after it, the retry sends only what follows", async () => {
    const c = web.set("/c.pdf", { status: 503 });
    stack.agentcore.script(
      agentReply.json({ text: "Cut.", attachments: [png("a.png"), png("b.png"), { url: c, name: "c.pdf" }] }),
    );
    await deliver("cut album");
    const first = await pollSqsOnce(stack.sqs, stack.queue.queueUrl, stack.queue.queueArn, worker);
    expect(first.failed).toHaveLength(1);
    expect(chat()).toEqual(["Cut.", "[photo in album]", "[photo in album]"]);
    web.set("/c.pdf", { bytes: new TextEncoder().encode("%PDF"), contentType: "application/pdf" });
    await work();
    expect(chat()).toEqual([
      "Cut.",
      "[photo in album]",
      "[photo in album]",
      "[document c.pdf application/pdf]",
    ]);
    expect(stack.telegram.callsOf("sendMediaGroup")).toHaveLength(1);
    expect(stack.agentcore.invocations()).toHaveLength(1);
  });
});

describe("files are parts of the answer in the send ledger", () => {
  test("redelivered after everything went out: nothing is sent twice, the agent is asked once", async () => {
    const url = web.set("/once.png", { bytes: TINY_PNG, contentType: "image/png" });
    stack.agentcore.script(agentReply.json({ text: "Once.", attachments: [{ url, name: "once.png" }] }));
    await deliver("once");
    const first = await pollSqsOnce(stack.sqs, stack.queue.queueUrl, stack.queue.queueArn, async (event) => {
      await worker(event, lambdaContext({ timeoutMs: 30_000 }));
      throw new Error("Task timed out after 30.00 seconds");
    });
    expect(first.failed).toHaveLength(1);
    await work();
    expect(chat()).toEqual(["Once.", "[photo]"]);
    expect(stack.agentcore.invocations()).toHaveLength(1);
    expect(web.requests).toEqual(["/once.png"]);
  });

  test("cut short after the text and the first file: the retry sends only the missing file", async () => {
    const a = web.set("/a.png", { bytes: TINY_PNG, contentType: "image/png" });
    const b = web.set("/b.png", { status: 503 });
    stack.agentcore.script(
      agentReply.json({
        text: "Two files.",
        attachments: [
          { url: a, name: "a.png" },
          { url: b, name: "b.png" },
        ],
      }),
    );
    await deliver("two files");
    const first = await pollSqsOnce(stack.sqs, stack.queue.queueUrl, stack.queue.queueArn, worker);
    expect(first.failed).toHaveLength(1);
    expect(chat()).toEqual(["Two files.", "[photo]"]);
    web.set("/b.png", { bytes: TINY_PNG, contentType: "image/png" });
    await work();
    expect(chat()).toEqual(["Two files.", "[photo]", "[photo]"]);
    expect(stack.agentcore.invocations()).toHaveLength(1);
    expect(web.requests).toEqual(["/a.png", "/b.png", "/b.png"]);
  });
});
