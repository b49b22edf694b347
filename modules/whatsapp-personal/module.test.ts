import { describe, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { REPO_ROOT } from "../../scripts/synth.ts";
import {
  type Block,
  expectedPipeline,
  functionOutputNames,
  statementRows,
  useModule,
} from "../lib/testing.ts";

/** Synth-level checks of the generated WhatsApp-personal module. */

const { files, config, resources, variables, resource, statements } = useModule("whatsapp-personal");

describe("resources", () => {
  test("inbound and outbound FIFO pairs, the worker, its ledger and alarms; no ingress, API or secret", () => {
    const addresses = Object.entries(resources()).flatMap(([type, byName]) =>
      Object.keys(byName).map((n) => `${type}.${n}`),
    );
    expect(addresses.sort()).toEqual(
      [
        "aws_cloudwatch_log_group.worker",
        "aws_cloudwatch_metric_alarm.dlq",
        "aws_cloudwatch_metric_alarm.outbound_dlq",
        "aws_dynamodb_table.ledger",
        "aws_iam_role.worker",
        "aws_iam_role_policy.worker",
        "aws_lambda_event_source_mapping.worker",
        "aws_lambda_function.worker",
        "aws_sqs_queue.dlq",
        "aws_sqs_queue.outbound",
        "aws_sqs_queue.outbound_dlq",
        "aws_sqs_queue.this",
        "aws_sqs_queue_redrive_allow_policy.dlq",
        "aws_sqs_queue_redrive_allow_policy.outbound_dlq",
      ].sort(),
    );
    expect(resource("aws_sqs_queue", "outbound")).toMatchObject({
      name: "${var.name}-outbound.fifo",
      fifo_queue: true,
      content_based_deduplication: false,
      visibility_timeout_seconds: 60,
    });
    for (const unused of [
      "secret_arn",
      "http_api_id",
      "ingress_memory_mb",
      "secret_recovery_window_in_days",
    ]) {
      expect(variables()).not.toHaveProperty(unused);
    }
  });

  test("worker: the committed bundle, the outbound queue in its environment, no secret", () => {
    expect(resource("aws_lambda_function", "worker")).toMatchObject({
      handler: "worker.handler",
      runtime: "nodejs22.x",
      architectures: ["arm64"],
    });
    expect(resource("aws_lambda_function", "worker").filename).toBe("${path.module}/dist/worker.zip");
    const env = (
      resource("aws_lambda_function", "worker").environment as { variables: Record<string, string> }
    ).variables;
    expect(env).toEqual({
      QUEUE_URL: "${aws_sqs_queue.this.url}",
      OUTBOUND_QUEUE_URL: "${aws_sqs_queue.outbound.url}",
      AGENT_RUNTIME_ARN: "${var.agent_runtime_arn}",
      AGENT_QUALIFIER: "${var.agent_qualifier}",
      ALLOWED_USERS: '${join(",", var.allowed_users)}',
      MAX_RECEIVE_COUNT: "${tostring(var.max_receive_count)}",
      AGENT_USER_ID: '${var.enable_agent_user_id ? "true" : "false"}',
      LEDGER_TABLE: "${aws_dynamodb_table.ledger.name}",
      LOG_LEVEL: "${var.log_level}",
    });
  });

  test("worker IAM: send to the outbound queue only, consume the inbound one, ledger, agent, logs", () => {
    expect(statementRows(statements("worker"))).toEqual(
      expectedPipeline.workerStatements({ secret: false, sendQueue: "outbound" }),
    );
  });

  test("allowed_users takes WhatsApp JIDs", () => {
    const rules = variables().allowed_users?.validation as { condition: string }[];
    expect(rules.map((r) => r.condition).join("\n")).toContain("s\\\\.whatsapp\\\\.net|lid");
  });
});

describe("a reusable module", () => {
  test("the outputs the relay needs, each described", () => {
    const outputs = config().output as Record<string, Block>;
    expect(Object.keys(outputs).sort()).toEqual(
      [
        "queue_url",
        "queue_arn",
        "dlq_url",
        "outbound_queue_url",
        "outbound_queue_arn",
        "outbound_dlq_url",
        "dlq_arn",
        "outbound_dlq_arn",
        ...functionOutputNames("worker"),
        "ledger_table_name",
        "ledger_table_arn",
      ].sort(),
    );
    for (const [name, o] of Object.entries(outputs)) expect(String(o.description ?? ""), name).not.toBe("");
  });

  test("committed files() are what a fresh build gives", async () => {
    for (const [path, text] of Object.entries(files())) {
      const committed = await readFile(join(REPO_ROOT, path), "utf8").catch(() => "");
      expect(committed === text, `${path} is stale: run \`bun run build\``).toBe(true);
    }
  });
});
