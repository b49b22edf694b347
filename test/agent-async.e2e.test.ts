/**
 * A long turn, end to end: the async example agent (examples/agents/typescript/async-agent.ts, the real
 * AgentCore SDK's BedrockAgentCoreApp) answers at once with `{ "text": "On it…", "async": true }`, works
 * on as an async task (its /ping says HealthyBusy meanwhile), and puts the result on the send queue
 * (fauxqs) with the real SQS client; the built Telegram worker delivers the acknowledgement, then the
 * result from the send queue.
 */
import { afterAll, expect, test } from "bun:test";
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { drain } from "../emulators/lambda.ts";
import { DEFAULT_TELEGRAM_TOKEN } from "../emulators/telegram.ts";
import { sampleEnvelope } from "./fixtures.ts";
import { freePort, untilHealthy } from "./harness/agent-process.ts";
import { useChannelE2E } from "./harness/channel-e2e.ts";
import { setEnv } from "./harness/env.ts";

const ROOT = join(import.meta.dir, "..");
const port = await freePort();
const agentUrl = `http://127.0.0.1:${port}`;
const { stack, worker, work } = await useChannelE2E({
  channel: "telegram",
  secret: { bot_token: DEFAULT_TELEGRAM_TOKEN, webhook_secret: "async-secret" },
  ledger: "async-ledger",
  env: () => ({ ALLOWED_USERS: "7", AGENT_URL: agentUrl, STREAM_REPLIES: "false" }),
});
const send = await stack.sqs.createFifoPair("telegram-send");
const restore = setEnv({
  SEND_QUEUE_URL: send.queueUrl,
  SEND_QUEUE_ARN: send.queueArn,
  SEND_DLQ_URL: send.dlqUrl,
});
let output = "";
const agent: ChildProcess = spawn(
  process.execPath,
  [join(ROOT, "examples/agents/typescript/async-agent.ts")],
  {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", WORK_MS: "1500" },
    stdio: ["ignore", "pipe", "pipe"],
  },
);
agent.stdout?.setEncoding("utf8").on("data", (text: string) => (output += text));
agent.stderr?.setEncoding("utf8").on("data", (text: string) => (output += text));
afterAll(() => {
  agent.kill();
  restore();
});
await untilHealthy(agentUrl, agent, () => output);

test("the acknowledgement at once, the result later through the send queue", async () => {
  await stack.sqs.send(stack.queue.queueUrl, JSON.stringify({ ...sampleEnvelope, text: "the Q3 report" }), {
    groupId: "telegram:42",
    dedupId: "e-1",
  });
  const turn = await work();
  // The turn ended with the acknowledgement, in one worker invocation that took the message off the queue
  // (no retry, nothing dead-lettered) while the agent is still at work (AgentCore keeps its session).
  expect(stack.telegram.sent(42)).toEqual(["On it…"]);
  expect(turn.invocations).toBe(1);
  expect(turn.deleted).toHaveLength(1);
  expect((await stack.sqs.depth(stack.queue.dlqUrl)).visible).toBe(0);
  expect(await (await fetch(`${agentUrl}/ping`)).json()).toMatchObject({ status: "HealthyBusy" });

  for (let i = 0; i < 100 && (await stack.sqs.depth(send.queueUrl)).visible === 0; i++) await Bun.sleep(100);
  await drain(stack.sqs, send.queueUrl, send.queueArn, worker);
  expect(stack.telegram.sent(42)).toEqual(["On it…", "Done: <b>the Q3 report</b>"]);
  // The turn delivered again (a DLQ redrive): the ledger has its answer, the agent is not asked again.
  await stack.sqs.send(stack.queue.queueUrl, JSON.stringify({ ...sampleEnvelope, text: "the Q3 report" }), {
    groupId: "telegram:42",
    dedupId: "e-1-redrive",
  });
  await work();
  expect(stack.telegram.sent(42)).toHaveLength(2);
  expect(await (await fetch(`${agentUrl}/ping`)).json()).toMatchObject({ status: "Healthy" });
  expect(await (await fetch(`${agentUrl}/ping`)).json()).toMatchObject({ status: "Healthy" });
}, 30_000);
