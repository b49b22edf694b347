import { describe, expect, test } from "bun:test";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MODULES, REPO_ROOT, renderModuleFiles, synthAll } from "../../scripts/synth.ts";
import {
  actionNames,
  type Block,
  CHANNEL_OUTPUTS,
  expectedPipeline,
  statementRows,
  useModule,
} from "../lib/testing.ts";

/**
 * Synth-level checks of the generated Telegram module (there is no terraform binary here): what a
 * `terraform plan` would be given, read as Terraform JSON.
 */

const telegram = MODULES.find((m) => m.name === "telegram");
if (!telegram) throw new Error("telegram is not in MODULES");

const { files, config, data, locals, variables, outputs, resource, statements, envOf, addresses } =
  useModule("telegram");

describe("resources", () => {
  test("every resource the module is made of, with the readable names", () => {
    expect(addresses({ withData: true })).toEqual([
      "aws_apigatewayv2_api.this",
      "aws_apigatewayv2_integration.telegram",
      "aws_apigatewayv2_route.telegram",
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
      "aws_lambda_permission.telegram",
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
    ]);
  });

  test("optional resources are switched by the documented inputs", () => {
    expect(resource("aws_apigatewayv2_api", "this").count).toBe("${var.http_api_id == null ? 1 : 0}");
    expect(resource("aws_apigatewayv2_stage", "this").count).toBe("${var.http_api_id == null ? 1 : 0}");
    expect(data().aws_apigatewayv2_api?.this?.count).toBe("${var.http_api_id == null ? 0 : 1}");
    expect(resource("aws_cloudwatch_metric_alarm", "dlq").count).toBe("${var.create_dlq_alarm ? 1 : 0}");
    for (const [type, name] of [
      ["aws_secretsmanager_secret", "this"],
      ["aws_secretsmanager_secret_version", "this"],
    ] as const) {
      expect(resource(type, name).count).toBe("${var.secret_arn == null ? 1 : 0}");
    }
  });

  test("functions: the committed bundles, nodejs22.x, arm64, handler strings of the contract", () => {
    for (const fn of ["ingress", "worker"]) {
      expect(resource("aws_lambda_function", fn)).toMatchObject({
        handler: `${fn}.handler`,
        runtime: "nodejs22.x",
        architectures: ["arm64"],
        filename: `\${path.module}/dist/${fn}.zip`,
        source_code_hash: `\${filebase64sha256("\${path.module}/dist/${fn}.zip")}`,
      });
      expect(resource("aws_lambda_function", fn).filename).toBe(`\${path.module}/dist/${fn}.zip`);
      expect(resource("aws_cloudwatch_log_group", fn)).toEqual({
        name: `/aws/lambda/\${var.name}-${fn}`,
        retention_in_days: "${var.log_retention_days}",
        tags: "${var.tags}",
      });
    }
    expect(resource("aws_lambda_function", "worker").timeout).toBe("${var.worker_timeout_seconds}");
    expect(resource("aws_lambda_function", "worker").memory_size).toBe("${var.worker_memory_mb}");
    expect(resource("aws_lambda_function", "ingress").memory_size).toBe("${var.ingress_memory_mb}");
  });

  test("environment: exactly the variables of the handler contract", () => {
    expect(envOf("ingress")).toEqual(expectedPipeline.ingressEnvironment());
    expect(envOf("worker")).toEqual(
      expectedPipeline.workerEnvironment({ TELEGRAM_STREAM: "${var.stream_mode}" }),
    );
  });
});

describe("queues", () => {
  test("FIFO pair, SSE-SQS, producer-set deduplication ids", () => {
    for (const name of ["this", "dlq"]) {
      expect(resource("aws_sqs_queue", name)).toMatchObject({
        fifo_queue: true,
        sqs_managed_sse_enabled: true,
        content_based_deduplication: name === "this" ? "${length(var.schedules) > 0}" : false,
      });
    }
    expect(resource("aws_sqs_queue", "this").name).toBe("${var.name}.fifo");
    expect(resource("aws_sqs_queue", "dlq").name).toBe("${var.name}-dlq.fifo");
  });

  test("visibility timeout is at least 6 × the worker timeout (default 6 ×, checked at plan otherwise)", () => {
    const main = resource("aws_sqs_queue", "this");
    expect(main.visibility_timeout_seconds).toBe("${local.queue_visibility_timeout_seconds}");
    expect(locals().queue_visibility_timeout_seconds).toBe(
      "${coalesce(var.queue_visibility_timeout_seconds, 6 * var.worker_timeout_seconds)}",
    );
    const [pre] = (main.lifecycle as { precondition: { condition: string; error_message: string }[] })
      .precondition;
    expect(pre?.condition).toBe(
      "${(local.queue_visibility_timeout_seconds >= (6 * var.worker_timeout_seconds))}",
    );
    expect(pre?.error_message).toContain("${local.queue_visibility_timeout_seconds}");
    // The defaults satisfy the rule.
    const timeout = variables().worker_timeout_seconds?.default as number;
    expect(variables().queue_visibility_timeout_seconds?.default).toBeNull();
    expect(6 * timeout).toBeLessThanOrEqual(43200);
  });

  test("DLQ wiring: redrive after max_receive_count, the worker told the same number, redrive allowed back", () => {
    expect(resource("aws_sqs_queue", "this").redrive_policy).toBe(
      "${jsonencode({ deadLetterTargetArn = aws_sqs_queue.dlq.arn, maxReceiveCount = var.max_receive_count })}",
    );
    expect(envOf("worker").MAX_RECEIVE_COUNT).toContain("var.max_receive_count");
    expect(resource("aws_sqs_queue_redrive_allow_policy", "dlq").redrive_allow_policy).toContain(
      "aws_sqs_queue.this.arn",
    );
  });

  test("event source: the main queue → worker, ReportBatchItemFailures, batch size and concurrency inputs", () => {
    expect(resource("aws_lambda_event_source_mapping", "worker")).toEqual({
      event_source_arn: "${aws_sqs_queue.this.arn}",
      function_name: "${aws_lambda_function.worker.arn}",
      batch_size: "${var.batch_size}",
      function_response_types: ["ReportBatchItemFailures"],
      scaling_config: { maximum_concurrency: "${var.max_concurrency}" },
      tags: "${var.tags}",
    });
  });

  test("alarm on any visible message in the DLQ, notifying the optional topic", () => {
    expect(resource("aws_cloudwatch_metric_alarm", "dlq")).toMatchObject({
      namespace: "AWS/SQS",
      metric_name: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: "${aws_sqs_queue.dlq.name}" },
      comparison_operator: "GreaterThanThreshold",
      threshold: 0,
      alarm_actions: "${var.alarm_sns_topic_arn == null ? [] : [var.alarm_sns_topic_arn]}",
    });
  });
});

describe("IAM: least privilege", () => {
  /**
   * The only wildcards allowed in a resource, each required by AWS. Anything else with a `*` fails.
   * - `<log group ARN>:*`: Lambda names log streams at run time; `:*` is the streams of that one group.
   * - `<runtime ARN>/runtime-endpoint/*`: InvokeAgentRuntime is authorized against the endpoint named by the
   *   qualifier (DEFAULT or a user-made one); the pattern is scoped to the one runtime.
   */
  const WILDCARD_EXCEPTIONS: Record<string, string> = {
    "${aws_cloudwatch_log_group.ingress.arn}:*":
      "log streams of the ingress log group, named by Lambda at run time",
    "${aws_cloudwatch_log_group.worker.arn}:*":
      "log streams of the worker log group, named by Lambda at run time",
    "${var.agent_runtime_arn}/runtime-endpoint/*":
      "endpoints of the one runtime; the qualifier picks one per call",
    "${aws_s3_bucket.media.arn}/*": "objects of the media bucket, named by the worker at run time",
  };

  test("no wildcard action, no * resource, wildcards in resources only where AWS requires them", () => {
    for (const fn of ["ingress", "worker"]) {
      for (const s of statements(fn)) {
        for (const action of actionNames(s)) expect(action).not.toContain("*");
        for (const r of s.resources) {
          expect(r).not.toBe("*");
          if (r.includes("*")) expect(WILDCARD_EXCEPTIONS).toHaveProperty([r]);
        }
      }
    }
  });

  test("ingress: send to the queue, read the secret, write its logs", () => {
    expect(statementRows(statements("ingress"))).toEqual(expectedPipeline.ingressStatements());
  });

  test("worker: consume the queue, read the secret and the send ledger, invoke and stop agent sessions, write its logs", () => {
    expect(statementRows(statements("worker"))).toEqual(expectedPipeline.workerStatements());
    // InvokeAgentRuntimeForUser only with enable_agent_user_id.
    const invoke = statements("worker").find((s) => s.sid === "InvokeAgent");
    expect(invoke?.actions).toStartWith(
      '${var.enable_agent_user_id ? ["bedrock-agentcore:InvokeAgentRuntime"',
    );
    const [, whenDisabled] = String(invoke?.actions).split(" : ");
    expect(whenDisabled).toBe(
      '["bedrock-agentcore:InvokeAgentRuntime", "bedrock-agentcore:StopRuntimeSession"]}',
    );
  });

  test("roles trust Lambda only; each role has its own policy; no KMS", () => {
    const trust = data().aws_iam_policy_document?.lambda_assume_role?.statement as Block[];
    expect(trust).toEqual([
      {
        actions: ["sts:AssumeRole"],
        effect: "Allow",
        principals: [{ identifiers: ["lambda.amazonaws.com"], type: "Service" }],
      },
    ]);
    for (const fn of ["ingress", "worker"]) {
      expect(resource("aws_iam_role_policy", fn)).toMatchObject({
        role: `\${aws_iam_role.${fn}.id}`,
        policy: `\${data.aws_iam_policy_document.${fn}.json}`,
      });
    }
    expect(JSON.stringify(config())).not.toContain("kms:");
  });

  test("API Gateway may invoke the ingress from POST /telegram only", () => {
    expect(resource("aws_lambda_permission", "telegram")).toMatchObject({
      function_name: "${aws_lambda_function.ingress.function_name}",
      principal: "apigateway.amazonaws.com",
      source_arn: "${local.http_api_execution_arn}/*/POST/telegram",
    });
    expect(resource("aws_apigatewayv2_route", "telegram").route_key).toBe("POST /telegram");
    expect(resource("aws_apigatewayv2_integration", "telegram")).toMatchObject({
      integration_type: "AWS_PROXY",
      payload_format_version: "2.0",
    });
  });
});

describe("secret and webhook registration", () => {
  test("secret JSON holds bot_token, a webhook secret derived from it and the session key, written only (never in state)", () => {
    const json = expectedPipeline.secretJson([
      "bot_token = var.bot_token",
      'webhook_secret = sha256("agentcore-relay telegram webhook secret:${var.bot_token}")',
    ]);
    const version = resource("aws_secretsmanager_secret_version", "this");
    expect(version.secret_string).toBeUndefined();
    expect(version.secret_string_wo).toBe(`\${${json}}`);
    expect(version.secret_string_wo_version).toBe(`\${parseint(substr(sha256(${json}), 0, 12), 16)}`);
    expect(locals().secret_arn).toBe(
      "${var.secret_arn == null ? aws_secretsmanager_secret.this[0].arn : var.secret_arn}",
    );
  });

  test("session key: 64 random hex digits made once with the secret (never from the bot token), kept in the state", () => {
    expect(resource("terraform_data", "session_key")).toEqual({
      count: "${var.secret_arn == null ? 1 : 0}",
      input: '${sensitive(replace(join("", [uuid(), uuid()]), "-", ""))}',
      lifecycle: { ignore_changes: ["input"] },
    });
  });

  test("setup invocation of the worker: CRUD, after the route exists, re-run on URL or secret change", () => {
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
        "aws_apigatewayv2_route.telegram",
        "aws_apigatewayv2_integration.telegram",
        "aws_lambda_permission.telegram",
        "aws_apigatewayv2_stage.this",
        "aws_secretsmanager_secret_version.this",
      ]),
    );
    expect(locals().webhook_url).toBe("${local.http_api_endpoint}/telegram");
    expect(locals().webhook_revision).toBe('${sha256("${local.webhook_url}\\n${local.secret_version_id}")}');
    expect(locals().secret_version_id).toContain("AWSCURRENT");
  });

  test("the webhook secret and the bot token never reach an output or the invocation input", () => {
    const leaks = ["webhook_secret", "bot_token", "secret_string"];
    const invocationInput = String(resource("aws_lambda_invocation", "setup_webhook").input);
    for (const leak of leaks) {
      expect(JSON.stringify(outputs())).not.toContain(leak);
      expect(invocationInput).not.toContain(leak);
      expect(locals().webhook_revision).not.toContain(leak);
    }
  });
});

describe("inputs and outputs", () => {
  test("at least the inputs the issue lists; only name, agent_runtime_arn and allowed_users are required", () => {
    const names = Object.keys(variables());
    expect(names).toEqual(
      expect.arrayContaining([
        "name",
        "agent_runtime_arn",
        "agent_qualifier",
        "allowed_users",
        "bot_token",
        "secret_arn",
        "worker_timeout_seconds",
        "worker_memory_mb",
        "max_receive_count",
        "max_concurrency",
        "log_retention_days",
        "http_api_id",
        "alarm_sns_topic_arn",
        "tags",
        "ingress_memory_mb",
        "batch_size",
        "enable_agent_user_id",
        "log_level",
        "create_dlq_alarm",
        "secret_recovery_window_in_days",
      ]),
    );
    expect(names.filter((n) => !("default" in (variables()[n] as Block)))).toEqual([
      "agent_runtime_arn",
      "allowed_users",
      "name",
    ]);
    expect(variables().agent_qualifier?.default).toBe("DEFAULT");
    expect(variables().allowed_users?.type).toBe("list(string)");
  });

  test("every variable has a type and a description; secrets are sensitive", () => {
    for (const [name, v] of Object.entries(variables())) {
      expect(typeof v.type, name).toBe("string");
      expect(String(v.description ?? "").length, name).toBeGreaterThan(20);
    }
    expect(variables().bot_token?.sensitive).toBe(true);
    const sensitive = Object.entries(variables())
      .filter(([, v]) => v.sensitive === true)
      .map(([n]) => n);
    expect(sensitive).toEqual(["bot_token"]);
  });

  test("allowed_users must not be empty", () => {
    const rules = variables().allowed_users?.validation as { condition: string }[];
    expect(rules.map((r) => r.condition)).toContain("${length(var.allowed_users) > 0}");
  });

  test("exactly the outputs the issue lists, each described", () => {
    expect(Object.keys(outputs()).sort()).toEqual([...CHANNEL_OUTPUTS].sort());
    for (const [name, o] of Object.entries(outputs())) expect(String(o.description ?? ""), name).not.toBe("");
  });
});

describe("a reusable module", () => {
  test("required_providers with version constraints; no provider, no backend, no CDKTF metadata", () => {
    const terraform = config().terraform as {
      required_providers: Record<string, { source: string; version: string }>;
    };
    expect(Object.keys(terraform.required_providers).sort()).toEqual(["aws"]);
    for (const p of Object.values(terraform.required_providers)) expect(p.version).toMatch(/^>= \d+\.\d+/);
    expect(config()).not.toHaveProperty("provider");
    for (const [path, text] of Object.entries(files())) {
      if (!path.endsWith(".tf")) continue;
      expect(text).not.toMatch(/^\s*backend "|^provider "/m);
      expect(text).not.toContain("cdktf");
      expect(text).not.toContain("//");
      expect(text).toStartWith("# Generated by `bun run build` from modules/telegram/module.ts.");
    }
  });

  test("no absolute or machine paths: files are found relative to the module or the root", () => {
    const all = Object.values(files()).join("\n");
    const machine = [REPO_ROOT, tmpdir(), "/home/", "/Users/", "C:\\"].filter((dir) => all.includes(dir));
    expect(machine).toEqual([]);
    const paths = [...all.matchAll(/\bfilename\s+= "([^"]+)"/g)].map((m) => m[1] as string);
    expect(paths).toHaveLength(2);
    for (const p of paths) expect(p).toMatch(/^\$\{path\.module\}\/dist\/\w+\.zip$/);
  });

  test("README carries the generated tables between the markers", () => {
    const readme = files()["modules/telegram/README.md"] as string;
    expect(readme).toContain("<!-- BEGIN_TF_DOCS -->");
    expect(readme).toContain("| `bot_token` |");
    expect(readme).toContain("| `webhook_url` |");
  });
});

describe("build", () => {
  test("the committed files are what a fresh build gives, byte for byte", async () => {
    const out = await mkdtemp(join(tmpdir(), "agentcore-relay-synth-"));
    try {
      await synthAll({ outDir: out });
      for (const def of MODULES) {
        const dir = `modules/${def.name}`;
        const fresh = (await readdir(join(out, dir))).sort();
        const committed = (await readdir(join(REPO_ROOT, dir))).filter(
          (f) => /\.tf(\.json)?$/.test(f) || f === "README.md",
        );
        expect(
          committed.sort(),
          `${dir}: generated files differ from a fresh build: run \`bun run build\``,
        ).toEqual(fresh);
        for (const file of fresh) {
          const want = await readFile(join(out, dir, file), "utf8");
          const have = await readFile(join(REPO_ROOT, dir, file), "utf8");
          expect(have === want, `${dir}/${file} is stale: run \`bun run build\``).toBe(true);
        }
      }
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  test("synthesizes fast", async () => {
    const started = performance.now();
    await renderModuleFiles(telegram);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe("send ledger", () => {
  test("on-demand DynamoDB table keyed by envelope id, expiring by TTL", () => {
    expect(resource("aws_dynamodb_table", "ledger")).toMatchObject({
      billing_mode: "PAY_PER_REQUEST",
      hash_key: "id",
      attribute: [{ name: "id", type: "S" }],
      ttl: { attribute_name: "expiresAt", enabled: true },
    });
  });
});
