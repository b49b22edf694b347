import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { SQSEvent } from "aws-lambda";
import { startAgentCore } from "../fakes/agentcore.ts";
import { startSecretsManager } from "../fakes/secrets-manager.ts";
import { DEFAULT_TELEGRAM_TOKEN, startTelegram } from "../fakes/telegram.ts";
import { awsTestEnv, setEnv, withEnv } from "./env.ts";
import { buildProbe } from "./fixtures/build-probe.ts";
import {
  batchItemFailures,
  drain,
  httpApiEvent,
  lambdaContext,
  loadBundle,
  pollSqsOnce,
  runInNode,
  sqsRecord,
} from "./lambda.ts";
import { type LocalSqs, startSqs } from "./sqs.ts";

describe("httpApiEvent", () => {
  test("builds a payload 2.0 event like API Gateway HTTP API", () => {
    const time = new Date(Date.UTC(2026, 10, 24, 9, 5, 7));
    const event = httpApiEvent({
      method: "post",
      path: "/telegram?x=1",
      query: { x: "2", y: "z" },
      headers: {
        "X-Telegram-Bot-Api-Secret-Token": "s3cret",
        Accept: ["text/plain", "application/json"],
        Cookie: "a=1; b=2",
      },
      body: { update_id: 1 },
      time,
    });
    expect(event).toMatchObject({
      version: "2.0",
      routeKey: "POST /telegram",
      rawPath: "/telegram",
      rawQueryString: "x=1&x=2&y=z",
      cookies: ["a=1", "b=2"],
      queryStringParameters: { x: "1,2", y: "z" },
      body: '{"update_id":1}',
      isBase64Encoded: false,
      requestContext: {
        http: { method: "POST", path: "/telegram", protocol: "HTTP/1.1", sourceIp: "203.0.113.7" },
        routeKey: "POST /telegram",
        stage: "$default",
        time: "24/Nov/2026:09:05:07 +0000",
        timeEpoch: time.getTime(),
      },
    });
    expect(event.headers).toMatchObject({
      "x-telegram-bot-api-secret-token": "s3cret",
      accept: "text/plain,application/json",
      "content-type": "application/json",
      "content-length": "15",
      "x-forwarded-proto": "https",
    });
    expect(event.headers.cookie).toBeUndefined();
    expect(Object.keys(event.headers).every((k) => k === k.toLowerCase())).toBe(true);
    expect(event.requestContext.http.userAgent).toBe(event.headers["user-agent"] ?? "");
  });

  test("base64 bodies: requested explicitly or for bytes; no body, no query → fields omitted", () => {
    const raw = '{"text":"héllo"}';
    const encoded = httpApiEvent({ method: "POST", path: "/slack/events", body: raw, isBase64Encoded: true });
    expect(encoded.isBase64Encoded).toBe(true);
    expect(Buffer.from(encoded.body ?? "", "base64").toString("utf8")).toBe(raw);
    expect(encoded.headers["content-length"]).toBe(String(Buffer.byteLength(raw)));
    const bytes = httpApiEvent({ method: "POST", path: "/x", body: new Uint8Array([0, 255]) });
    expect(bytes).toMatchObject({ isBase64Encoded: true, body: "AP8=" });
    const get = httpApiEvent({ path: "/whatsapp" });
    expect(get.body).toBeUndefined();
    expect(get.queryStringParameters).toBeUndefined();
    expect(get.rawQueryString).toBe("");
    expect(httpApiEvent({ path: "/", routeKey: "$default" }).routeKey).toBe("$default");
  });
});

describe("lambdaContext", () => {
  test("getRemainingTimeInMillis counts down from the timeout", async () => {
    const context = lambdaContext({ timeoutMs: 1000 });
    const first = context.getRemainingTimeInMillis();
    expect(first).toBeLessThanOrEqual(1000);
    expect(first).toBeGreaterThan(900);
    await Bun.sleep(30);
    expect(context.getRemainingTimeInMillis()).toBeLessThan(first);
    expect(context.invokedFunctionArn).toStartWith("arn:aws:lambda:us-east-1:123456789012:function:");
  });
});

describe("batchItemFailures (Lambda's rules)", () => {
  const event: SQSEvent = {
    Records: [
      sqsRecord({ MessageId: "m1", Body: "a" }, "arn:aws:sqs:us-east-1:0:q.fifo"),
      sqsRecord({ MessageId: "m2", Body: "b" }, "arn:aws:sqs:us-east-1:0:q.fifo"),
    ],
  };
  test("success shapes", () => {
    expect(batchItemFailures(undefined, event)).toEqual([]);
    expect(batchItemFailures(null, event)).toEqual([]);
    expect(batchItemFailures({}, event)).toEqual([]);
    expect(batchItemFailures({ batchItemFailures: [] }, event)).toEqual([]);
    expect(batchItemFailures({ batchItemFailures: null }, event)).toEqual([]);
    expect(batchItemFailures({ batchItemFailures: [{ itemIdentifier: "m2" }] }, event)).toEqual(["m2"]);
  });
  test("whole-batch failure shapes", () => {
    expect(batchItemFailures("oops", event)).toBe("invalid");
    expect(batchItemFailures({ batchItemFailures: [{ itemIdentifier: "" }] }, event)).toBe("invalid");
    expect(batchItemFailures({ batchItemFailures: [{ itemIdentifier: null }] }, event)).toBe("invalid");
    expect(batchItemFailures({ batchItemFailures: [{ id: "m1" }] }, event)).toBe("invalid");
    expect(batchItemFailures({ batchItemFailures: [{ itemIdentifier: "nope" }] }, event)).toBe("invalid");
  });
});

describe("pollSqsOnce / drain (SQS event source mapping)", () => {
  let sqs: LocalSqs;
  beforeAll(async () => {
    sqs = await startSqs();
  });
  afterAll(() => sqs.close());
  let n = 0;
  const pair = (options = {}) => sqs.createFifoPair(`poll-${++n}`, options);

  test("builds records exactly like Lambda and deletes them on success", async () => {
    const { queueUrl, queueArn } = await pair();
    await sqs.send(queueUrl, "hello", {
      groupId: "g1",
      dedupId: "d1",
      attributes: { kind: { DataType: "String", StringValue: "text" } },
    });
    const poll = await pollSqsOnce(sqs, queueUrl, queueArn, async () => ({ batchItemFailures: [] }));
    const [record] = poll.event.Records;
    expect(record).toMatchObject({
      body: "hello",
      eventSource: "aws:sqs",
      eventSourceARN: queueArn,
      awsRegion: "us-east-1",
      md5OfBody: "5d41402abc4b2a76b9719d911017c592",
      messageAttributes: {
        kind: { stringValue: "text", stringListValues: [], binaryListValues: [], dataType: "String" },
      },
      attributes: { ApproximateReceiveCount: "1", MessageGroupId: "g1", MessageDeduplicationId: "d1" },
    });
    expect(record?.attributes.SequenceNumber).toMatch(/^\d+$/);
    expect(record?.attributes.SenderId).toBeString();
    expect(record?.attributes.SentTimestamp).toMatch(/^\d{13}$/);
    expect(record?.attributes.ApproximateFirstReceiveTimestamp).toMatch(/^\d{13}$/);
    expect(poll.deleted).toEqual([record?.messageId ?? ""]);
    expect(poll.failed).toEqual([]);
    expect(await sqs.depth(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  test("reported failures stay on the queue and are retried; a throw keeps the whole batch", async () => {
    const { queueUrl, queueArn } = await pair();
    await sqs.send(queueUrl, "ok", { groupId: "a" });
    await sqs.send(queueUrl, "bad", { groupId: "b" });
    const first = await pollSqsOnce(sqs, queueUrl, queueArn, (event) => ({
      batchItemFailures: event.Records.filter((r) => r.body === "bad").map((r) => ({
        itemIdentifier: r.messageId,
      })),
    }));
    expect(first.event.Records.map((r) => r.body)).toEqual(["ok", "bad"]);
    expect(first.deleted).toHaveLength(1);
    expect(first.failed).toHaveLength(1);
    const second = await pollSqsOnce(sqs, queueUrl, queueArn, () => {
      throw new Error("worker crashed");
    });
    expect(second.event.Records.map((r) => [r.body, r.attributes.ApproximateReceiveCount])).toEqual([
      ["bad", "2"],
    ]);
    expect(second).toMatchObject({
      batchFailure: "threw",
      deleted: [],
      failed: [second.event.Records[0]?.messageId],
    });
    expect((second.error as Error).message).toBe("worker crashed");
  });

  test("an invalid response or a timeout fails the whole batch", async () => {
    const { queueUrl, queueArn } = await pair();
    await sqs.send(queueUrl, "m", { groupId: "g" });
    const invalid = await pollSqsOnce(sqs, queueUrl, queueArn, () => ({
      batchItemFailures: [{ itemIdentifier: "x" }],
    }));
    expect(invalid).toMatchObject({ batchFailure: "invalid-response", deleted: [] });
    const slow = await pollSqsOnce(sqs, queueUrl, queueArn, () => Bun.sleep(200), { timeoutMs: 20 });
    expect(slow).toMatchObject({ batchFailure: "timeout", deleted: [] });
    expect((slow.error as Error).message).toBe("Task timed out after 0.02 seconds");
  });

  test("the handler gets a context with the function timeout", async () => {
    const { queueUrl, queueArn } = await pair();
    await sqs.send(queueUrl, "m", { groupId: "g" });
    let remaining = 0;
    await pollSqsOnce(
      sqs,
      queueUrl,
      queueArn,
      (_event, context) => {
        remaining = context.getRemainingTimeInMillis();
      },
      { timeoutMs: 5000 },
    );
    expect(remaining).toBeGreaterThan(4000);
    expect(remaining).toBeLessThanOrEqual(5000);
  });

  test("drain: a poison message is retried maxReceiveCount times, then lands in the DLQ", async () => {
    const { queueUrl, queueArn, dlqUrl } = await pair({ maxReceiveCount: 3 });
    await sqs.send(queueUrl, "poison", { groupId: "g" });
    await sqs.send(queueUrl, "fine", { groupId: "h" });
    const seen: string[] = [];
    const result = await drain(sqs, queueUrl, queueArn, (event) => {
      const failures = [];
      for (const r of event.Records) {
        seen.push(`${r.body}#${r.attributes.ApproximateReceiveCount}`);
        if (r.body === "poison") failures.push({ itemIdentifier: r.messageId });
      }
      return { batchItemFailures: failures };
    });
    expect(result.empty).toBe(true);
    expect(seen).toEqual(["poison#1", "fine#1", "poison#2", "poison#3"]);
    expect(result.invocations).toBe(3);
    expect(result.deleted).toHaveLength(1);
    expect(sqs.peek(dlqUrl)).toEqual(["poison"]);
    expect(sqs.peek(queueUrl)).toEqual([]);
  });

  test("drain stops at maxPolls", async () => {
    const { queueUrl, queueArn } = await pair({ maxReceiveCount: 100 });
    await sqs.send(queueUrl, "forever", { groupId: "g" });
    const result = await drain(
      sqs,
      queueUrl,
      queueArn,
      () => {
        throw new Error("no");
      },
      { maxPolls: 4 },
    );
    expect(result).toMatchObject({ empty: false, invocations: 4, deleted: [] });
  });

  test("releaseFailed: false leaves failed records invisible until the visibility timeout", async () => {
    const { queueUrl, queueArn } = await pair({ visibilityTimeoutSeconds: 30 });
    await sqs.send(queueUrl, "m", { groupId: "g" });
    await pollSqsOnce(sqs, queueUrl, queueArn, () => Promise.reject(new Error("x")), {
      releaseFailed: false,
    });
    expect(await sqs.depth(queueUrl)).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
    expect((await pollSqsOnce(sqs, queueUrl, queueArn, () => undefined)).invoked).toBe(false);
  });
});

describe("env helpers", () => {
  test("setEnv restores, withEnv restores after a rejection", async () => {
    process.env.HARNESS_KEEP = "kept";
    const restore = setEnv({ HARNESS_NEW: "1", HARNESS_KEEP: undefined });
    expect(process.env.HARNESS_NEW).toBe("1");
    expect(process.env.HARNESS_KEEP).toBeUndefined();
    restore();
    expect(process.env.HARNESS_NEW).toBeUndefined();
    expect(process.env.HARNESS_KEEP).toBe("kept");
    await expect(
      withEnv({ HARNESS_KEEP: "temp" }, async () => {
        expect(process.env.HARNESS_KEEP).toBe("temp");
        throw new Error("inner");
      }),
    ).rejects.toThrow("inner");
    expect(process.env.HARNESS_KEEP).toBe("kept");
    delete process.env.HARNESS_KEEP;
  });

  test("awsTestEnv", () => {
    expect(
      awsTestEnv({
        sqs: { endpoint: "http://127.0.0.1:1" },
        secrets: { url: "http://127.0.0.1:2" },
        agentcore: "http://127.0.0.1:3",
        maxAttempts: 1,
      }),
    ).toEqual({
      AWS_REGION: "us-east-1",
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
      AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      AWS_SESSION_TOKEN: undefined,
      AWS_PROFILE: undefined,
      AWS_ENDPOINT_URL: undefined,
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_ENDPOINT_URL_SQS: "http://127.0.0.1:1",
      AWS_ENDPOINT_URL_SECRETS_MANAGER: "http://127.0.0.1:2",
      AWS_ENDPOINT_URL_BEDROCK_AGENTCORE: "http://127.0.0.1:3",
      AWS_MAX_ATTEMPTS: "1",
    });
  });
});

describe("bundles: loadBundle and runInNode against the fakes", () => {
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

  test("a Node child reaches every fake through the real SDK clients and fetch", async () => {
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
