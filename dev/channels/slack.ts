import type { SlackCall } from "../../emulators/slack.ts";
import {
  DEFAULT_SIGNING_SECRET,
  DEFAULT_SLACK_TOKEN,
  slackEventCallback,
  slackHeaders,
  slackMessageEvent,
  slackTs,
  startSlack,
} from "../../emulators/slack.ts";
import { fileHtml } from "./files.ts";
import { escapeHtml, safeHtml } from "./html.ts";
import { markdownHtml } from "./markdown-html.ts";
import { type DevChannel, devFileBytes, type UiEvent } from "./types.ts";

/** Slack mrkdwn (already entity-escaped by the sender) → safe HTML for the page. */
export function mrkdwnHtml(text: string): string {
  const html = text
    .replace(/```([\s\S]*?)```/g, (_, code: string) => `<pre>${code}</pre>`)
    .replace(/`([^`\n]+)`/g, "<code>$1</code>")
    .replace(/(^|[\s(])\*([^*\n]+)\*(?=[\s).,!?:;]|$)/gm, "$1<b>$2</b>")
    .replace(/(^|[\s(])_([^_\n]+)_(?=[\s).,!?:;]|$)/gm, "$1<i>$2</i>")
    .replace(/(^|[\s(])~([^~\n]+)~(?=[\s).,!?:;]|$)/gm, "$1<s>$2</s>")
    .replace(/&lt;(https?:\/\/[^|&]+)\|([^&]+)&gt;|<(https?:\/\/[^|>]+)\|([^>]+)>/g, (_, u1, t1, u2, t2) => {
      return `<a href="${u1 ?? u2}">${t1 ?? t2}</a>`;
    })
    .replace(/^&gt; ?(.*)$/gm, "<blockquote>$1</blockquote>");
  return safeHtml(html);
}

/**
 * The page's events for the bot's Web API calls since `from`: a message posted, a stream growing (the
 * whole Markdown so far, as Slack shows it while it streams), a message updated (its final mrkdwn, or an
 * update of a message growing by edits), a message deleted, the progress indicator, files shared (`file`
 * gives a shared file's bytes by id). `streams` keeps each stream's text across drains.
 */
export function slackUiEvents(
  calls: readonly SlackCall[],
  streams: Map<string, string>,
  file?: (id: string) => { bytes: Uint8Array; contentType: string } | undefined,
): UiEvent[] {
  const events: UiEvent[] = [];
  let to: string | undefined;
  const ui = (kind: UiEvent["kind"], at: number, id?: string, html?: string) =>
    events.push({
      channel: "slack",
      kind,
      at,
      ...(id === undefined ? {} : { id }),
      ...(html === undefined ? {} : { html }),
      ...(to === undefined ? {} : { to }),
    });
  for (const call of calls) {
    // The emulator's DMs are D + the member id without its U (slackDev.deliver).
    const channel = String(call.params.channel ?? call.params.channel_id ?? "");
    to = channel.startsWith("D") ? `U${channel.slice(1)}` : undefined;
    const body = call.response?.body as { ok?: boolean; ts?: string } | undefined;
    if (body?.ok !== true) continue;
    const ts = String(call.params.ts ?? body.ts);
    const markdown = String(call.params.markdown_text ?? "");
    switch (call.method) {
      case "chat.postMessage":
        ui("message", call.at, body.ts, mrkdwnHtml(String(call.params.text ?? "")));
        break;
      case "files.completeUploadExternal": {
        // The shared files, as the message that shows them (their bytes: `file` on the fake's shelf).
        const shared = (body as { files?: { id: string; title?: string }[] }).files ?? [];
        const caption =
          call.params.initial_comment === undefined ? undefined : String(call.params.initial_comment);
        const html = shared
          .map((f) => {
            const stored = file?.(f.id);
            return fileHtml({
              name: f.title,
              mime: stored?.contentType ?? "application/octet-stream",
              bytes: stored?.bytes,
            });
          })
          .join("<br>");
        ui("message", call.at, shared[0]?.id, caption ? `${html}<br>${escapeHtml(caption)}` : html);
        break;
      }
      case "chat.startStream":
      case "chat.appendStream":
      case "chat.stopStream": {
        const text = (call.method === "chat.startStream" ? "" : (streams.get(ts) ?? "")) + markdown;
        streams.set(ts, text);
        ui("stream", call.at, ts, markdownHtml(text));
        break;
      }
      case "chat.update":
        streams.delete(ts);
        ui("edit", call.at, ts, mrkdwnHtml(String(call.params.text ?? "")));
        break;
      case "chat.delete":
        ui("delete", call.at, ts);
        break;
      case "assistant.threads.setStatus":
        if (call.params.status) ui("typing", call.at);
        break;
      case "reactions.add":
        ui("typing", call.at);
        break;
    }
  }
  return events;
}

/**
 * Slack in the emulator: the page's messages are direct messages to the bot in one thread of the user's
 * DM (the assistant container, where Slack streams answers), as message.im event callbacks signed with the
 * app's signing secret; the reply, its stream, the assistant status show as Slack shows them.
 */
export const slackDev: DevChannel = {
  name: "slack",
  title: "Slack",
  routes: ["/slack/events"],
  async start() {
    const fake = await startSlack();
    const thread = slackTs();
    const streams = new Map<string, string>();
    let seen = 0;
    return {
      secret: { bot_token: DEFAULT_SLACK_TOKEN, signing_secret: DEFAULT_SIGNING_SECRET },
      env: { SLACK_API_URL: fake.url },
      user: { id: "U01001", name: "You" },
      stranger: { id: "U02002", name: "Stranger" },
      files: true,
      async deliver(text, user, ingressBase, file) {
        // Each user writes in their own DM with the bot (Slack's DM ids start with D), in one thread of it.
        const channel = `D${user.id.slice(1)}`;
        // A file: shared as Slack shares it (file_share, its private download URL on the fake).
        const stored = file && fake.files.add(devFileBytes(file), { contentType: file.mime });
        const files = stored && [
          {
            id: stored.id,
            name: file.name,
            mimetype: file.mime,
            size: stored.bytes.byteLength,
            url_private_download: fake.fileUrl(stored.id),
          },
        ];
        const payload = slackEventCallback(
          slackMessageEvent({
            text,
            user: user.id,
            channel,
            threadTs: thread,
            ...(files ? { subtype: "file_share", files: files as never } : {}),
          }),
        );
        const envelopeId = `slack:${payload.event_id}`;
        const body = JSON.stringify(payload);
        const response = await fetch(`${ingressBase}/slack/events`, {
          method: "POST",
          headers: { ...slackHeaders(body), "x-dev-envelope-id": envelopeId },
          body,
        });
        return { status: response.status, envelopeId };
      },
      drain() {
        const events = slackUiEvents(fake.calls.slice(seen), streams, (id) => fake.files.get(id));
        seen = fake.calls.length;
        return events;
      },
      close: () => fake.close(),
    };
  },
};
