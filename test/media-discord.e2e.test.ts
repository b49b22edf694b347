/**
 * Files users post on Discord, end to end through the built worker bundle: the relay enqueues a gateway
 * message with its attachments' signed CDN URLs (as relay/discord/inbound.ts does), the worker downloads
 * them (no credential: the URL is signed), stores them on fauxqs' S3 and the agent gets presigned URLs;
 * a URL off Discord's CDN is never fetched. Files the agent sends go up as multipart uploads (`files[n]`
 * beside `payload_json`): a channel message with its nonce, or an interaction's follow-up after @original.
 */
import { describe, expect, test } from "bun:test";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { APIGatewayProxyResult } from "aws-lambda";
import { agentReply } from "../emulators/agentcore.ts";
import { httpApiEvent } from "../emulators/api-gateway.ts";
import { type FakeDiscord, startDiscord, UPLOADED } from "../emulators/discord.ts";
import { commandInteraction } from "../emulators/discord-interactions.ts";
import { lambdaContext } from "../emulators/lambda.ts";
import { TINY_PNG } from "../emulators/web.ts";
import { DISCORD_UPLOAD_MAX_BYTES } from "../handlers/discord/outbox.ts";
import { type ChannelE2E, useChannelE2E } from "./harness/channel-e2e.ts";
import { agentAttachments } from "./harness/media.ts";

const ALLOWED = "100000000000000001";
const CHANNEL = "300000000000000001";
let next = 500000000000000001n;

const ROUTE = "/discord/interactions";

const {
  stack,
  platform: discord,
  ingress,
  work,
}: ChannelE2E<FakeDiscord> = await useChannelE2E({
  channel: "discord",
  platform: () =>
    startDiscord({
      // Discord reaches the endpoint through API Gateway: here, the ingress bundle itself.
      transport: async (_url, request) => {
        const response: APIGatewayProxyResult = await ingress(
          httpApiEvent({ method: "POST", path: ROUTE, headers: request.headers, body: request.body }),
          lambdaContext({ timeoutMs: 10_000 }),
        );
        return { status: response.statusCode, body: response.body };
      },
    }),
  secret: (platform) => ({
    application_id: platform.applicationId,
    public_key: platform.signer.publicKeyHex,
    bot_token: platform.botToken,
  }),
  mediaBucket: "discord-media",
  env: (platform) => ({
    ALLOWED_USERS: ALLOWED,
    DISCORD_API_URL: platform.url,
    DISCORD_PUBLIC_KEY: platform.signer.publicKeyHex,
  }),
});

/** A gateway message as the relay enqueues it, with `attachments`. */
async function relayed(text: string, attachments: Record<string, unknown>[]) {
  const messageId = String(next++);
  const envelope = {
    v: 1,
    channel: "discord",
    eventId: messageId,
    conversation: CHANNEL,
    user: { id: ALLOWED, name: "ada" },
    text,
    attachments,
    reply: { kind: "message", channelId: CHANNEL, messageId },
    receivedAt: Date.now(),
  };
  await stack.sqs.send(stack.queue.queueUrl, JSON.stringify(envelope), {
    groupId: `discord:${CHANNEL}`,
    dedupId: messageId,
  });
}

const attachments = () => agentAttachments(stack);

describe("files users post on Discord reach the agent", () => {
  test("the signed CDN URL fetched without credentials, stored, presigned; a foreign URL never fetched", async () => {
    const file = discord.attachments.add("notes in a file", { contentType: "text/plain; charset=utf-8" });
    await relayed("summarize", [
      {
        kind: "document",
        id: discord.cdnUrl(file.id, "notes.txt"),
        mime: "text/plain",
        size: 15,
        name: "notes.txt",
      },
      { kind: "image", id: "https://evil.example/cat.png", mime: "image/png", name: "cat.png" },
    ]);
    await work();
    const [notes, foreign] = attachments();
    expect(notes).toMatchObject({ kind: "document", mime: "text/plain", size: 15, name: "notes.txt" });
    expect(await (await fetch(String(notes?.url))).text()).toBe("notes in a file");
    expect(foreign).toMatchObject({ name: "cat.png", skipped: "not available" });
    expect(discord.attachments.downloads.map((d) => [d.status, d.authorization])).toEqual([[200, undefined]]);
  });
});

describe("a file given to /ask (its ATTACHMENT option) reaches the agent", () => {
  test("the command's resolved attachment, through the ingress bundle: downloaded from the CDN, presigned", async () => {
    const stored = discord.attachments.add("%PDF-1.7 slash", { contentType: "application/pdf" });
    const interaction = commandInteraction({
      applicationId: discord.applicationId,
      name: "ask",
      prompt: "read this",
      userId: ALLOWED,
      channelId: CHANNEL,
      file: {
        id: "600000000000000009",
        filename: "spec.pdf",
        contentType: "application/pdf",
        size: 14,
        url: discord.cdnUrl(stored.id, "spec.pdf"),
      },
    });
    const answer = await discord.deliver(interaction, {
      url: `https://example.execute-api.us-east-1.amazonaws.com${ROUTE}`,
    });
    expect(answer.status).toBe(200);
    await work();
    const [file] = attachments();
    expect(file).toMatchObject({ kind: "document", mime: "application/pdf", size: 14, name: "spec.pdf" });
    expect(await (await fetch(String(file?.url))).text()).toBe("%PDF-1.7 slash");
    expect(discord.original(interaction.id)).toMatchObject({ deferred: false });
  });
});

describe("files the agent sends go up as Discord attachments", () => {
  const png = Buffer.from(TINY_PNG).toString("base64");
  const answer = agentReply.json({
    text: "The chart:",
    attachments: [{ base64: png, mime: "image/png", name: "chart.png", caption: "Q3" }],
  });

  test("a channel message: the text, then a multipart message with the file, its caption and a nonce", async () => {
    stack.agentcore.script(answer);
    await relayed("chart please", []);
    await work();
    const [text, file] = discord.messages;
    expect(text?.content).toBe("The chart:");
    expect(file).toMatchObject({
      channelId: CHANNEL,
      content: "Q3",
      attachments: [
        { filename: "chart.png", content_type: "image/png", size: TINY_PNG.byteLength, description: "Q3" },
      ],
    });
    expect(file?.body).toMatchObject({
      enforce_nonce: true,
      attachments: [{ id: 0, filename: "chart.png" }],
    });
    expect(String(file?.body.nonce)).toMatch(/^[0-9a-f]{20}\.1$/);
    expect(file?.body[UPLOADED]).toHaveLength(1);
    expect([...(discord.attachments.get(String(file?.attachments?.[0]?.id))?.bytes ?? [])]).toEqual([
      ...TINY_PNG,
    ]);
  });

  test("a file over Discord's 10 MiB upload limit is said in its place, never uploaded", async () => {
    await new S3Client({}).send(
      new PutObjectCommand({
        Bucket: "discord-media",
        Key: "outbound/dump.bin",
        Body: new Uint8Array(DISCORD_UPLOAD_MAX_BYTES + 1),
        ContentType: "application/octet-stream",
      }),
    );
    stack.agentcore.script(
      agentReply.json({
        text: "The dump:",
        attachments: [{ s3: "s3://discord-media/outbound/dump.bin", name: "dump.bin" }],
      }),
    );
    await relayed("dump please", []);
    await work();
    expect(discord.messages.map((m) => m.content)).toEqual([
      "The dump:",
      "(dump.bin: not sent, the platform refused it)",
    ]);
    expect(discord.messages.some((m) => m.attachments !== undefined)).toBe(false);
    // Refused before the upload, not by Discord's 413 after 10 MiB went over the wire.
    expect(discord.calls.filter((c) => c.response?.status === 413)).toHaveLength(0);
  });

  test("a slash command: @original gets the text, a follow-up through the interaction's webhook the file", async () => {
    stack.agentcore.script(answer);
    const interaction = commandInteraction({
      applicationId: discord.applicationId,
      name: "ask",
      prompt: "chart please",
      userId: ALLOWED,
      channelId: CHANNEL,
    });
    await discord.deliver(interaction, {
      url: `https://example.execute-api.us-east-1.amazonaws.com${ROUTE}`,
    });
    await work();
    expect(discord.original(interaction.id)).toMatchObject({ deferred: false, content: "The chart:" });
    const [followUp] = discord.callsOf("POST /webhooks/{application}/{token}");
    expect(followUp?.response?.status).toBe(200);
    const file = discord.messages.find((m) => m.attachments !== undefined);
    expect(file).toMatchObject({ via: "interaction", interactionId: interaction.id, content: "Q3" });
    expect(file?.attachments?.[0]).toMatchObject({ filename: "chart.png", content_type: "image/png" });
  });
});
