import { afterAll, beforeAll, expect, test } from "bun:test";
import type { SQSEvent } from "aws-lambda";
import * as v from "valibot";
import { sampleEnvelope } from "../../test/fixtures.ts";
import { setEnv } from "../../test/harness/env.ts";
import type { ChannelAdapter } from "./adapter.ts";
import { parseAllowlist } from "./allowlist.ts";
import { AgentError, PlatformError } from "./errors.ts";
import { noLedger } from "./ledger.ts";
import { noSecret } from "./secrets.ts";
import { noSessions } from "./sessions.ts";
import { texts } from "./texts.ts";
import { createWorker } from "./worker.ts";

/** A channel whose sends fail while `platformDown` is set. */
function testChannel(state: { platformDown: boolean; sent: string[] }) {
  const adapter: ChannelAdapter<Record<string, never>, { to: string }> = {
    channel: "test",
    secretSchema: v.object({}),
    replySchema: v.object({ to: v.string() }),
    typingIntervalMs: 60_000,
    outbox: () => ({
      typing: async () => {},
      async send(_reply, markdown) {
        if (state.platformDown) {
          throw new PlatformError("test", "send", { status: 503, reason: "down", retryable: true });
        }
        state.sent.push(markdown);
      },
    }),
    setup: async () => ({}),
    teardown: async () => ({}),
  };
  return adapter;
}

const refusingAgent = {
  ask: async (): Promise<string> => {
    throw new AgentError("AccessDeniedException", { retryable: false, status: 403 });
  },
  end: async () => {},
};

const event = (attempt: number): SQSEvent => ({
  Records: [
    {
      messageId: "m1",
      receiptHandle: "r1",
      body: JSON.stringify({ ...sampleEnvelope, channel: "test", reply: { to: "x" } }),
      attributes: { ApproximateReceiveCount: String(attempt), MessageGroupId: "g" },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:q.fifo",
      awsRegion: "us-east-1",
    } as unknown as SQSEvent["Records"][number],
  ],
});

let restore: () => void;
beforeAll(() => {
  restore = setEnv({ LOG_LEVEL: "error" });
});
afterAll(() => restore());

test("an agent refusing for good: the user is told once and the message is done", async () => {
  const state = { platformDown: false, sent: [] as string[] };
  const worker = createWorker(testChannel(state), {
    settings: () => ({
      agent: refusingAgent,
      allowlist: parseAllowlist("7"),
      maxReceiveCount: 3,
      queueUrl: undefined,
      ledger: noLedger,
      sessions: noSessions,
    }),
    secret: noSecret,
  });
  expect(await worker(event(1))).toEqual({ batchItemFailures: [] });
  expect(state.sent).toEqual([texts.failed]);
});

test("…and when that notice cannot be delivered, the message is kept (retried, then the DLQ), not dropped", async () => {
  const state = { platformDown: true, sent: [] as string[] };
  const worker = createWorker(testChannel(state), {
    settings: () => ({
      agent: refusingAgent,
      allowlist: parseAllowlist("7"),
      maxReceiveCount: 3,
      queueUrl: undefined,
      ledger: noLedger,
      sessions: noSessions,
    }),
    secret: noSecret,
  });
  expect(await worker(event(1))).toEqual({ batchItemFailures: [{ itemIdentifier: "m1" }] });
  state.platformDown = false;
  expect(await worker(event(2))).toEqual({ batchItemFailures: [] });
  expect(state.sent).toEqual([texts.failed]);
});
