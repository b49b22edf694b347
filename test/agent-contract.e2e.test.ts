import { afterAll, beforeAll, expect, test } from "bun:test";
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import type { SQSEvent } from "aws-lambda";
import type { z } from "zod";
import { sqsRecord } from "../emulators/lambda.ts";
import { DEFAULT_TELEGRAM_TOKEN } from "../emulators/telegram.ts";
import type { Payload } from "../examples/agents/typescript/agent.ts";
import type { AgentPayload } from "../handlers/core/agent/payload.ts";
import { sessionId } from "../handlers/core/agent/session-id.ts";
import { sampleEnvelope } from "./fixtures.ts";
import { freePort, untilHealthy } from "./harness/agent-process.ts";
import { runInNode } from "./harness/bundles.ts";
import { type FakeStack, startFakeStack } from "./harness/stack.ts";

/**
 * The agent contract, end to end: the minimal TypeScript agent of examples/agents/typescript (the
 * AgentCore SDK's BedrockAgentCoreApp) runs for real on loopback, and the built Telegram worker bundle,
 * in Node as Lambda runs it, asks it through AGENT_URL and sends its answer to the (fake) Bot API.
 */

// Compile-time: every payload the relay sends passes the example agent's schema.
type Extends<A extends B, B> = A;
type Accepted = z.input<typeof Payload>;
export type _Checks = [
  Extends<Omit<AgentPayload, "attachments">, Omit<Accepted, "attachments">>,
  Extends<AgentPayload["attachments"][number], Accepted["attachments"][number]>,
];

const ROOT = join(import.meta.dir, "..");

let agent: ChildProcess;
let agentUrl: string;
let agentOutput = "";
let stack: FakeStack;

beforeAll(async () => {
  const port = await freePort();
  agentUrl = `http://127.0.0.1:${port}`;
  agent = spawn(process.execPath, [join(ROOT, "examples/agents/typescript/agent.ts")], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  agent.stdout?.setEncoding("utf8").on("data", (text: string) => (agentOutput += text));
  agent.stderr?.setEncoding("utf8").on("data", (text: string) => (agentOutput += text));
  stack = await startFakeStack({
    secret: { value: { bot_token: DEFAULT_TELEGRAM_TOKEN, webhook_secret: "contract-secret" } },
  });
  await untilHealthy(agentUrl, agent, () => agentOutput);
}, 30_000);

afterAll(async () => {
  agent?.kill();
  await stack?.close();
});

test("the worker bundle asks the example agent over AGENT_URL, and its answer reaches the user", async () => {
  const envelope = {
    ...sampleEnvelope,
    attachments: [{ kind: "document" as const, id: "file-1", mime: "application/pdf", name: "plan.pdf" }],
  };
  const event: SQSEvent = {
    Records: [
      sqsRecord(
        {
          MessageId: "m-1",
          ReceiptHandle: "r-1",
          Body: JSON.stringify(envelope),
          Attributes: { ApproximateReceiveCount: "1", MessageGroupId: "telegram:42" },
        },
        stack.queue.queueArn,
      ),
    ],
  };
  const run = await runInNode<{ batchItemFailures: unknown[] }>(
    join(ROOT, "modules/telegram/dist/worker.mjs"),
    event,
    stack.env({ AGENT_URL: agentUrl, AGENT_RUNTIME_ARN: undefined, ALLOWED_USERS: "7", LOG_LEVEL: "info" }),
  );
  expect(run.result).toEqual({ batchItemFailures: [] });
  // The agent read the payload: the user's name, the prompt, the attachment's name.
  expect(stack.telegram.sent(42)).toEqual([
    "Hello <b>Ada</b>, on telegram.\n\nYou said: hello\n\nAttached: plan.pdf",
  ]);
  // It got the conversation's session id, as AgentCore would pass it.
  expect(agentOutput).toContain(sessionId(envelope));

  // Every line of the invocation carries its request id and says it was this container's first.
  const lines = `${run.stdout}\n${run.stderr}`
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const done = lines.find((line) => line.event === "message.done");
  expect(done).toMatchObject({ coldStart: true });
  expect(typeof done?.requestId).toBe("string");
  expect(new Set(lines.map((line) => line.requestId))).toEqual(new Set([done?.requestId]));
}, 60_000);
