import { describe, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { REPO_ROOT } from "../../scripts/synth.ts";
import { type Block, CHANNEL_OUTPUTS, expectedPipeline, statementRows, useModule } from "../lib/testing.ts";

/**
 * Synth-level checks of the generated Discord module (there is no terraform binary here): what a
 * `terraform plan` would be given, read as Terraform JSON. What every channel module shares (queues,
 * event source, alarm, reusable-module rules) is checked in modules/telegram/module.test.ts; here,
 * what Discord does differently, and the shared shape once over.
 */

const { files, resources, data, locals, variables, outputs, resource, statements, envOf } =
  useModule("discord");

describe("resources", () => {
  test("the channel's resources, with readable names", () => {
    const addresses = Object.entries(resources())
      .flatMap(([type, byName]) => Object.keys(byName).map((n) => `${type}.${n}`))
      .sort();
    expect(addresses).toEqual([
      "aws_apigatewayv2_api.this",
      "aws_apigatewayv2_integration.discord",
      "aws_apigatewayv2_route.discord",
      "aws_apigatewayv2_stage.this",
      "aws_cloudwatch_log_group.access",
      "aws_cloudwatch_log_group.ingress",
      "aws_cloudwatch_log_group.worker",
      "aws_cloudwatch_log_metric_filter.daily_cap",
      "aws_cloudwatch_metric_alarm.daily_cap",
      "aws_cloudwatch_metric_alarm.dlq",
      "aws_cloudwatch_metric_alarm.send_dlq",
      "aws_dynamodb_table.ledger",
      "aws_iam_role.ingress",
      "aws_iam_role.scheduler",
      "aws_iam_role.worker",
      "aws_iam_role_policy.ingress",
      "aws_iam_role_policy.ingress_secret",
      "aws_iam_role_policy.scheduler",
      "aws_iam_role_policy.worker",
      "aws_lambda_event_source_mapping.send",
      "aws_lambda_event_source_mapping.worker",
      "aws_lambda_function.ingress",
      "aws_lambda_function.worker",
      "aws_lambda_invocation.setup_interactions",
      "aws_lambda_permission.discord",
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
      "aws_sqs_queue.send",
      "aws_sqs_queue.send_dlq",
      "aws_sqs_queue.this",
      "aws_sqs_queue_redrive_allow_policy.dlq",
      "aws_sqs_queue_redrive_allow_policy.send_dlq",
      "terraform_data.session_key",
    ]);
  });

  test("functions: the committed bundles, nodejs22.x, arm64; the ingress stops within 5 s", () => {
    for (const fn of ["ingress", "worker"]) {
      expect(resource("aws_lambda_function", fn)).toMatchObject({
        handler: `${fn}.handler`,
        runtime: "nodejs22.x",
        architectures: ["arm64"],
      });
      expect(resource("aws_lambda_function", fn).filename).toBe(`\${path.module}/dist/${fn}.zip`);
    }
    expect(resource("aws_lambda_function", "ingress").timeout).toBe(5);
  });

  test("environment: the public key as plain configuration for the ingress; the handler contract for the worker", () => {
    expect(envOf("ingress")).toEqual(
      expectedPipeline.ingressEnvironment({
        DISCORD_PUBLIC_KEY: '${var.public_key == null ? "" : var.public_key}',
      }),
    );
    expect(envOf("worker")).toEqual(expectedPipeline.workerEnvironment());
  });

  test("the visibility timeout follows the worker timeout; the event source reports partial failures", () => {
    expect(locals().queue_visibility_timeout_seconds).toBe(
      "${coalesce(var.queue_visibility_timeout_seconds, 6 * var.worker_timeout_seconds)}",
    );
    expect(resource("aws_lambda_event_source_mapping", "worker").function_response_types).toEqual([
      "ReportBatchItemFailures",
    ]);
  });
});

describe("IAM: least privilege", () => {
  test("ingress: send to the queue and write its logs; no secret unless the public key is not given", () => {
    expect(statementRows(statements("ingress"))).toEqual(
      expectedPipeline.ingressStatements({ readsSecret: false }),
    );
    expect(data().aws_iam_policy_document?.ingress_secret).toEqual({
      count: "${var.public_key == null ? 1 : 0}",
      statement: [
        {
          sid: "ReadSecret",
          effect: "Allow",
          actions: ["secretsmanager:GetSecretValue"],
          resources: ["${local.secret_arn}"],
        },
      ],
    });
    expect(resource("aws_iam_role_policy", "ingress_secret")).toEqual({
      count: "${var.public_key == null ? 1 : 0}",
      name: "${var.name}-ingress-secret",
      role: "${aws_iam_role.ingress.id}",
      policy: "${data.aws_iam_policy_document.ingress_secret[0].json}",
    });
  });

  test("worker: exact actions on exact ARNs", () => {
    expect(statements("worker").map((s) => s.sid)).toEqual([
      "WriteOwnLogs",
      "ReadSecret",
      "SendLedger",
      "MediaObjects",
      "InvokeAgent",
      "ConsumeQueue",
      "ConsumeSendQueue",
      "DeadLetterSend",
    ]);
    for (const s of statements("worker")) {
      for (const r of s.resources) expect(r).not.toBe("*");
      if (Array.isArray(s.actions)) for (const a of s.actions) expect(a).not.toContain("*");
    }
  });

  test("API Gateway may invoke the ingress from POST /discord/interactions only", () => {
    expect(resource("aws_lambda_permission", "discord")).toMatchObject({
      function_name: "${aws_lambda_function.ingress.function_name}",
      principal: "apigateway.amazonaws.com",
      source_arn: "${local.http_api_execution_arn}/*/POST/discord/interactions",
    });
    expect(resource("aws_apigatewayv2_route", "discord").route_key).toBe("POST /discord/interactions");
  });
});

describe("secret and registration", () => {
  test("the secret holds application_id, public_key, bot_token and the session key; the three required when it is created", () => {
    const version = resource("aws_secretsmanager_secret_version", "this");
    expect(version.secret_string_wo).toBe(
      `\${${expectedPipeline.secretJson([
        "application_id = var.application_id",
        "public_key = var.public_key",
        "bot_token = var.bot_token",
      ])}}`,
    );
    const [pre] = (version.lifecycle as { precondition: { condition: string }[] }).precondition;
    expect(pre?.condition).toBe(
      "${var.application_id != null && var.public_key != null && var.bot_token != null}",
    );
  });

  test("setup: CRUD invocation of the worker once the route, the ingress and its secret access are live", () => {
    const setup = resource("aws_lambda_invocation", "setup_interactions");
    expect(setup).toMatchObject({
      function_name: "${aws_lambda_function.worker.function_name}",
      lifecycle_scope: "CRUD",
      terraform_key: "tf",
      input:
        '${jsonencode({ action = "setup", url = local.interactions_endpoint_url, revision = local.setup_revision })}',
    });
    expect(setup.depends_on).toEqual(
      expect.arrayContaining([
        "aws_apigatewayv2_route.discord",
        "aws_apigatewayv2_integration.discord",
        "aws_lambda_permission.discord",
        "aws_apigatewayv2_stage.this",
        "aws_secretsmanager_secret_version.this",
        "aws_lambda_function.ingress",
        "aws_iam_role_policy.ingress_secret",
      ]),
    );
    expect(locals().interactions_endpoint_url).toBe("${local.http_api_endpoint}/discord/interactions");
    expect(locals().setup_revision).toMatch(
      /^\$\{sha256\("\$\{local\.interactions_endpoint_url\}\\n\$\{local\.secret_version_id\}\\n[0-9a-f]{16}"\)\}$/,
    );
  });

  test("no credential reaches an output or the invocation input", () => {
    const input = String(resource("aws_lambda_invocation", "setup_interactions").input);
    for (const leak of ["bot_token", "secret_string", "public_key"]) {
      expect(JSON.stringify(outputs())).not.toContain(leak);
      expect(input).not.toContain(leak);
      expect(locals().setup_revision).not.toContain(leak);
    }
  });
});

describe("inputs and outputs", () => {
  test("the Discord inputs: optional, validated; only the bot token is sensitive", () => {
    for (const name of ["application_id", "public_key", "bot_token"]) {
      expect(variables()[name]).toMatchObject({ type: "string", default: null });
      expect(variables()[name]?.validation).toHaveLength(1);
    }
    const sensitive = Object.entries(variables())
      .filter(([, v]) => v.sensitive === true)
      .map(([n]) => n);
    expect(sensitive).toEqual(["bot_token"]);
    expect(Object.keys(variables()).filter((n) => !("default" in (variables()[n] as Block)))).toEqual([
      "agent_runtime_arn",
      "allowed_users",
      "name",
    ]);
    expect(JSON.stringify(variables().allowed_users?.validation)).toContain("^[0-9]{17,20}$");
  });

  test("the shared outputs, each described", () => {
    expect(Object.keys(outputs()).sort()).toEqual([...CHANNEL_OUTPUTS].sort());
    expect(outputs().webhook_url?.value).toBe("${local.interactions_endpoint_url}");
  });

  test("README carries the generated tables; the committed files() are a fresh synth", async () => {
    expect(files()["modules/discord/README.md"]).toContain("| `public_key` |");
    for (const [path, text] of Object.entries(files())) {
      const committed = await readFile(join(REPO_ROOT, path), "utf8").catch(() => "");
      expect(committed === text, `${path} is stale: run \`bun run build\``).toBe(true);
    }
  });
});
