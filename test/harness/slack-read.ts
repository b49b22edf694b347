import type { FakeSlack, SlackPosted } from "../../emulators/slack.ts";
import { markdownToSlackMrkdwn } from "../../handlers/slack/format.ts";

/** Calls that set a message's text, and the stream calls among them (their text is Markdown). */
const WRITES = new Set([
  "chat.postMessage",
  "chat.update",
  "chat.startStream",
  "chat.appendStream",
  "chat.stopStream",
]);
const STREAMS = new Set(["chat.startStream", "chat.appendStream", "chat.stopStream"]);

/**
 * The bot's messages (in `channel`, else all) as the user reads them, in mrkdwn: a message a stream wrote
 * last shows Markdown (Slack renders it), read as the mrkdwn our worker renders from that Markdown (its
 * mention breaks taken out) — so a stream ended with a part's Markdown reads as that part, and one left
 * with its first words does not.
 */
export function readSlack(fake: FakeSlack, channel?: string): string[] {
  const streamedLast = (message: SlackPosted) => {
    const last = fake.calls
      .filter((c) => WRITES.has(c.method) && (c.response?.body as { ok?: boolean } | undefined)?.ok === true)
      .filter((c) => (c.params.ts ?? ((c.response?.body ?? {}) as { ts?: string }).ts) === message.ts)
      .at(-1);
    return last !== undefined && STREAMS.has(last.method);
  };
  return fake.messages
    .filter((m) => channel === undefined || m.channel === channel)
    .map((m) => (streamedLast(m) ? markdownToSlackMrkdwn(m.text.replaceAll("\u200B", "")) : m.text));
}
