import {
  DEFAULT_SIGNING_SECRET,
  DEFAULT_SLACK_TOKEN,
  slackEventCallback,
  slackHeaders,
  slackMessageEvent,
  startSlack,
} from "../../emulators/slack.ts";
import { safeHtml } from "./html.ts";
import type { DevChannel, UiEvent } from "./types.ts";

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
 * Slack in the emulator: the page's messages are direct messages to the bot (message.im event
 * callbacks signed with the app's signing secret); the reply, the 👀 reaction or the assistant
 * status show as Slack shows them.
 */
export const slackDev: DevChannel = {
  name: "slack",
  title: "Slack",
  routes: ["/slack/events"],
  async start() {
    const fake = await startSlack();
    let seen = 0;
    return {
      secret: { bot_token: DEFAULT_SLACK_TOKEN, signing_secret: DEFAULT_SIGNING_SECRET },
      env: { SLACK_API_URL: fake.url },
      user: { id: "U01001", name: "You" },
      async deliver(text, user, ingressBase) {
        // Each user writes in their own DM with the bot (Slack's DM ids start with D).
        const channel = `D${user.id.slice(1)}`;
        const payload = slackEventCallback(slackMessageEvent({ text, user: user.id, channel }));
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
        const events: UiEvent[] = [];
        for (const call of fake.calls.slice(seen)) {
          const ok = (call.response?.body as { ok?: boolean } | undefined)?.ok === true;
          if (!ok) continue;
          if (call.method === "chat.postMessage") {
            const ts = (call.response?.body as { ts?: string } | undefined)?.ts;
            events.push({
              channel: "slack",
              kind: "message",
              id: ts,
              html: mrkdwnHtml(String(call.params.text ?? "")),
              at: call.at,
            });
          } else if (call.method === "assistant.threads.setStatus" && call.params.status) {
            events.push({ channel: "slack", kind: "typing", at: call.at });
          } else if (call.method === "reactions.add") {
            events.push({ channel: "slack", kind: "typing", at: call.at });
          }
        }
        seen = fake.calls.length;
        return events;
      },
      close: () => fake.close(),
    };
  },
};
