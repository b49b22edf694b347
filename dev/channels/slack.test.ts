import { afterAll, beforeAll, expect, test } from "bun:test";
import { DEFAULT_SLACK_TOKEN, type FakeSlack, startSlack } from "../../emulators/slack.ts";
import { slackApi } from "../../handlers/slack/api.ts";
import { slackUiEvents } from "./slack.ts";

let fake: FakeSlack;
beforeAll(async () => {
  fake = await startSlack();
});
afterAll(() => fake.close());

test("a stream shows its whole Markdown at each append, then its final mrkdwn in place; a deleted message goes", async () => {
  const call = slackApi(DEFAULT_SLACK_TOKEN, fake.url);
  const where = { channel: "D0DMCHAN01" };
  const { ts } = await call<{ ts: string }>("chat.startStream", {
    ...where,
    thread_ts: "1700000000.000100",
    markdown_text: "Hello **wor",
  });
  await call("chat.appendStream", { ...where, ts, markdown_text: "ld**" });
  await call("chat.stopStream", { ...where, ts });
  await call("chat.update", { ...where, ts, text: "Hello *world*" });
  const other = await call<{ ts: string }>("chat.postMessage", { ...where, text: "extra" });
  await call("chat.delete", { ...where, ts: other.ts });
  const streams = new Map<string, string>();
  // Drained in two halves: a stream's text carries over.
  const events = [
    ...slackUiEvents(fake.calls.slice(0, 2), streams),
    ...slackUiEvents(fake.calls.slice(2), streams),
  ].map(({ kind, id, html }) => ({ kind, id, html }));
  expect(events).toEqual([
    { kind: "stream", id: ts, html: "Hello **wor" },
    { kind: "stream", id: ts, html: "Hello <b>world</b>" },
    { kind: "stream", id: ts, html: "Hello <b>world</b>" },
    { kind: "edit", id: ts, html: "Hello <b>world</b>" },
    { kind: "message", id: other.ts, html: "extra" },
    { kind: "delete", id: other.ts, html: undefined },
  ]);
});
