/**
 * Slack with the send ledger on, through the built bundles (signed events into ingress.mjs, SQS events from
 * fauxqs into worker.mjs, DynamoDB = dynalite): a worker that dies between Slack posting a part and the
 * ledger hearing of it leaves that part in flight; the redelivery reads the conversation back (message
 * metadata) and posts the part only if Slack does not have it. Answered twice must be 0.
 */
import { expect, test } from "bun:test";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { agentReply } from "../emulators/agentcore.ts";
import { httpApiEvent } from "../emulators/api-gateway.ts";
import { lambdaContext } from "../emulators/lambda.ts";
import {
  DEFAULT_SIGNING_SECRET,
  DEFAULT_SLACK_TOKEN,
  type SlackReplyScript,
  slackEventCallback,
  slackHeaders,
  slackMentionEvent,
  slackMessageEvent,
  startSlack,
} from "../emulators/slack.ts";
import { useChannelE2E } from "./harness/channel-e2e.ts";

const ALLOWED = "U0HUMAN001";
const CHANNEL = "C0CHANNEL1";
const TABLE = "slack-ledger-lookup";

const e2e = await useChannelE2E({
  channel: "slack",
  secret: { bot_token: DEFAULT_SLACK_TOKEN, signing_secret: DEFAULT_SIGNING_SECRET },
  platform: () => startSlack(),
  queue: { maxReceiveCount: 5 },
  ledger: TABLE,
  env: (platform) => ({ ALLOWED_USERS: ALLOWED, SLACK_API_URL: platform.url }),
});
const { stack, platform: slack, dynamo, ingress } = e2e;

/** Delivers an event, signed; resolves with its envelope id (`slack:<event_id>`). */
async function deliver(event: object): Promise<string> {
  const payload = slackEventCallback(event);
  const raw = JSON.stringify(payload);
  const response = await ingress(
    httpApiEvent({ method: "POST", path: "/slack/events", headers: slackHeaders(raw), body: raw }),
    lambdaContext({ timeoutMs: 10_000 }),
  );
  expect(response.statusCode).toBe(200);
  return `slack:${String(payload.event_id)}`;
}

/**
 * The ledger's item for an envelope, read with the harness's own client (the handlers' module-level client
 * would outlive this file's dynalite and fail later files).
 */
async function ledgerItem(id: string) {
  const { Item } = await dynamo.client.send(
    new GetItemCommand({ TableName: TABLE, Key: { id: { S: id } }, ConsistentRead: true }),
  );
  return {
    delivered: Item?.delivered?.N,
    complete: Item?.complete?.BOOL,
    sending: Item?.sending?.N,
  };
}

/** One invocation of the worker that fails its record (the part is scripted to end badly). */
async function attemptThatFails() {
  const poll = await e2e.pollOnce();
  expect(poll.failed).toHaveLength(1);
}

/** The worker over everything on the queue, as the event source mapping would run it. */
async function work() {
  const result = await e2e.work();
  expect(result.empty).toBe(true);
  expect(await stack.sqs.depth(stack.queue.queueUrl)).toMatchObject({ visible: 0, inFlight: 0 });
}

/** `script` for the `n`-th chat.postMessage from now on. */
function onPost(n: number, script: SlackReplyScript) {
  let posts = 0;
  slack.script("chat.postMessage", script, { when: () => ++posts === n });
}

test("DM: Slack posted the answer but the worker never heard; the redelivery finds it and posts nothing", async () => {
  const id = await deliver(slackMessageEvent({ text: "hello", user: ALLOWED }));
  onPost(1, { lost: true });
  await attemptThatFails();
  expect(slack.sent()).toEqual(["echo: hello"]);
  expect(await ledgerItem(id)).toEqual({ delivered: "0", complete: false, sending: "0" });

  await work();
  expect(slack.sent()).toEqual(["echo: hello"]);
  expect(slack.callsOf("chat.postMessage")).toHaveLength(1);
  expect(slack.callsOf("conversations.history")[0]?.params).toMatchObject({
    channel: "D0DMCHAN01",
    include_all_metadata: "true",
  });
  expect(stack.agentcore.invocations()).toHaveLength(1);
  expect(await ledgerItem(id)).toEqual({ delivered: "1", complete: true, sending: undefined });
});

test("a mention's thread: found with conversations.replies, nothing posted again", async () => {
  const mention = slackMentionEvent({ text: "in a thread", user: ALLOWED, channel: CHANNEL });
  await deliver(mention);
  onPost(1, { lost: true });
  await attemptThatFails();
  await work();
  expect(slack.sent(CHANNEL, mention.ts)).toEqual(["echo: in a thread"]);
  expect(slack.callsOf("chat.postMessage")).toHaveLength(1);
  expect(slack.callsOf("conversations.replies").at(-1)?.params).toMatchObject({
    channel: CHANNEL,
    ts: mention.ts,
    include_all_metadata: "true",
  });
});

test("the reverse: the connection dropped before Slack took the part; the redelivery posts it, once", async () => {
  const mention = slackMentionEvent({ text: "never arrived", user: ALLOWED, channel: CHANNEL });
  await deliver(mention);
  onPost(1, { destroy: true });
  await attemptThatFails();
  expect(slack.sent()).toEqual([]);
  await work();
  expect(slack.sent(CHANNEL, mention.ts)).toEqual(["echo: never arrived"]);
  expect(slack.callsOf("conversations.replies").length).toBeGreaterThan(0);
  expect(stack.agentcore.invocations()).toHaveLength(1);
});

test("a long answer whose second part was lost: every part exactly once, in order", async () => {
  const long = Array.from({ length: 3 }, (_, i) => `Part ${i + 1}. ${"lorem ipsum ".repeat(300)}`).join(
    "\n\n",
  );
  stack.agentcore.script(agentReply.json({ response: long }));
  const mention = slackMentionEvent({ text: "a long one", user: ALLOWED, channel: CHANNEL });
  await deliver(mention);
  onPost(2, { lost: true });
  await attemptThatFails();
  expect(slack.sent()).toHaveLength(2);
  await work();
  const parts = slack.sent(CHANNEL, mention.ts);
  expect(parts).toHaveLength(3);
  expect(parts.map((text) => text.slice(0, 7))).toEqual(["Part 1.", "Part 2.", "Part 3."]);
  expect(slack.messages.map((m) => m.metadata?.event_payload.part)).toEqual([0, 1, 2]);
  expect(stack.agentcore.invocations()).toHaveLength(1);
});
