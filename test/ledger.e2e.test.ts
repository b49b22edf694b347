/**
 * Idempotent replies through the built Telegram bundles with the send ledger on (LEDGER_TABLE,
 * DynamoDB = dynalite in memory): a record delivered again after its reply went out never
 * produces a second reply, and a reply cut short by a platform failure resumes where it stopped,
 * without asking the agent again.
 */
import { expect, test } from "bun:test";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { ASSUMPTIONS } from "../bench/cost.ts";
import { agentReply } from "../emulators/agentcore.ts";
import { httpApiEvent } from "../emulators/api-gateway.ts";
import { lambdaContext, pollSqsOnce, type WorkerHandler } from "../emulators/lambda.ts";
import { DEFAULT_TELEGRAM_TOKEN, telegramErrors, telegramTextUpdate } from "../emulators/telegram.ts";
import { sessionId } from "../handlers/core/agent/session-id.ts";
import { loadBundle } from "./harness/bundles.ts";
import { useChannelE2E } from "./harness/channel-e2e.ts";
import { setEnv } from "./harness/env.ts";

const SECRET = "ledger-webhook-secret";
const SESSION_KEY = "ledger-test-session-key-0123456789abcdef";
const USER = 1001;
const { stack, dynamo, ingress, worker, work, pollOnce } = await useChannelE2E({
  channel: "telegram",
  secret: { bot_token: DEFAULT_TELEGRAM_TOKEN, webhook_secret: SECRET, session_key: SESSION_KEY },
  ledger: "relay-ledger",
  env: () => ({ ALLOWED_USERS: "*" }),
});
let updateId = 9000;

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

const texts = () => stack.telegram.messages.map((m) => ("text" in m ? m.text : ""));

test("redelivered after the reply was sent (the function died before SQS heard back): no second reply", async () => {
  await deliver("once, please");
  // The worker answers, then the invocation fails as a timeout would: the record stays on the queue.
  const first = await pollSqsOnce(stack.sqs, stack.queue.queueUrl, stack.queue.queueArn, async (event) => {
    await worker(event, lambdaContext({ timeoutMs: 30_000 }));
    throw new Error("Task timed out after 30.00 seconds");
  });
  expect(first.failed).toHaveLength(1);
  expect(texts()).toEqual(["echo: once, please"]);

  await work();
  expect(texts()).toEqual(["echo: once, please"]);
  expect(stack.agentcore.invocations()).toHaveLength(1);
  expect(await stack.sqs.depth(stack.queue.queueUrl)).toMatchObject({ visible: 0, inFlight: 0 });
});

test("one message of one part makes the DynamoDB requests the cost model counts (bench/cost.ts)", async () => {
  await deliver("how much?");
  dynamo.resetOperations();
  await work();
  expect(texts()).toEqual(["echo: how much?"]);
  const operations = dynamo.operations();
  // The ledger entry and the session read; the contact, the answer with its first part in flight, and
  // the completion with the part count written.
  expect(operations.toSorted()).toEqual(["GetItem", "GetItem", "UpdateItem", "UpdateItem", "UpdateItem"]);
  expect(operations).toHaveLength(ASSUMPTIONS.ledgerCallsPerMessage);
});

test("a reply cut short by a platform failure resumes with the missing chunks, the agent asked once", async () => {
  const long = Array.from({ length: 3 }, (_, i) => `Part ${i + 1}. ${"lorem ipsum ".repeat(330)}`).join(
    "\n\n",
  );
  stack.agentcore.script(agentReply.json({ response: long }));
  let sends = 0;
  stack.telegram.script("sendMessage", telegramErrors.serverError(502, "Bad Gateway"), {
    when: () => ++sends === 2,
  });
  await deliver("long answer");

  await work();
  expect(stack.agentcore.invocations()).toHaveLength(1);
  const delivered = texts();
  expect(delivered.length).toBeGreaterThanOrEqual(3);
  expect(new Set(delivered).size).toBe(delivered.length); // nothing twice
  expect(delivered[0]).toStartWith("Part 1.");
  expect(delivered.at(-1)).toContain("Part 3.");
});

test("without a reachable ledger the message is kept (retried), not answered blind", async () => {
  const local = setEnv({ AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:9" });
  try {
    const blind = (await loadBundle<{ handler: WorkerHandler }>("modules/telegram/dist/worker.mjs")).handler;
    await deliver("ledger down");
    const poll = await pollSqsOnce(
      stack.sqs,
      stack.queue.queueUrl,
      stack.queue.queueArn,
      (e) => blind(e, lambdaContext()) as never,
    );
    expect(poll.failed).toHaveLength(1);
    expect(stack.agentcore.invocations()).toHaveLength(0);
  } finally {
    local();
  }
  await work();
  expect(texts()).toEqual(["echo: ledger down"]);
});

test("a send that hangs is cut off before Lambda's timeout: the invocation returns, the chunk is known in flight", async () => {
  stack.telegram.script("sendMessage", { ...telegramErrors.serverError(502, "Bad Gateway"), delayMs: 6_000 });
  await deliver("slow platform");
  // A 3 s function: the poll ends the invocation at 3 s, as Lambda would, unless the worker returns first.
  const first = await pollOnce({ timeoutMs: 3_000 });
  // Returned by itself, before the timeout, with the record given back for a retry.
  expect(first.batchFailure).toBeUndefined();
  expect(first.failed).toHaveLength(1);
  // The ledger item (read with the test's own client: the handlers' one belongs to the bundle).
  const { Item } = await dynamo.client.send(
    new GetItemCommand({ TableName: "relay-ledger", Key: { id: { S: `telegram:${updateId}` } } }),
  );
  expect(Item?.sending?.N).toBe("0");

  await work();
  expect(texts()).toEqual(["echo: slow platform"]);
  expect(stack.agentcore.invocations()).toHaveLength(1);
});

test("/new ends the session and the conversation goes on in a new one, with a new session id (keyed)", async () => {
  await deliver("before");
  await work();
  await deliver("/new");
  await work();
  await deliver("after");
  await work();
  await deliver("still after");
  await work();
  const [before, after, stillAfter] = stack.agentcore.invocations().map((call) => call.sessionId);
  expect(stack.agentcore.stoppedSessions).toEqual([before as string]);
  expect(after).toMatch(/^telegram-[0-9a-f]{64}$/);
  expect(after).not.toBe(before);
  expect(stillAfter).toBe(after as string);
  // Derived with the secret's session_key: HMAC-SHA256, not the plain hash anyone could compute.
  const chat = { channel: "telegram", conversation: String(USER), user: { id: String(USER) } };
  const keyed = { scope: "conversation", key: SESSION_KEY } as const;
  expect(before).toBe(sessionId(chat, 0, keyed));
  expect(after).toBe(sessionId(chat, 1, keyed));
});
