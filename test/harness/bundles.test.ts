import { beforeAll, describe, expect, test } from "bun:test";
import { startAgentCore } from "../../emulators/agentcore.ts";
import { awsTestEnv } from "../../emulators/aws-env.ts";
import { lambdaContext } from "../../emulators/lambda.ts";
import { startSecretsManager } from "../../emulators/secrets-manager.ts";
import { startSqs } from "../../emulators/sqs.ts";
import { DEFAULT_TELEGRAM_TOKEN, startTelegram } from "../../emulators/telegram.ts";
import { loadBundle, runInNode } from "./bundles.ts";
import { withEnv } from "./env.ts";
import { buildProbe } from "./fixtures/build-probe.ts";

describe("bundles: loadBundle and runInNode against the emulators", () => {
  let bundle: string;
  beforeAll(async () => {
    bundle = await buildProbe();
  });

  test("loadBundle gives a fresh module that reads the current environment at load", async () => {
    type Probe = { handler: (event: unknown, context: unknown) => Promise<{ loadedWith: string | null }> };
    const first = await withEnv({ PROBE_VALUE: "one" }, () => loadBundle<Probe>(bundle));
    const second = await withEnv({ PROBE_VALUE: "two" }, () => loadBundle<Probe>(bundle));
    expect(first).not.toBe(second);
    expect((await first.handler({ action: "env" }, lambdaContext())).loadedWith).toBe("one");
    expect((await second.handler({ action: "env" }, lambdaContext())).loadedWith).toBe("two");
  });

  test("runInNode runs the handler in system Node with only the given environment", async () => {
    const run = await runInNode<{ loadedWith: string; remaining: number; bun: boolean }>(
      bundle,
      { action: "env" },
      { PROBE_VALUE: "node" },
      { functionTimeoutMs: 10_000 },
    );
    expect(run.nodeVersion).toStartWith("v");
    expect(run.result).toMatchObject({ loadedWith: "node", bun: false });
    expect(run.result.remaining).toBeGreaterThan(5000);
    expect((await runInNode(bundle, { action: "nothing" })).result).toBeUndefined();
    await expect(runInNode(bundle, { action: "throw" })).rejects.toThrow(/TypeError: probe failure/);
  });

  test("a Node child reaches every emulator through the real SDK clients and fetch", async () => {
    const [sqs, secrets, agentcore, telegram] = await Promise.all([
      startSqs(),
      startSecretsManager({ secrets: { "relay/telegram": { bot_token: DEFAULT_TELEGRAM_TOKEN } } }),
      startAgentCore(),
      startTelegram(),
    ]);
    try {
      const { queueUrl } = await sqs.createFifoPair("probe");
      const run = await runInNode<{ answer: string; telegramStatus: number; queued: boolean }>(
        bundle,
        { action: "full", text: "ping" },
        {
          ...awsTestEnv({ sqs, secrets, agentcore }),
          QUEUE_URL: queueUrl,
          SECRET_ARN: secrets.arnOf("relay/telegram"),
          AGENT_RUNTIME_ARN: "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/probe-AbCdEf1234",
          TELEGRAM_API_URL: telegram.url,
        },
      );
      expect(run.result).toEqual({ answer: "echo: ping", telegramStatus: 200, queued: true });
      expect(run.stdout).toContain('"probe done"');
      expect(run.stderr).toBe("");
      expect(secrets.callCount()).toBe(1);
      expect(agentcore.invocations()[0]).toMatchObject({ qualifier: "DEFAULT", payload: { prompt: "ping" } });
      expect(telegram.sent(42)).toEqual(["echo: ping"]);
      expect(sqs.peek(queueUrl)).toEqual(["echo: ping"]);
    } finally {
      await Promise.all([sqs.close(), secrets.close(), agentcore.close(), telegram.close()]);
    }
  });
});
