/**
 * Messages the agent starts, end to end through the built Telegram worker: the typed client
 * (handlers/core/outbound/client.ts) puts them on a send queue in fauxqs with the real SDK, the worker
 * bundle takes them as the send queue's event source mapping would run it, the send ledger is on
 * dynalite, and the answers go to the Telegram emulator.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { SQSClient } from "@aws-sdk/client-sqs";
import { httpApiEvent } from "../emulators/api-gateway.ts";
import { drain, lambdaContext } from "../emulators/lambda.ts";
import { DEFAULT_TELEGRAM_TOKEN, telegramTextUpdate } from "../emulators/telegram.ts";
import { sendOutbound } from "../handlers/core/outbound/client.ts";
import { useChannelE2E } from "./harness/channel-e2e.ts";
import { setEnv } from "./harness/env.ts";

const WEBHOOK_SECRET = "webhook-secret_0123456789";
const ALLOWED = 1001;
const GROUP = -1001234567890;

const { stack, worker, ingress, work } = await useChannelE2E({
  channel: "telegram",
  secret: { bot_token: DEFAULT_TELEGRAM_TOKEN, webhook_secret: WEBHOOK_SECRET },
  telegram: { botUsername: "RelayBot" },
  ledger: "relay-ledger",
  env: () => ({ ALLOWED_USERS: String(ALLOWED), STREAM_REPLIES: "false" }),
});
// The send queue, as the module makes it beside the main queue; the worker reads its settings on first use.
const send = await stack.sqs.createFifoPair("telegram-send");
const restore = setEnv({
  SEND_QUEUE_URL: send.queueUrl,
  SEND_QUEUE_ARN: send.queueArn,
  SEND_DLQ_URL: send.dlqUrl,
});
afterAll(() => restore());
const client = new SQSClient({
  region: stack.sqs.region,
  endpoint: stack.sqs.endpoint,
  credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake-secret" },
});
const deliver = () => drain(stack.sqs, send.queueUrl, send.queueArn, worker);

describe("messages the agent starts", () => {
  test("delivered to the conversation like an answer; the same idempotency key twice is delivered once", async () => {
    const message = {
      channel: "telegram",
      conversation: String(ALLOWED),
      text: "Your **report** is ready.",
      idempotencyKey: "report-42",
    };
    await sendOutbound(send.queueUrl, message, { client });
    // A caller's retry after SQS's five minutes (another deduplication id): the ledger stops it.
    await stack.sqs.send(send.queueUrl, JSON.stringify(message), {
      groupId: `telegram:${ALLOWED}`,
      dedupId: "later",
    });
    await deliver();
    expect(stack.telegram.sent(ALLOWED)).toEqual(["Your <b>report</b> is ready."]);
    expect(stack.telegram.callsOf("sendMessage")[0]?.params).toMatchObject({
      chat_id: ALLOWED,
      parse_mode: "HTML",
    });
    expect(stack.telegram.callsOf("sendChatAction")).toEqual([]);
  });

  test("its attachments go after the text, each once: a redelivered message sends neither again", async () => {
    const message = {
      channel: "telegram",
      conversation: String(ALLOWED),
      text: "The chart:",
      attachments: [
        { base64: Buffer.from("%PDF-1.7").toString("base64"), mime: "application/pdf", name: "c.pdf" },
      ],
      idempotencyKey: "chart-7",
    };
    await sendOutbound(send.queueUrl, message, { client });
    await stack.sqs.send(send.queueUrl, JSON.stringify(message), {
      groupId: `telegram:${ALLOWED}`,
      dedupId: "again",
    });
    await deliver();
    expect(stack.telegram.sent(ALLOWED)).toEqual(["The chart:"]);
    const documents = stack.telegram.callsOf("sendDocument");
    expect(documents.map((c) => c.params.document)).toMatchObject([
      { filename: "c.pdf", type: "application/pdf" },
    ]);
  });

  test("a bad message goes to the DLQ with its reason and does not hold up the conversation", async () => {
    const group = { groupId: `telegram:${ALLOWED}` };
    await stack.sqs.send(send.queueUrl, JSON.stringify({ channel: "telegram", text: "no key" }), group);
    await sendOutbound(
      send.queueUrl,
      { channel: "telegram", conversation: String(ALLOWED), text: "after it", idempotencyKey: "k2" },
      { client },
    );
    const result = await deliver();
    expect(result.invocations).toBeLessThanOrEqual(2);
    expect(stack.telegram.sent(ALLOWED)).toEqual(["after it"]);
    const dead = await stack.sqs.receiveAll(send.dlqUrl);
    expect(dead.map((m) => [m.Body, m.MessageAttributes?.reason?.StringValue])).toEqual([
      [
        JSON.stringify({ channel: "telegram", text: "no key" }),
        'conversation: Invalid key: Expected "conversation" but received undefined',
      ],
    ]);
  });

  test("the client refuses what the worker would, before anything is sent", async () => {
    const bad = { channel: "telegram", conversation: "1", text: "x", idempotencyKey: "" };
    await expect(sendOutbound(send.queueUrl, bad, { client })).rejects.toThrow(/idempotencyKey/);
    expect((await stack.sqs.depth(send.queueUrl)).visible).toBe(0);
  });

  test("only where an allowed user talked to the agent: a stranger's group is refused, then allowed", async () => {
    const toGroup = (key: string) =>
      sendOutbound(
        send.queueUrl,
        { channel: "telegram", conversation: String(GROUP), text: "news", idempotencyKey: key },
        { client },
      );
    await toGroup("n1");
    await deliver();
    expect(stack.telegram.sent(GROUP)).toEqual([]);

    // An allowed user talks to the bot in the group: from then on the agent may write there.
    const update = telegramTextUpdate({
      text: "@RelayBot hi",
      updateId: 9001,
      messageId: 9001,
      chatId: GROUP,
    });
    update.message = { ...update.message, entities: [{ type: "mention", offset: 0, length: 9 }] } as never;
    const response = await ingress(
      httpApiEvent({
        method: "POST",
        path: "/telegram",
        headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": WEBHOOK_SECRET },
        body: JSON.stringify(update),
      }),
      lambdaContext({ timeoutMs: 10_000 }),
    );
    expect(response.statusCode).toBe(200);
    await work();
    expect(stack.telegram.sent(GROUP)).toHaveLength(1);
    await toGroup("n2");
    await deliver();
    expect(stack.telegram.sent(GROUP).at(-1)).toBe("news");
    // No quote of a user's message: there is none.
    expect(stack.telegram.callsOf("sendMessage").at(-1)?.params).not.toHaveProperty("reply_parameters");
  });
});
