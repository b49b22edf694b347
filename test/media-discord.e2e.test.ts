/**
 * Files users post on Discord, end to end through the built worker bundle: the relay enqueues a gateway
 * message with its attachments' signed CDN URLs (as relay/discord/inbound.ts does), the worker downloads
 * them (no credential: the URL is signed), stores them on fauxqs' S3 and the agent gets presigned URLs;
 * a URL off Discord's CDN is never fetched.
 */
import { describe, expect, test } from "bun:test";
import { startDiscord } from "../emulators/discord.ts";
import { useChannelE2E } from "./harness/channel-e2e.ts";
import { agentAttachments } from "./harness/media.ts";

const ALLOWED = "100000000000000001";
const CHANNEL = "300000000000000001";
let next = 500000000000000001n;

const {
  stack,
  platform: discord,
  work,
} = await useChannelE2E({
  channel: "discord",
  platform: () => startDiscord(),
  secret: (platform) => ({
    application_id: platform.applicationId,
    public_key: platform.signer.publicKeyHex,
    bot_token: platform.botToken,
  }),
  mediaBucket: "discord-media",
  env: (platform) => ({ ALLOWED_USERS: ALLOWED, DISCORD_API_URL: platform.url }),
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
