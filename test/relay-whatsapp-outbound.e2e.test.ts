/**
 * Messages the agent starts on WhatsApp personal, end to end: the typed client puts them on the
 * WhatsApp-personal send queue (fauxqs), the built worker bundle (modules/whatsapp-personal/dist/worker.mjs,
 * its send ledger on dynalite) checks the access rule and queues them for the relay, and the real relay
 * sends them through the WhatsApp session (a fake socket speaking Baileys' shapes). A stranger's chat is
 * refused; the same idempotency key twice is sent once.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import type { SQSEvent } from "aws-lambda";
import { FAKE_AGENT_RUNTIME_ARN, type FakeAgentCore, startAgentCore } from "../emulators/agentcore.ts";
import { awsTestEnv } from "../emulators/aws-env.ts";
import { drain } from "../emulators/lambda.ts";
import { type FifoPair, type LocalSqs, startSqs } from "../emulators/sqs.ts";
import { sendOutbound } from "../handlers/core/outbound/client.ts";
import { type Relay, startRelay } from "../relay/start.ts";
import { eventually } from "../relay/testing.ts";
import { FakeWhatsApp, waText } from "../relay/whatsapp/testing.ts";
import { loadBundle } from "./harness/bundles.ts";
import { type LocalDynamo, startDynamo } from "./harness/dynamodb.ts";
import { setEnv } from "./harness/env.ts";

type WorkerHandler = (event: SQSEvent) => Promise<unknown>;

const STATE = "wp-outbound-state";
const ALICE = "4915551234567@s.whatsapp.net";
const STRANGER = "4915559999999@s.whatsapp.net";

let sqs: LocalSqs;
let dynamo: LocalDynamo;
let agentcore: FakeAgentCore;
let inbound: FifoPair;
let outbound: FifoPair;
let send: FifoPair;
let restoreEnv: () => void;
let worker: WorkerHandler;
const whatsapp = new FakeWhatsApp();
let relay: Relay | undefined;

beforeAll(async () => {
  [sqs, dynamo, agentcore] = await Promise.all([startSqs(), startDynamo(), startAgentCore()]);
  sqs.server.createBucket(STATE);
  await dynamo.createLedgerTable("wp-outbound-ledger");
  inbound = await sqs.createFifoPair("wp-out-inbound");
  outbound = await sqs.createFifoPair("wp-out-outbound", { maxReceiveCount: 3 });
  send = await sqs.createFifoPair("wp-out-send");
  restoreEnv = setEnv({
    ...awsTestEnv({ sqs, agentcore, maxAttempts: 1 }),
    AWS_ENDPOINT_URL_S3: sqs.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    LOG_LEVEL: "error",
    // The worker's environment, as modules/whatsapp-personal sets it.
    QUEUE_URL: inbound.queueUrl,
    OUTBOUND_QUEUE_URL: outbound.queueUrl,
    SEND_QUEUE_URL: send.queueUrl,
    SEND_QUEUE_ARN: send.queueArn,
    SEND_DLQ_URL: send.dlqUrl,
    LEDGER_TABLE: "wp-outbound-ledger",
    AGENT_RUNTIME_ARN: FAKE_AGENT_RUNTIME_ARN,
    ALLOWED_USERS: ALICE,
    MAX_RECEIVE_COUNT: "3",
  });
  worker = (await loadBundle<{ handler: WorkerHandler }>("modules/whatsapp-personal/dist/worker.mjs"))
    .handler;
  relay = await startRelay(
    {
      port: 0,
      shutdownTimeoutMs: 5_000,
      stateBucket: STATE,
      whatsapp: {
        queueUrl: inbound.queueUrl,
        outboundQueueUrl: outbound.queueUrl,
        bucket: STATE,
        prefix: "whatsapp-personal/",
        allowedUsers: [ALICE],
        logQr: false,
      },
    },
    { whatsapp: { connect: whatsapp.connect, outboundWaitSeconds: 0, outboundRetryDelay: () => 0 } },
  );
  const connection = await whatsapp.latest();
  whatsapp.open(connection);
  await relay.connections.until((c) => c.get("whatsapp")?.state === "ready");
});

afterAll(async () => {
  await relay?.stop();
  restoreEnv();
  await Promise.all([agentcore.close(), sqs.close(), dynamo.close()]);
});

afterEach(async () => {
  for (const q of [inbound, outbound, send]) {
    await sqs.receiveAll(q.queueUrl);
    await sqs.receiveAll(q.dlqUrl);
  }
});

const texts = (chat: string) =>
  whatsapp.sent.items.flatMap((s) => (s.kind === "text" && s.chatJid === chat ? [s.text] : []));
const start = (conversation: string, text: string, idempotencyKey: string) =>
  sendOutbound(
    send.queueUrl,
    { channel: "whatsapp-personal", conversation, text, idempotencyKey },
    { client: sqs.client },
  );
const deliver = () => drain(sqs, send.queueUrl, send.queueArn, (event) => worker(event) as never);

test("to an allowed user's chat, through the relay's session, once per key; a stranger's chat is refused", async () => {
  await start(ALICE, "Your *report* is ready.", "wp-1");
  await start(ALICE, "Your *report* is ready.", "wp-1"); // a caller's retry: SQS drops it
  // The same key after SQS's five minutes (another deduplication id): the ledger drops it.
  await sqs.send(
    send.queueUrl,
    JSON.stringify({
      channel: "whatsapp-personal",
      conversation: ALICE,
      text: "Your *report* is ready.",
      idempotencyKey: "wp-1",
    }),
    { groupId: `whatsapp-personal:${ALICE}`, dedupId: "later" },
  );
  await start(STRANGER, "hello stranger", "wp-2");
  await deliver();
  await eventually(() => (texts(ALICE).length > 0 ? true : undefined));
  expect(texts(ALICE)).toEqual(["Your _report_ is ready."]);
  expect(texts(STRANGER)).toEqual([]);
  expect((await sqs.depth(send.dlqUrl)).visible).toBe(0);
});

test("an answer and a message the agent starts in one chat: each whole, in the order the worker sent them", async () => {
  const before = texts(ALICE).length;
  whatsapp.deliver(await whatsapp.latest(), waText({ text: "hi", chatJid: ALICE }));
  await eventually(async () => ((await sqs.depth(inbound.queueUrl)).visible === 1 ? true : undefined));
  await drain(sqs, inbound.queueUrl, inbound.queueArn, (event) => worker(event) as never);
  await start(ALICE, "A reminder.", "wp-3");
  await deliver();
  await eventually(() => (texts(ALICE).length >= before + 2 ? true : undefined));
  expect(texts(ALICE).slice(before)).toEqual(["echo: hi", "A reminder."]);
});
