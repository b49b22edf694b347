/**
 * Files users share on Slack, end to end through the built bundles: the worker downloads each file's
 * `url_private_download` with the bot token (files:read), stores it on fauxqs' S3 and the agent gets a
 * presigned URL; Slack's login page (an app without files:read) and a file from another workspace (no
 * URL) reach the agent as `skipped: "not available"`, the text answered either way. Files the agent sends
 * back are uploaded the way Slack asks (files.getUploadURLExternal, the bytes to the upload URL,
 * files.completeUploadExternal) into the same thread, after the streamed text.
 */
import { describe, expect, test } from "bun:test";
import type { GenericMessageEvent } from "@slack/types";
import { agentReply } from "../emulators/agentcore.ts";
import { httpApiEvent } from "../emulators/api-gateway.ts";
import { lambdaContext } from "../emulators/lambda.ts";
import {
  DEFAULT_SIGNING_SECRET,
  DEFAULT_SLACK_TOKEN,
  slackErrors,
  slackEventCallback,
  slackHeaders,
  slackMessageEvent,
  startSlack,
} from "../emulators/slack.ts";
import { TINY_PNG } from "../emulators/web.ts";
import { useChannelE2E } from "./harness/channel-e2e.ts";
import { agentAttachments } from "./harness/media.ts";

const ALLOWED = "U0HUMAN001";

const {
  stack,
  platform: slack,
  ingress,
  work,
} = await useChannelE2E({
  channel: "slack",
  secret: { bot_token: DEFAULT_SLACK_TOKEN, signing_secret: DEFAULT_SIGNING_SECRET },
  platform: () => startSlack(),
  mediaBucket: "slack-media",
  env: (platform) => ({ ALLOWED_USERS: ALLOWED, SLACK_API_URL: platform.url }),
});

type SlackFile = NonNullable<GenericMessageEvent["files"]>[number];

async function share(text: string, files: Partial<SlackFile>[]) {
  const event = slackMessageEvent({
    text,
    user: ALLOWED,
    subtype: "file_share",
    files: files as SlackFile[],
  });
  const raw = JSON.stringify(slackEventCallback(event));
  const response = await ingress(
    httpApiEvent({ method: "POST", path: "/slack/events", headers: slackHeaders(raw), body: raw }),
    lambdaContext({ timeoutMs: 10_000 }),
  );
  expect(response.statusCode).toBe(200);
}

/** A file on the emulated Slack, as a message's `files[]` entry refers to it. */
function shared(
  bytes: string,
  fields: Partial<SlackFile>,
  options: { loginPage?: boolean } = {},
): Partial<SlackFile> {
  const file = slack.files.add(bytes, { contentType: "application/octet-stream", ...options });
  return {
    id: file.id,
    size: file.bytes.byteLength,
    url_private_download: slack.fileUrl(file.id),
    ...fields,
  };
}

const attachments = () => agentAttachments(stack);

describe("files users share on Slack reach the agent", () => {
  test("downloaded with the bot token, typed as Slack states, presigned for the agent", async () => {
    await share("look", [shared("PNG fake image!", { name: "chart.png", mimetype: "image/png" })]);
    await work();
    const [attachment] = attachments();
    expect(attachment).toMatchObject({ kind: "image", name: "chart.png", mime: "image/png", size: 15 });
    expect(await (await fetch(String(attachment?.url))).text()).toBe("PNG fake image!");
    expect(slack.files.downloads.map((d) => [d.status, d.authorization])).toEqual([
      [200, `Bearer ${DEFAULT_SLACK_TOKEN}`],
    ]);
    expect(slack.sent()).toEqual(["echo: look"]);
  });

  test("Slack's login page (no files:read) and a file from another workspace: not available, text answered", async () => {
    await share("two files", [
      shared("", { name: "secret.pdf", mimetype: "application/pdf" }, { loginPage: true }),
      { id: "F0CONNECT1", name: "external.txt", mimetype: "text/plain" },
    ]);
    await work();
    expect(attachments()).toEqual([
      expect.objectContaining({ name: "secret.pdf", skipped: "not available" }),
      expect.objectContaining({ name: "external.txt", skipped: "not available" }),
    ]);
    expect(slack.sent()).toEqual(["echo: two files"]);
  });
});

describe("files the agent sends are shared in the thread", () => {
  const png = Buffer.from(TINY_PNG).toString("base64");

  test("streamed text, then each file uploaded to the upload URL and completed in the same thread", async () => {
    stack.agentcore.script(
      agentReply.sseJson([
        "Here is ",
        "the chart.",
        { attachments: [{ base64: png, mime: "image/png", name: "chart.png", caption: "Q3" }] },
      ]),
    );
    await share("chart please", []);
    await work();
    const [request] = slack.callsOf("files.getUploadURLExternal");
    expect(request?.params).toEqual({ filename: "chart.png", length: String(TINY_PNG.byteLength) });
    const [complete] = slack.callsOf("files.completeUploadExternal");
    const text = slack.messages.find((m) => m.files === undefined);
    expect(text?.text).toBe("Here is the chart.");
    const shared = slack.messages.find((m) => m.files !== undefined);
    expect(shared?.thread_ts).toBe(text?.thread_ts);
    expect(shared).toMatchObject({
      channel: text?.channel,
      text: "Q3",
      files: [{ name: "chart.png", mimetype: "image/png", size: TINY_PNG.byteLength }],
    });
    expect(complete?.params).toMatchObject({ channel_id: text?.channel });
    expect(complete?.params.thread_ts).toBe(text?.thread_ts);
    expect([...(slack.files.get(String(shared?.files?.[0]?.id))?.bytes ?? [])]).toEqual([...TINY_PNG]);
    // The text went first.
    expect(slack.messages.indexOf(text as never)).toBeLessThan(slack.messages.indexOf(shared as never));
  });

  test("an app without files:write: the file is said in its place, the answer is not lost", async () => {
    slack.script("files.getUploadURLExternal", slackErrors.error("missing_scope"));
    stack.agentcore.script(
      agentReply.json({ text: "A file:", attachments: [{ base64: png, mime: "image/png", name: "x.png" }] }),
    );
    await share("file please", []);
    await work();
    expect(slack.sent()).toEqual(["A file:", "(x.png: not sent, the platform refused it)"]);
  });
});
