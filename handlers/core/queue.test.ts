import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type FifoPair, type LocalSqs, startSqs } from "../../emulators/sqs.ts";
import { sampleEnvelope } from "../../test/fixtures.ts";
import { setEnv } from "../../test/harness/env.ts";
import { sendMessage, sendMessageBatch } from "./aws/sqs.ts";
import { type Envelope, parseEnvelope } from "./envelope.ts";
import { enqueueWith, MAX_MESSAGE_BYTES, MessageTooLargeError, sqsJson } from "./queue.ts";
import { enqueue as enqueueWithSdk } from "./sqs-client.ts";

/** What SQS stores unchanged (its documented set, minus the astral planes emulators refuse). */
const SQS_SAFE = /^[\t\n\r\x20-\uD7FF\uE000-\uFFFD]*$/;

describe("sqsJson", () => {
  test("escapes what SQS would refuse or alter, and JSON.parse restores it exactly", () => {
    for (const text of [
      "plain",
      "😀 👩‍👩‍👧",
      "\ud800 lone \udfff",
      "\ufffe\uffff",
      "\u0000\u001f\u007f",
      "a\\\ud83d",
    ]) {
      const body = sqsJson({ text });
      expect(body).toMatch(SQS_SAFE);
      expect(JSON.parse(body)).toEqual({ text });
    }
    expect(sqsJson({ text: "über ✓" })).toBe('{"text":"über ✓"}');
  });
});

describe.each([
  [
    "the ingress's lean client",
    (url: string, envelopes: Envelope[]) => enqueueWith({ sendMessage, sendMessageBatch }, url, envelopes),
  ],
  ["the SDK's client (worker, relay)", enqueueWithSdk],
])("enqueue through %s", (_, enqueue) => {
  let sqs: LocalSqs;
  let pair: FifoPair;
  let restore: () => void;
  const envelope = (eventId: string, text: string) => ({ ...sampleEnvelope, eventId, text });

  beforeAll(async () => {
    sqs = await startSqs();
    pair = await sqs.createFifoPair("queue-test");
    restore = setEnv({
      AWS_ENDPOINT_URL_SQS: sqs.endpoint,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_MAX_ATTEMPTS: "1",
    });
  });
  afterAll(async () => {
    restore();
    await sqs.close();
  });

  test("any text reaches the worker as sent (emoji, lone surrogates, U+FFFF)", async () => {
    const text = "hi 😀 \ud800 \uffff";
    await enqueue(pair.queueUrl, [envelope("unicode", text)]);
    const [message] = await sqs.receiveAll(pair.queueUrl);
    expect(parseEnvelope(message?.Body ?? "")).toMatchObject({ ok: true, envelope: { text } });
  });

  test("a batch over the size limit goes out in several, all of it", async () => {
    const big = "x".repeat(100_000);
    await enqueue(
      pair.queueUrl,
      ["b1", "b2", "b3", "b4"].map((id) => envelope(id, big)),
    );
    expect(await sqs.receiveAll(pair.queueUrl)).toHaveLength(4);
  });

  test("an envelope SQS cannot hold is refused (not retryable) before anything is sent", async () => {
    const huge = envelope("huge", "x".repeat(MAX_MESSAGE_BYTES));
    const refused = enqueue(pair.queueUrl, [envelope("ok", "fine"), huge]);
    await expect(refused).rejects.toBeInstanceOf(MessageTooLargeError);
    await expect(refused).rejects.toMatchObject({ retryable: false });
    expect(await sqs.receiveAll(pair.queueUrl)).toHaveLength(0);
  });
});
