import { afterAll, beforeEach, expect, test } from "bun:test";
import { FAKE_AGENT_RUNTIME_ARN } from "../../emulators/agentcore.ts";
import { lambdaContext } from "../../emulators/lambda.ts";
import { DEFAULT_TELEGRAM_TOKEN } from "../../emulators/telegram.ts";
import { loadBundle } from "./bundles.ts";
import { setEnv } from "./env.ts";
import { buildProbe } from "./fixtures/build-probe.ts";
import { type FakeStack, startFakeStack } from "./stack.ts";

const stack: FakeStack = await startFakeStack({
  secret: { name: "relay/telegram", value: { bot_token: DEFAULT_TELEGRAM_TOKEN, webhook_secret: "whs" } },
});
afterAll(() => stack.close());
beforeEach(() => stack.reset());

test("env() points everything at the fakes", () => {
  expect(stack.env({ ALLOWED_USERS: "*" })).toMatchObject({
    AWS_REGION: "us-east-1",
    AWS_ENDPOINT_URL_SQS: stack.sqs.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: stack.secrets.url,
    AWS_ENDPOINT_URL_BEDROCK_AGENTCORE: stack.agentcore.url,
    AWS_MAX_ATTEMPTS: "1",
    QUEUE_URL: stack.queue.queueUrl,
    SECRET_ARN: stack.secrets.arnOf("relay/telegram"),
    AGENT_RUNTIME_ARN: FAKE_AGENT_RUNTIME_ARN,
    AGENT_QUALIFIER: "DEFAULT",
    MAX_RECEIVE_COUNT: "3",
    TELEGRAM_API_URL: stack.telegram.url,
    ALLOWED_USERS: "*",
  });
});

test("SDK clients built with default config inside the test process reach the fakes through env", async () => {
  const restore = setEnv(stack.env());
  try {
    const probe = await loadBundle<{ handler: (e: unknown, c: unknown) => Promise<unknown> }>(
      await buildProbe(),
    );
    expect(await probe.handler({ action: "full", text: "in-process" }, lambdaContext())).toEqual({
      answer: "echo: in-process",
      telegramStatus: 200,
      queued: true,
    });
  } finally {
    restore();
  }
  expect(stack.secrets.callCount("relay/telegram")).toBe(1);
  expect(stack.agentcore.invocations()[0]?.arn).toBe(FAKE_AGENT_RUNTIME_ARN);
  expect(stack.telegram.sent(42)).toEqual(["echo: in-process"]);
  expect(await stack.sqs.receiveAll(stack.queue.queueUrl)).toHaveLength(1);
});
