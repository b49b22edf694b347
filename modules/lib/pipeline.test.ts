import { describe, expect, test } from "bun:test";
import { expressionOf, variable } from "./expr.ts";
import { QUEUE_CONSUME_ACTIONS } from "./grants.ts";
import { ChannelPipeline, type ChannelPipelineProps } from "./pipeline.ts";
import { FifoQueuePair } from "./queue.ts";
import { block, synthJson, testStack } from "./testing.ts";

/** Literal props: nothing decided at plan, so no locals and no expressions. */
const literal: ChannelPipelineProps = {
  name: "bot",
  agentRuntimeArn: "arn:aws:bedrock-agentcore:eu-west-1:123456789012:runtime/agent-abc",
  agentQualifier: "DEFAULT",
  allowedUsers: ["1", "2"],
  enableAgentUserId: false,
  workerMemoryMb: 512,
  workerTimeoutSeconds: 60,
  maxReceiveCount: 3,
  batchSize: 1,
  maxConcurrency: 10,
  logLevel: "info",
  logRetentionDays: 14,
  createDlqAlarm: true,
};

type Doc = { statement: { sid: string; actions: string[] }[] };

describe("ChannelPipeline", () => {
  test("literal props: visibility 6 × the worker timeout, literal environment, no secret, no ingress", () => {
    const stack = testStack();
    const pipeline = new ChannelPipeline(stack, "Pipeline", literal);
    const config = synthJson(stack);
    expect(config.locals).toBeUndefined();
    expect(block(config, "aws_sqs_queue", "this").visibility_timeout_seconds).toBe(360);
    expect(pipeline.ingress).toBeUndefined();
    const worker = block(config, "aws_lambda_function", "worker");
    expect((worker.environment as { variables: Record<string, string> }).variables).toEqual({
      QUEUE_URL: "${aws_sqs_queue.this.url}",
      AGENT_RUNTIME_ARN: literal.agentRuntimeArn,
      AGENT_QUALIFIER: "DEFAULT",
      ALLOWED_USERS: "1,2",
      MAX_RECEIVE_COUNT: "3",
      AGENT_USER_ID: "false",
      SESSION_SCOPE: "conversation",
      STREAM_REPLIES: "true",
      SEND_QUEUE_URL: "${aws_sqs_queue.send.url}",
      SEND_QUEUE_ARN: "${aws_sqs_queue.send.arn}",
      SEND_DLQ_URL: "${aws_sqs_queue.send_dlq.url}",
      MEDIA_BUCKET: "${aws_s3_bucket.media.id}",
      MAX_ATTACHMENT_BYTES: "20971520",
      MAX_ATTACHMENTS: "10",
      MEDIA_URL_SECONDS: "900",
      LEDGER_TABLE: "${aws_dynamodb_table.ledger.name}",
      LOG_LEVEL: "info",
    });
    const doc = block(config, "aws_iam_policy_document", "worker", "data") as unknown as Doc;
    expect(doc.statement.map((s) => s.sid)).toEqual([
      "WriteOwnLogs",
      "SendLedger",
      "MediaObjects",
      "InvokeAgent",
      "ConsumeQueue",
      "ConsumeSendQueue",
      "DeadLetterSend",
    ]);
    expect(doc.statement[2]?.actions).not.toContain("bedrock-agentcore:InvokeAgentRuntimeForUser");
    expect(block(config, "aws_cloudwatch_metric_alarm", "dlq").count).toBe("${true ? 1 : 0}");
    // The send queue: its own pair, event source and DLQ alarm; the agent's policy sends there only.
    expect(block(config, "aws_sqs_queue", "send").name).toBe("bot-send.fifo");
    expect(block(config, "aws_lambda_event_source_mapping", "send").event_source_arn).toBe(
      "${aws_sqs_queue.send.arn}",
    );
    expect(block(config, "aws_cloudwatch_metric_alarm", "send_dlq").alarm_name).toBe(
      "bot-send-dlq-not-empty",
    );
    expect(
      doc.statement.slice(-2).map((s) => [s.actions, (s as { resources?: string[] }).resources]),
    ).toEqual([
      [QUEUE_CONSUME_ACTIONS, ["${aws_sqs_queue.send.arn}"]],
      [["sqs:SendMessage"], ["${aws_sqs_queue.send_dlq.arn}"]],
    ]);
  });

  test("secret, extra environment, a send queue and the ingress: grants in the documented order", () => {
    const stack = testStack();
    const outbound = new FifoQueuePair(stack, "Outbound", {
      terraformName: "outbound",
      name: "bot-outbound",
      visibilityTimeoutSeconds: 60,
      consumerTimeoutSeconds: 10,
      maxReceiveCount: 6,
    });
    const pipeline = new ChannelPipeline(stack, "Pipeline", {
      ...literal,
      secretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:bot",
      workerEnvironment: { EXTRA: "x" },
      workerSendQueue: outbound.queue,
    });
    const ingress = pipeline.addIngress({ timeoutSeconds: 10, memorySizeMb: 256, environment: { KEY: "k" } });
    expect(pipeline.ingress).toBe(ingress);
    expect(() => pipeline.addIngress({ timeoutSeconds: 10, memorySizeMb: 256 })).toThrow(
      /already has an ingress/,
    );
    const config = synthJson(stack);
    const sids = (fn: string) =>
      (block(config, "aws_iam_policy_document", fn, "data") as unknown as Doc).statement.map((s) => s.sid);
    expect(sids("worker")).toEqual([
      "WriteOwnLogs",
      "ReadSecret",
      "SendToQueue",
      "SendLedger",
      "MediaObjects",
      "InvokeAgent",
      "ConsumeQueue",
      "ConsumeSendQueue",
      "DeadLetterSend",
    ]);
    expect(sids("ingress")).toEqual(["WriteOwnLogs", "SendToQueue", "ReadSecret"]);
    const env = (fn: string) =>
      (block(config, "aws_lambda_function", fn).environment as { variables: Record<string, string> })
        .variables;
    expect(env("worker")).toMatchObject({ SECRET_ARN: expect.stringContaining("secret:bot"), EXTRA: "x" });
    expect(env("ingress")).toEqual({
      QUEUE_URL: "${aws_sqs_queue.this.url}",
      SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:bot",
      KEY: "k",
      LOG_LEVEL: "info",
    });
  });

  test("an ingress that does not read the secret (the channel grants it itself)", () => {
    const stack = testStack();
    new ChannelPipeline(stack, "Pipeline", { ...literal, secretArn: "arn:aws:secretsmanager:x" }).addIngress({
      timeoutSeconds: 5,
      memorySizeMb: 256,
      readsSecret: false,
    });
    const doc = block(synthJson(stack), "aws_iam_policy_document", "ingress", "data") as unknown as Doc;
    expect(doc.statement.map((s) => s.sid)).toEqual(["WriteOwnLogs", "SendToQueue"]);
  });

  test("validates through the constructs it is made of, with the bad value in the message", () => {
    expect(
      () => new ChannelPipeline(testStack(), "Pipeline", { ...literal, queueVisibilityTimeoutSeconds: 100 }),
    ).toThrow(/visibilityTimeoutSeconds is 100/);
    expect(() => new ChannelPipeline(testStack(), "Pipeline", { ...literal, batchSize: 11 })).toThrow(
      /batchSize is 11/,
    );
  });
});

describe("expressionOf", () => {
  test("a variable's value gives its address; literals give Terraform literals", () => {
    const stack = testStack();
    const v = variable(stack, "max_receive_count", { type: "number", description: "Attempts per message." });
    expect(expressionOf(stack, v.numberValue)).toBe("var.max_receive_count");
    expect(expressionOf(stack, 3)).toBe("3");
    expect(expressionOf(stack, true)).toBe("true");
    expect(expressionOf(stack, "info")).toBe('"info"');
    expect(expressionOf(stack, undefined)).toBe("null");
    expect(() => expressionOf(stack, `${v.stringValue}-x`)).toThrow(/not one Terraform expression/);
  });
});
