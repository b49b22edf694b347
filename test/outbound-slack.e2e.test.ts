/**
 * Messages the agent starts on Slack, through the built worker bundle: the typed client puts them on the
 * send queue (fauxqs), the worker posts them with chat.postMessage (Slack emulator) to a channel an allowed
 * user talked in, once per idempotency key (the send ledger on dynalite); a channel nobody allowed talked
 * in is refused.
 */
import { afterAll, expect, test } from "bun:test";
import { drain } from "../emulators/lambda.ts";
import { DEFAULT_SIGNING_SECRET, DEFAULT_SLACK_TOKEN, slackTs, startSlack } from "../emulators/slack.ts";
import { sendOutbound } from "../handlers/core/outbound/client.ts";
import { useChannelE2E } from "./harness/channel-e2e.ts";
import { setEnv } from "./harness/env.ts";

const ALLOWED = "U0HUMAN001";
const DM = "D0DMCHAN01";
const STRANGERS = "C0STRANGE1";

const {
  stack,
  platform: slack,
  worker,
  work,
} = await useChannelE2E({
  channel: "slack",
  secret: { bot_token: DEFAULT_SLACK_TOKEN, signing_secret: DEFAULT_SIGNING_SECRET },
  platform: () => startSlack(),
  ledger: "slack-outbound-ledger",
  env: (platform) => ({ ALLOWED_USERS: ALLOWED, SLACK_API_URL: platform.url, STREAM_REPLIES: "false" }),
});
const send = await stack.sqs.createFifoPair("slack-send");
const restore = setEnv({
  SEND_QUEUE_URL: send.queueUrl,
  SEND_QUEUE_ARN: send.queueArn,
  SEND_DLQ_URL: send.dlqUrl,
});
afterAll(() => restore());

const start = (conversation: string, text: string, idempotencyKey: string, thread?: string) =>
  sendOutbound(
    send.queueUrl,
    { channel: "slack", conversation, text, idempotencyKey, ...(thread ? { thread } : {}) },
    { client: stack.sqs.client },
  );
const deliver = () => drain(stack.sqs, send.queueUrl, send.queueArn, worker);

test("to a DM an allowed user wrote in, once per key, in a thread when given; a stranger's channel is refused", async () => {
  await start(DM, "too early", "s-0");
  await start(STRANGERS, "hello strangers", "s-s");
  await deliver();
  expect(slack.sent(DM)).toEqual([]);
  expect(slack.sent(STRANGERS)).toEqual([]);

  // The allowed user writes in the DM (the envelope as the ingress queues it) and is answered.
  const ts = slackTs();
  const envelope = {
    v: 1,
    channel: "slack",
    eventId: "Ev0OUTBOUND1",
    conversation: DM,
    user: { id: ALLOWED },
    text: "ping me when it is done",
    attachments: [],
    reply: { channel: DM, ts, assistant: false, user: ALLOWED, team: "T0TEAM0001" },
    receivedAt: Date.now(),
  };
  await stack.sqs.send(stack.queue.queueUrl, JSON.stringify(envelope), {
    groupId: `slack:${DM}`,
    dedupId: "e-1",
  });
  await work();
  expect(slack.sent(DM)).toEqual(["echo: ping me when it is done"]);

  await start(DM, "It is **done**.", "s-1");
  await stack.sqs.send(
    send.queueUrl,
    JSON.stringify({ channel: "slack", conversation: DM, text: "It is **done**.", idempotencyKey: "s-1" }),
    { groupId: `slack:${DM}`, dedupId: "later" },
  );
  await start(DM, "In the thread.", "s-2", ts);
  await deliver();
  expect(slack.sent(DM)).toEqual(["echo: ping me when it is done", "It is *done*.", "In the thread."]);
  expect(slack.sent(DM, ts)).toEqual(["In the thread."]);
  expect((await stack.sqs.depth(send.dlqUrl)).visible).toBe(0);
});
