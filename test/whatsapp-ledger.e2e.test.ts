/**
 * WhatsApp reply chunks confirmed by Meta's delivery statuses, through the built bundles with the send
 * ledger on (DynamoDB = dynalite): every chunk carries biz_opaque_callback_data naming it; the fake
 * Cloud API posts its `sent` and `delivered` statuses, signed, to the ingress, which records them in
 * the ledger; a worker that does not know whether a chunk went out (the connection dropped after Meta
 * took it) finds it confirmed and does not send it again, or waits for a status before sending.
 */
import { beforeEach, expect, setSystemTime, test } from "bun:test";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { agentReply } from "../emulators/agentcore.ts";
import { httpApiEvent } from "../emulators/api-gateway.ts";
import { type IngressHandler, lambdaContext } from "../emulators/lambda.ts";
import {
  DEFAULT_APP_SECRET,
  DEFAULT_PHONE_NUMBER_ID,
  DEFAULT_WHATSAPP_TOKEN,
  deliveryHeaders,
  metaJson,
  type StatusPoster,
  startWhatsApp,
  whatsappDelivery,
  whatsappMessage,
  whatsappStatus,
} from "../emulators/whatsapp.ts";
import { loadBundle } from "./harness/bundles.ts";
import { useChannelE2E } from "./harness/channel-e2e.ts";
import { setEnv } from "./harness/env.ts";

const INGRESS = "modules/whatsapp/dist/ingress.mjs";
const TABLE = "whatsapp-status-ledger";
const USER = "16505551234";

const {
  stack,
  platform: wa,
  dynamo,
  ingress,
  work,
  pollOnce,
} = await useChannelE2E({
  channel: "whatsapp",
  secret: {
    access_token: DEFAULT_WHATSAPP_TOKEN,
    app_secret: DEFAULT_APP_SECRET,
    verify_token: "verify-token_0123456789",
    phone_number_id: DEFAULT_PHONE_NUMBER_ID,
  },
  platform: () => startWhatsApp(),
  queue: { maxReceiveCount: 5 },
  ledger: TABLE,
  env: (platform) => ({ ALLOWED_USERS: USER, WHATSAPP_API_URL: platform.url, WHATSAPP_APP_ID: undefined }),
});

/** POSTs a signed delivery to the ingress; resolves with the HTTP status. */
async function post(handler: IngressHandler, raw: string): Promise<number> {
  const response = await handler(
    httpApiEvent({ method: "POST", path: "/whatsapp", headers: deliveryHeaders(raw), body: raw }),
    lambdaContext({ timeoutMs: 10_000 }),
  );
  return response.statusCode ?? 0;
}

/** Meta's status webhooks reach the ingress as API Gateway events. */
const toIngress: StatusPoster = async (body, headers) =>
  (
    await ingress(
      httpApiEvent({ method: "POST", path: "/whatsapp", headers, body }),
      lambdaContext({ timeoutMs: 10_000 }),
    )
  ).statusCode ?? 0;

/** The user writes; resolves with the envelope id the reply is recorded under. */
async function userSays(text: string): Promise<string> {
  const message = whatsappMessage({ text, from: USER });
  expect(await post(ingress, metaJson(whatsappDelivery({ messages: [message] })))).toBe(200);
  return `whatsapp:${message.id}`;
}

/** A status delivery for a message of ours with the given callback data. */
const statusDelivery = (callbackData: string, status: "sent" | "delivered" | "read" = "delivered") =>
  metaJson(whatsappDelivery({ statuses: [whatsappStatus(status, { to: USER, callbackData })] }));

/**
 * The ledger entry of a reply as stored (handlers/core/ledger.ts writes it), read with the test's own
 * client: the chunks Meta confirmed, the one in flight, whether it is complete.
 */
async function entry(envelopeId: string) {
  const { Item } = await dynamo.client.send(
    new GetItemCommand({ TableName: TABLE, Key: { id: { S: envelopeId } }, ConsistentRead: true }),
  );
  if (!Item) return undefined;
  return {
    seen: (Item.seen?.NS ?? []).map(Number).sort((a, b) => a - b),
    inFlight: Item.sending?.N === undefined ? undefined : Number(Item.sending.N),
    complete: Item.complete?.BOOL === true,
  };
}

beforeEach(() => wa.setStatusWebhook(toIngress));

test("every chunk names its reply; its sent and delivered statuses mark it seen in the ledger", async () => {
  const long = ["One", "Two", "Three"].map((p) => `Part ${p}. ${"lorem ipsum ".repeat(330)}`).join("\n\n");
  stack.agentcore.script(agentReply.json({ response: long }));
  const id = await userSays("a long answer, please");
  await work();
  await wa.statusesSettled();

  expect(wa.messages.map((m) => m.callbackData)).toEqual([`${id}#0`, `${id}#1`, `${id}#2`]);
  expect(wa.statuses.map((s) => [s.status, s.callbackData, s.answer])).toEqual(
    [0, 1, 2].flatMap((i) => [
      ["sent", `${id}#${i}`, 200],
      ["delivered", `${id}#${i}`, 200],
    ]),
  );
  expect(await entry(id)).toEqual({ complete: true, seen: [0, 1, 2], inFlight: undefined });
});

test("statuses that are not ours, or of a reply the ledger does not know, are answered 200 and change nothing", async () => {
  const id = await userSays("hello");
  await work();
  await wa.statusesSettled();
  expect(await entry(id)).toEqual({ complete: true, seen: [0], inFlight: undefined });
  for (const data of [`${id}#7`, "order-4711", "whatsapp:wamid.unknown#0"]) {
    expect(await post(ingress, statusDelivery(data, "read"))).toBe(200);
  }
  expect(await post(ingress, metaJson(whatsappDelivery({ statuses: [whatsappStatus("sent")] })))).toBe(200);
  expect(await entry(id)).toEqual({ complete: true, seen: [0, 7], inFlight: undefined });
  expect(await entry("whatsapp:wamid.unknown")).toBeUndefined();
  expect(await stack.sqs.depth(stack.queue.queueUrl)).toMatchObject({ visible: 0 });
});

test("Meta took a chunk but its answer was lost: the redelivery finds it confirmed and sends nothing twice", async () => {
  const long = ["One", "Two", "Three"].map((p) => `Part ${p}. ${"lorem ipsum ".repeat(330)}`).join("\n\n");
  stack.agentcore.script(agentReply.json({ response: long }));
  let sends = 0;
  // The second chunk reaches Meta (it is delivered, its statuses come), but the connection drops
  // before the answer: the worker cannot know whether it went out.
  wa.script("send", { acceptThenDrop: true }, { when: () => ++sends === 2 });
  await userSays("a long answer, please");

  const first = await pollOnce();
  expect(first.failed).toHaveLength(1);
  expect(wa.sent()).toHaveLength(2);

  // Without waiting out the status window: that would take until 10 s before the 30 s deadline, 20 s.
  const started = Date.now();
  await work();
  expect(Date.now() - started).toBeLessThan(10_000);
  const bodies = wa.sent();
  expect(bodies).toHaveLength(3);
  expect(bodies.map((b) => b.slice(0, 10))).toEqual(["Part One. ", "Part Two. ", "Part Three"]);
  expect(stack.agentcore.invocations()).toHaveLength(1);
});

test("no status comes (Meta never took it): the redelivery waits for one, then sends the chunk once", async () => {
  wa.setStatusWebhook(undefined);
  // The connection drops before Meta takes the message: no message, no status.
  wa.script("send", { destroy: true });
  const id = await userSays("hello");

  // The failed attempt ran 27 s ago: 3 s of the 30 s a status is waited for are left.
  setSystemTime(new Date(Date.now() - 27_000));
  try {
    const first = await pollOnce();
    expect(first.failed).toHaveLength(1);
  } finally {
    setSystemTime();
  }
  expect(wa.sent()).toEqual([]);
  expect(await entry(id)).toEqual({ complete: false, seen: [], inFlight: 0 });

  // The 3 s left of the window, not the 20 s until 10 s before the deadline.
  const started = Date.now();
  await work();
  const waited = Date.now() - started;
  expect(waited).toBeGreaterThanOrEqual(2_000);
  expect(waited).toBeLessThan(15_000);
  expect(wa.sent()).toEqual(["echo: hello"]);
  expect(await entry(id)).toEqual({ complete: true, seen: [], inFlight: undefined });
});

test("a status that cannot be recorded → 503, so Meta delivers it again; other deliveries never touch the ledger", async () => {
  const restore = setEnv({ AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:9" });
  try {
    const blind = (await loadBundle<{ handler: IngressHandler }>(INGRESS)).handler;
    expect(await post(blind, statusDelivery("whatsapp:wamid.in#0"))).toBe(503);
    expect(await post(blind, statusDelivery("not-ours"))).toBe(200);
    const message = whatsappMessage({ text: "still queued", from: USER });
    expect(await post(blind, metaJson(whatsappDelivery({ messages: [message] })))).toBe(200);
  } finally {
    restore();
  }
  expect(await stack.sqs.depth(stack.queue.queueUrl)).toMatchObject({ visible: 1 });
});
