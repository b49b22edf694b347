import { describe, expect, test } from "bun:test";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { named } from "./expr.ts";
import { BundledFunction } from "./function.ts";
import {
  grantConsume,
  grantInvokeAgent,
  grantLedger,
  grantLedgerSeen,
  grantSecretRead,
  grantSend,
} from "./grants.ts";
import { block, synthJson, testStack } from "./testing.ts";

function setup() {
  const stack = testStack();
  const queue = named(new SqsQueue(stack, "Queue", { name: "q.fifo", fifoQueue: true }), "this");
  const fn = new BundledFunction(stack, "Fn", {
    functionName: "fn",
    bundle: "dist/worker.mjs",
    handler: "worker.handler",
    memorySizeMb: 128,
    timeoutSeconds: 10,
    environment: {},
    logRetentionDays: 1,
  });
  const statements = () =>
    (
      block(synthJson(stack), "aws_iam_policy_document", "fn", "data").statement as Record<string, unknown>[]
    ).slice(1);
  return { queue, fn, statements };
}

describe("grants", () => {
  test("grantSend: SendMessage on the queue only", () => {
    const { queue, fn, statements } = setup();
    grantSend(queue, fn);
    expect(statements()).toEqual([
      {
        sid: "SendToQueue",
        effect: "Allow",
        actions: ["sqs:SendMessage"],
        resources: ["${aws_sqs_queue.this.arn}"],
      },
    ]);
  });

  test("grantConsume: what the event source mapping needs plus ChangeMessageVisibility", () => {
    const { queue, fn, statements } = setup();
    grantConsume(queue, fn);
    expect(statements()).toEqual([
      {
        sid: "ConsumeQueue",
        effect: "Allow",
        actions: [
          "sqs:ReceiveMessage",
          "sqs:DeleteMessage",
          "sqs:GetQueueAttributes",
          "sqs:ChangeMessageVisibility",
        ],
        resources: ["${aws_sqs_queue.this.arn}"],
      },
    ]);
  });

  test("grantSecretRead: GetSecretValue on the one secret", () => {
    const { fn, statements } = setup();
    grantSecretRead("arn:aws:secretsmanager:us-east-1:123456789012:secret:x", fn);
    expect(statements()).toEqual([
      {
        sid: "ReadSecret",
        effect: "Allow",
        actions: ["secretsmanager:GetSecretValue"],
        resources: ["arn:aws:secretsmanager:us-east-1:123456789012:secret:x"],
      },
    ]);
  });

  test("grantLedger: read, create and update entries; grantLedgerSeen: update only", () => {
    const { fn, statements } = setup();
    const table = named(
      new DynamodbTable(fn, "Table", { name: "l", hashKey: "id", attribute: [{ name: "id", type: "S" }] }),
      "ledger",
    );
    grantLedger(table, fn);
    grantLedgerSeen(table, fn, "whatsapp");
    expect(statements()).toEqual([
      {
        sid: "SendLedger",
        effect: "Allow",
        actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
        resources: ["${aws_dynamodb_table.ledger.arn}"],
      },
      {
        sid: "RecordDeliveryStatus",
        effect: "Allow",
        actions: ["dynamodb:UpdateItem"],
        resources: ["${aws_dynamodb_table.ledger.arn}"],
        condition: [
          { test: "ForAllValues:StringLike", variable: "dynamodb:LeadingKeys", values: ["whatsapp:*"] },
        ],
      },
    ]);
  });

  test("grantInvokeAgent: invoke and stop sessions on the runtime through its one configured endpoint", () => {
    const { fn, statements } = setup();
    const arn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1";
    grantInvokeAgent(arn, fn);
    expect(statements()).toEqual([
      {
        sid: "InvokeAgent",
        effect: "Allow",
        actions: ["bedrock-agentcore:InvokeAgentRuntime", "bedrock-agentcore:StopRuntimeSession"],
        resources: [arn, `${arn}/runtime-endpoint/DEFAULT`],
      },
    ]);
    const staged = setup();
    grantInvokeAgent(arn, staged.fn, { qualifier: "${var.agent_qualifier}" });
    expect(staged.statements()[0]?.resources).toEqual([
      arn,
      `${arn}/runtime-endpoint/\${var.agent_qualifier}`,
    ]);
  });

  test("grantInvokeAgent forUser: the extra action, literally or decided at plan", () => {
    const literal = setup();
    grantInvokeAgent("arn", literal.fn, { forUser: true });
    expect(literal.statements()[0]?.actions).toContain("bedrock-agentcore:InvokeAgentRuntimeForUser");

    const planned = setup();
    grantInvokeAgent("arn", planned.fn, { forUser: "var.enable_agent_user_id" });
    expect(planned.statements()[0]?.actions).toBe(
      '${var.enable_agent_user_id ? ["bedrock-agentcore:InvokeAgentRuntime", "bedrock-agentcore:StopRuntimeSession", ' +
        '"bedrock-agentcore:InvokeAgentRuntimeForUser"] : ["bedrock-agentcore:InvokeAgentRuntime", "bedrock-agentcore:StopRuntimeSession"]}',
    );
  });
});
