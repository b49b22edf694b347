import { describe, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { MODULES, REPO_ROOT, renderModuleFiles } from "../../scripts/synth.ts";
import { type Block, CHANNEL_OUTPUTS, expectedPipeline, statementRows, useModule } from "../lib/testing.ts";

/**
 * Synth-level checks of the generated WhatsApp module (there is no terraform binary here): what a
 * `terraform plan` would be given, read as Terraform JSON.
 */

const whatsapp = MODULES.find((m) => m.name === "whatsapp");
if (!whatsapp) throw new Error("whatsapp is not in MODULES");

const { resources, data, locals, variables, outputs, resource, statements, envOf } = useModule("whatsapp");

describe("resources", () => {
  test("every resource, with readable names; GET and POST routes share one integration", () => {
    const addresses = [
      ...Object.entries(resources()).flatMap(([type, byName]) =>
        Object.keys(byName).map((n) => `${type}.${n}`),
      ),
      ...Object.entries(data()).flatMap(([type, byName]) =>
        Object.keys(byName).map((n) => `data.${type}.${n}`),
      ),
    ].sort();
    expect(addresses).toEqual([
      "aws_apigatewayv2_api.this",
      "aws_apigatewayv2_integration.whatsapp",
      "aws_apigatewayv2_route.whatsapp_get",
      "aws_apigatewayv2_route.whatsapp_post",
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
      "aws_iam_role_policy.scheduler",
      "aws_iam_role_policy.worker",
      "aws_lambda_event_source_mapping.send",
      "aws_lambda_event_source_mapping.worker",
      "aws_lambda_function.ingress",
      "aws_lambda_function.worker",
      "aws_lambda_invocation.setup_webhook",
      "aws_lambda_permission.whatsapp_get",
      "aws_lambda_permission.whatsapp_post",
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
      "data.aws_apigatewayv2_api.this",
      "data.aws_iam_policy_document.ingress",
      "data.aws_iam_policy_document.lambda_assume_role",
      "data.aws_iam_policy_document.media_bucket",
      "data.aws_iam_policy_document.media_read",
      "data.aws_iam_policy_document.worker",
      "data.aws_secretsmanager_secret_versions.this",
      "terraform_data.session_key",
      "terraform_data.verify_token",
    ]);
    for (const method of ["GET", "POST"]) {
      const name = `whatsapp_${method.toLowerCase()}`;
      expect(resource("aws_apigatewayv2_route", name)).toMatchObject({
        route_key: `${method} /whatsapp`,
        target: "integrations/${aws_apigatewayv2_integration.whatsapp.id}",
      });
    }
    expect(resource("aws_apigatewayv2_integration", "whatsapp")).toMatchObject({
      integration_type: "AWS_PROXY",
      payload_format_version: "2.0",
      integration_uri: "${aws_lambda_function.ingress.invoke_arn}",
    });
  });

  test("functions: the committed bundles, nodejs22.x, arm64, the contract's handler strings", () => {
    for (const fn of ["ingress", "worker"]) {
      expect(resource("aws_lambda_function", fn)).toMatchObject({
        handler: `${fn}.handler`,
        runtime: "nodejs22.x",
        architectures: ["arm64"],
      });
      expect(resource("aws_lambda_function", fn).filename).toBe(`\${path.module}/dist/${fn}.zip`);
    }
  });

  test("environment: the contract's variables, the ledger for the ingress, and the app id for the setup action", () => {
    expect(envOf("ingress")).toEqual(
      expectedPipeline.ingressEnvironment({ LEDGER_TABLE: "${aws_dynamodb_table.ledger.name}" }),
    );
    expect(envOf("worker")).toEqual(
      expectedPipeline.workerEnvironment({ WHATSAPP_APP_ID: "${local.app_id}" }),
    );
    expect(locals().app_id).toBe('${var.app_id == null ? "" : var.app_id}');
  });

  test("queues: FIFO pair, visibility 6 × the worker timeout, redrive after max_receive_count", () => {
    expect(resource("aws_sqs_queue", "this")).toMatchObject({
      fifo_queue: true,
      content_based_deduplication: "${length(var.schedules) > 0}",
      name: "${var.name}.fifo",
      visibility_timeout_seconds: "${local.queue_visibility_timeout_seconds}",
    });
    expect(resource("aws_sqs_queue", "this").redrive_policy).toContain("var.max_receive_count");
    expect(resource("aws_lambda_event_source_mapping", "worker")).toMatchObject({
      function_response_types: ["ReportBatchItemFailures"],
    });
  });
});

describe("IAM: least privilege", () => {
  test("ingress: send to the queue, read the secret, record delivery statuses in the ledger, write its logs; nothing else", () => {
    expect(statementRows(statements("ingress"))).toEqual([
      ...expectedPipeline.ingressStatements(),
      ["RecordDeliveryStatus", ["dynamodb:UpdateItem"], ["${aws_dynamodb_table.ledger.arn}"]],
    ]);
  });

  test("worker: consume the queue, read the secret and the send ledger, invoke and stop agent sessions, write its logs", () => {
    expect(statementRows(statements("worker"))).toEqual(expectedPipeline.workerStatements());
  });

  test("API Gateway may invoke the ingress from GET /whatsapp and POST /whatsapp only, one permission each", () => {
    const permissions = resources().aws_lambda_permission ?? {};
    expect(Object.values(permissions).map((p) => [p.statement_id, p.source_arn])).toEqual([
      ["AllowApiGatewayGET_whatsapp", "${local.http_api_execution_arn}/*/GET/whatsapp"],
      ["AllowApiGatewayPOST_whatsapp", "${local.http_api_execution_arn}/*/POST/whatsapp"],
    ]);
    for (const p of Object.values(permissions)) {
      expect(p).toMatchObject({
        function_name: "${aws_lambda_function.ingress.function_name}",
        principal: "apigateway.amazonaws.com",
      });
    }
  });
});

describe("secret, verify token and setup", () => {
  test("the secret holds the four keys and the session key; the verify token is generated only when neither given nor in secret_arn", () => {
    expect(resource("aws_secretsmanager_secret_version", "this").secret_string_wo).toBe(
      `\${${expectedPipeline.secretJson([
        "access_token = var.access_token",
        "app_secret = var.app_secret",
        "verify_token = local.verify_token",
        "phone_number_id = var.phone_number_id",
      ])}}`,
    );
    expect(resource("terraform_data", "verify_token")).toMatchObject({
      count: "${var.secret_arn == null && var.verify_token == null ? 1 : 0}",
      input: "${uuid()}",
      lifecycle: { ignore_changes: ["input"] },
    });
    expect(locals().verify_token).toBe(
      "${var.secret_arn != null ? null : var.verify_token != null ? var.verify_token : one(terraform_data.verify_token[*].output)}",
    );
    const [pre] = (
      resource("aws_secretsmanager_secret_version", "this").lifecycle as {
        precondition: { condition: string }[];
      }
    ).precondition;
    expect(pre?.condition).toBe(
      "${var.access_token != null && var.app_secret != null && var.phone_number_id != null}",
    );
  });

  test("outputs: webhook_url and the sensitive verify_token; no other output carries a credential", () => {
    expect(Object.keys(outputs()).sort()).toEqual([...CHANNEL_OUTPUTS, "verify_token"].sort());
    expect(outputs().verify_token).toMatchObject({ sensitive: true, value: "${local.verify_token}" });
    expect(outputs().webhook_url?.value).toBe("${local.webhook_url}");
    expect(locals().webhook_url).toBe("${local.http_api_endpoint}/whatsapp");
    for (const [name, o] of Object.entries(outputs())) {
      expect(String(o.description ?? ""), name).not.toBe("");
      if (name === "verify_token") continue;
      for (const leak of ["verify_token", "access_token", "app_secret", "terraform_data"])
        expect(JSON.stringify(o), name).not.toContain(leak);
    }
  });

  test("setup invocation: CRUD, after both routes exist, re-run on URL, secret or app id change, no secret in it", () => {
    const setup = resource("aws_lambda_invocation", "setup_webhook");
    expect(setup).toMatchObject({
      function_name: "${aws_lambda_function.worker.function_name}",
      lifecycle_scope: "CRUD",
      terraform_key: "tf",
      input:
        '${jsonencode({ action = "setup", url = local.webhook_url, revision = local.webhook_revision })}',
    });
    expect(setup.depends_on).toEqual(
      expect.arrayContaining([
        "aws_apigatewayv2_integration.whatsapp",
        "aws_apigatewayv2_route.whatsapp_get",
        "aws_apigatewayv2_route.whatsapp_post",
        "aws_lambda_permission.whatsapp_get",
        "aws_lambda_permission.whatsapp_post",
        "aws_apigatewayv2_stage.this",
        "aws_secretsmanager_secret_version.this",
      ]),
    );
    expect(locals().webhook_revision).toBe(
      '${sha256("${local.webhook_url}\\n${local.secret_version_id}\\n${local.app_id}")}',
    );
    for (const leak of ["verify_token", "access_token", "app_secret"]) {
      expect(String(setup.input)).not.toContain(leak);
      expect(locals().webhook_revision).not.toContain(leak);
    }
  });
});

describe("inputs", () => {
  test("only name, agent_runtime_arn and allowed_users are required; credentials are sensitive", () => {
    const names = Object.keys(variables());
    expect(names).toEqual(
      expect.arrayContaining([
        "access_token",
        "app_secret",
        "verify_token",
        "phone_number_id",
        "app_id",
        "secret_arn",
      ]),
    );
    expect(names.filter((n) => !("default" in (variables()[n] as Block)))).toEqual([
      "agent_runtime_arn",
      "allowed_users",
      "name",
    ]);
    const sensitive = Object.entries(variables())
      .filter(([, v]) => v.sensitive === true)
      .map(([n]) => n)
      .sort();
    expect(sensitive).toEqual(["access_token", "app_secret", "verify_token"]);
    for (const [name, v] of Object.entries(variables())) {
      expect(typeof v.type, name).toBe("string");
      expect(String(v.description ?? "").length, name).toBeGreaterThan(20);
    }
  });

  test("allowed_users takes phone numbers (digits) and BSUIDs; its rule is the handler's", () => {
    const rules = variables().allowed_users?.validation as { condition: string }[];
    const rule = rules.map((r) => r.condition).find((c) => c.includes("regex")) ?? "";
    const pattern = JSON.parse(`"${/regex\("((?:[^"\\]|\\.)*)"/.exec(rule)?.[1]}"`) as string;
    const re = new RegExp(pattern);
    for (const ok of [
      "16505551234",
      "4915112345678",
      "US.13491208655302741918",
      "US.ENT.11815799212886844830",
    ])
      expect(re.test(ok), ok).toBe(true);
    for (const bad of ["+16505551234", "1650 555 1234", "us.123", "12345", ""])
      expect(re.test(bad), bad).toBe(false);
  });
});

describe("build", () => {
  test("the committed files() are what a fresh build gives, byte for byte", async () => {
    for (const [path, text] of Object.entries(await renderModuleFiles(whatsapp))) {
      const have = await readFile(join(REPO_ROOT, path), "utf8").catch(() => "");
      expect(have === text, `${path} is stale: run \`bun run build\``).toBe(true);
    }
  });
});

describe("send ledger", () => {
  test("on-demand DynamoDB table keyed by envelope id, expiring by TTL, named after the deployment", () => {
    expect(resource("aws_dynamodb_table", "ledger")).toMatchObject({
      name: "${var.name}-ledger",
      billing_mode: "PAY_PER_REQUEST",
      hash_key: "id",
      attribute: [{ name: "id", type: "S" }],
      ttl: { attribute_name: "expiresAt", enabled: true },
    });
  });
});
