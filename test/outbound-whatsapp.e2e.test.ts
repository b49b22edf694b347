/**
 * Messages the agent starts on WhatsApp Cloud, through the built worker bundle: free-form text inside the
 * 24-hour customer service window; outside it (Graph's 131047, scripted on the emulator) the message's
 * approved template instead, or, without one, a clear error in the log and nothing retried. A schedule's
 * firing with a template (modules/whatsapp/tests/schedules.tftest.hcl plans it) does the same for its answer.
 */
import { afterAll, describe, expect, spyOn, test } from "bun:test";
import { SQSClient } from "@aws-sdk/client-sqs";
import { drain } from "../emulators/lambda.ts";
import {
  DEFAULT_APP_SECRET,
  DEFAULT_PHONE_NUMBER_ID,
  DEFAULT_WHATSAPP_TOKEN,
  graphErrors,
  startWhatsApp,
} from "../emulators/whatsapp.ts";
import { sendOutbound } from "../handlers/core/outbound/client.ts";
import { useChannelE2E } from "./harness/channel-e2e.ts";
import { setEnv } from "./harness/env.ts";

const ALLOWED = "16505551234";

const {
  stack,
  platform: wa,
  worker,
  work,
} = await useChannelE2E({
  channel: "whatsapp",
  secret: {
    access_token: DEFAULT_WHATSAPP_TOKEN,
    app_secret: DEFAULT_APP_SECRET,
    verify_token: "verify-token_0123456789",
    phone_number_id: DEFAULT_PHONE_NUMBER_ID,
  },
  platform: () => startWhatsApp(),
  ledger: "whatsapp-outbound-ledger",
  env: (platform) => ({ ALLOWED_USERS: ALLOWED, WHATSAPP_API_URL: platform.url, WHATSAPP_APP_ID: undefined }),
});
const send = await stack.sqs.createFifoPair("whatsapp-send");
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
const template = { name: "report_ready", language: "en_US", parameters: ["Q3"] };
const deliver = async (key: string, extra: object = {}) => {
  await sendOutbound(
    send.queueUrl,
    {
      channel: "whatsapp",
      conversation: ALLOWED,
      text: "Your **Q3** report is ready.",
      idempotencyKey: key,
      ...extra,
    },
    { client },
  );
  return drain(stack.sqs, send.queueUrl, send.queueArn, worker);
};

describe("WhatsApp Cloud: messages the agent starts", () => {
  test("inside the window: free-form text, from the secret's number, quoting nothing", async () => {
    await deliver("w1", { template });
    expect(wa.sent(ALLOWED)).toEqual(["Your *Q3* report is ready."]);
    expect(wa.messages.at(-1)).toMatchObject({ phoneNumberId: DEFAULT_PHONE_NUMBER_ID, replyTo: undefined });
    expect(wa.messages.at(-1)?.template).toBeUndefined();
  });

  test("outside the window (131047): the approved template goes instead", async () => {
    wa.script("send", graphErrors.reEngagement());
    await deliver("w2", { template });
    expect(wa.messages.at(-1)).toMatchObject({
      to: ALLOWED,
      template: { name: "report_ready", language: "en_US", parameters: ["Q3"] },
    });
    expect(wa.sent(ALLOWED)).toEqual(["report_ready(Q3)"]);
  });

  test("outside the window without a template: said clearly in the log, not delivered, not retried", async () => {
    const errors: string[] = [];
    const spy = spyOn(console, "error").mockImplementation((line: unknown) => void errors.push(String(line)));
    try {
      wa.script("send", graphErrors.reEngagement());
      await deliver("w3");
    } finally {
      spy.mockRestore();
    }
    expect(wa.sent(ALLOWED)).toEqual([]);
    const events = errors.map((line) => JSON.parse(line) as { event: string; hint?: string });
    expect(events.map((e) => e.event)).toEqual(["whatsapp.window_closed", "outbound.undeliverable"]);
    expect(events[0]?.hint).toContain("24 hours");
    expect(
      (await stack.sqs.depth(send.queueUrl)).visible + (await stack.sqs.depth(send.dlqUrl)).visible,
    ).toBe(0);
  });
});

describe("WhatsApp Cloud: a schedule's answer outside the window", () => {
  test("refused with 131047: the schedule's template goes instead, said in the log", async () => {
    // The module's firing for `template = { name = "daily_summary", language = "en_US", parameters = ["today"] }`.
    const body =
      `{"channel":"whatsapp","conversation":"${ALLOWED}","kind":"schedule","name":"morning",` +
      `"prompt":"Summarise my day","template":{"language":"en_US","name":"daily_summary","parameters":["today"]},` +
      `"thread":null,"time":"2026-12-02T07:00:00Z","v":1}`;
    const warnings: string[] = [];
    const spy = spyOn(console, "warn").mockImplementation(
      (line: unknown) => void warnings.push(String(line)),
    );
    // The harness logs errors only; the template going out instead is a warning.
    const level = setEnv({ LOG_LEVEL: "warn" });
    try {
      wa.script("send", graphErrors.reEngagement());
      await stack.sqs.send(stack.queue.queueUrl, body, {
        groupId: `whatsapp:${ALLOWED}`,
        dedupId: "morning-1",
      });
      await work();
    } finally {
      level();
      spy.mockRestore();
    }
    expect(wa.sent(ALLOWED)).toEqual(["daily_summary(today)"]);
    expect(wa.messages.at(-1)).toMatchObject({
      to: ALLOWED,
      template: { name: "daily_summary", language: "en_US", parameters: ["today"] },
    });
    const events = warnings.map((line) => JSON.parse(line) as { event: string; template?: string });
    expect(events.find((e) => e.event === "whatsapp.window_closed")?.template).toBe("daily_summary");
    expect(
      (await stack.sqs.depth(stack.queue.queueUrl)).visible +
        (await stack.sqs.depth(stack.queue.dlqUrl)).visible,
    ).toBe(0);
  });
});
