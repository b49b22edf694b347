import { describe, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { USER_JID } from "../../relay/whatsapp/jid.ts";
import { REPO_ROOT } from "../../scripts/synth.ts";
import {
  type Block,
  expectedPipeline,
  functionOutputNames,
  MEDIA_OUTPUTS,
  SEND_OUTPUTS,
  statementRows,
  useModule,
} from "../lib/testing.ts";

/** Synth-level checks of the generated WhatsApp-personal module. */

const { files, config, resources, variables, resource, statements, envOf } = useModule("whatsapp-personal");

describe("resources", () => {
  test("inbound and outbound FIFO pairs, the worker, its ledger, alarms and secret; no ingress or API", () => {
    const addresses = Object.entries(resources()).flatMap(([type, byName]) =>
      Object.keys(byName).map((n) => `${type}.${n}`),
    );
    expect(addresses.sort()).toEqual(
      [
        "aws_cloudwatch_log_group.worker",
        "aws_cloudwatch_log_metric_filter.daily_cap",
        "aws_cloudwatch_metric_alarm.daily_cap",
        "aws_cloudwatch_metric_alarm.dlq",
        "aws_cloudwatch_metric_alarm.outbound_dlq",
        "aws_cloudwatch_metric_alarm.send_dlq",
        "aws_dynamodb_table.ledger",
        "aws_iam_role.scheduler",
        "aws_iam_role.worker",
        "aws_iam_role_policy.scheduler",
        "aws_iam_role_policy.worker",
        "aws_lambda_event_source_mapping.send",
        "aws_lambda_event_source_mapping.worker",
        "aws_lambda_function.worker",
        "aws_s3_bucket.media",
        "aws_s3_bucket_lifecycle_configuration.media",
        "aws_s3_bucket_ownership_controls.media",
        "aws_s3_bucket_policy.media",
        "aws_s3_bucket_public_access_block.media",
        "aws_s3_bucket_server_side_encryption_configuration.media",
        "aws_scheduler_schedule.this",
        "aws_scheduler_schedule_group.this",
        "aws_secretsmanager_secret.this",
        "aws_secretsmanager_secret_version.this",
        "aws_sqs_queue.dlq",
        "aws_sqs_queue.outbound",
        "aws_sqs_queue.outbound_dlq",
        "aws_sqs_queue.send",
        "aws_sqs_queue.send_dlq",
        "aws_sqs_queue.this",
        "aws_sqs_queue_redrive_allow_policy.dlq",
        "aws_sqs_queue_redrive_allow_policy.outbound_dlq",
        "aws_sqs_queue_redrive_allow_policy.send_dlq",
        "terraform_data.session_key",
      ].sort(),
    );
    expect(resource("aws_sqs_queue", "outbound")).toMatchObject({
      name: "${var.name}-outbound.fifo",
      fifo_queue: true,
      content_based_deduplication: false,
      visibility_timeout_seconds: 60,
    });
    for (const unused of ["http_api_id", "ingress_memory_mb", "ingress_reserved_concurrency"]) {
      expect(variables()).not.toHaveProperty(unused);
    }
  });

  test("worker: the committed bundle, the outbound queue in its environment, its secret", () => {
    expect(resource("aws_lambda_function", "worker")).toMatchObject({
      handler: "worker.handler",
      runtime: "nodejs22.x",
      architectures: ["arm64"],
    });
    expect(resource("aws_lambda_function", "worker").filename).toBe("${path.module}/dist/worker.zip");
    expect(envOf("worker")).toEqual(
      expectedPipeline.workerEnvironment({ OUTBOUND_QUEUE_URL: "${aws_sqs_queue.outbound.url}" }),
    );
  });

  test("the secret holds only the generated session key (no credentials: the session lives in the relay)", () => {
    const version = resource("aws_secretsmanager_secret_version", "this");
    expect(version.secret_string_wo).toBe(`\${${expectedPipeline.secretJson([])}}`);
    expect(version.lifecycle).toBeUndefined();
    expect(resource("terraform_data", "session_key").count).toBe("${var.secret_arn == null ? 1 : 0}");
  });

  test("worker IAM: its secret, send to the outbound queue only, consume the inbound one, ledger, agent, logs", () => {
    expect(statementRows(statements("worker"))).toEqual(
      expectedPipeline.workerStatements({ sendQueue: "outbound" }),
    );
  });

  test("allowed_users takes WhatsApp JIDs, by the relay's own rule (WHATSAPP_ALLOWED_USERS)", () => {
    const rules = variables().allowed_users?.validation as { condition: string }[];
    expect(rules.map((r) => r.condition).join("\n")).toContain(JSON.stringify(USER_JID.source));
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
        "allowed_users",
        "max_attachment_bytes",
        "max_attachments",
        "secret_arn",
        ...functionOutputNames("worker"),
        "ledger_table_name",
        "ledger_table_arn",
        ...SEND_OUTPUTS,
        ...MEDIA_OUTPUTS,
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
