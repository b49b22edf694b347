import { afterAll, beforeAll, expect, spyOn, test } from "bun:test";
import type { SQSRecord } from "aws-lambda";
import * as v from "valibot";
import { sampleEnvelope } from "../../../test/fixtures.ts";
import { setEnv } from "../../../test/harness/env.ts";
import { receive } from "./receive.ts";

const channel = { channel: "telegram", replySchema: v.object({ chatId: v.number() }) };

const record = (body: string, receiveCount = "2") =>
  ({ messageId: "m1", body, attributes: { ApproximateReceiveCount: receiveCount } }) as unknown as SQSRecord;

let restore: () => void;
beforeAll(() => {
  restore = setEnv({ LOG_LEVEL: "warn" });
});
afterAll(() => restore());

const logged = spyOn(console, "error").mockImplementation(() => {});
afterAll(() => logged.mockRestore());

test("an envelope of this channel with a reply context it can answer", () => {
  spyOn(console, "info")
    .mockImplementationOnce(() => {})
    .mockImplementationOnce(() => {});
  expect(receive(record(JSON.stringify(sampleEnvelope)), channel)).toEqual({
    envelope: sampleEnvelope,
    id: "telegram:1001",
    reply: { chatId: 42 },
    attempt: 2,
  });
  expect(receive(record(JSON.stringify(sampleEnvelope), "x"), channel)?.attempt).toBe(1);
});

test("anything else is not received (kept for the DLQ by the worker)", () => {
  for (const body of [
    "not json",
    JSON.stringify({ ...sampleEnvelope, v: 2 }),
    JSON.stringify({ ...sampleEnvelope, channel: "slack" }),
    JSON.stringify({ ...sampleEnvelope, reply: { chatId: "42" } }),
  ]) {
    logged.mockClear();
    expect({ body, received: receive(record(body), channel) }).toEqual({ body, received: undefined });
    expect(JSON.parse(String(logged.mock.calls[0]?.[0]))).toMatchObject({
      event: "envelope.invalid",
      attempt: 2,
    });
  }
});
