import { describe, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "@cdktf/hcl2json";
import { REPO_ROOT } from "../../scripts/synth.ts";
import { type Block, CHANNEL_OUTPUTS, expectedPipeline, statementRows, useModule } from "../lib/testing.ts";
import { ASSISTANT_SCOPES, BOT_EVENTS, BOT_SCOPES, THREAD_EVENTS } from "./module.ts";

/**
 * Synth-level checks of the generated Slack module (there is no terraform binary here): what a
 * `terraform plan` would be given, read as Terraform JSON. What every channel module shares (queues,
 * functions, IAM shape, reusability) is checked in depth by modules/telegram/module.test.ts; this file
 * checks the Slack module gets the same, and what is its own: no setup invocation, the app manifest.
 */

const { files, config, resources, data, locals, variables, outputs, resource, statements, envOf } =
  useModule("slack");

describe("resources", () => {
  test("the channel resources, named as in every module; no setup invocation, no generated password", () => {
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
      "aws_apigatewayv2_integration.slack",
      "aws_apigatewayv2_route.slack",
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
      "aws_lambda_permission.slack",
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
      "terraform_data.session_key",
    ]);
  });

  test("functions: the committed bundles, nodejs22.x, arm64, handler strings of the contract", async () => {
    for (const fn of ["ingress", "worker"]) {
      expect(resource("aws_lambda_function", fn)).toMatchObject({
        handler: `${fn}.handler`,
        runtime: "nodejs22.x",
        architectures: ["arm64"],
      });
      expect(resource("aws_lambda_function", fn).filename).toBe(`\${path.module}/dist/${fn}.zip`);
      const bundle = await readFile(join(REPO_ROOT, "modules/slack/dist", `${fn}.mjs`), "utf8");
      expect(bundle).toContain(`from handlers/slack/${fn}.ts`);
    }
    expect(resource("aws_lambda_function", "ingress").timeout).toBe(10);
  });

  test("environment: exactly the variables of the handler contract; SLACK_API_URL left at its default", () => {
    expect(envOf("ingress")).toEqual(expectedPipeline.ingressEnvironment());
    expect(envOf("worker")).toEqual(expectedPipeline.workerEnvironment());
  });

  test("queues: a FIFO pair, visibility 6 × the worker timeout, DLQ after max_receive_count", () => {
    expect(resource("aws_sqs_queue", "this")).toMatchObject({
      name: "${var.name}.fifo",
      fifo_queue: true,
      content_based_deduplication: "${length(var.schedules) > 0}",
      visibility_timeout_seconds: "${local.queue_visibility_timeout_seconds}",
    });
    expect(resource("aws_sqs_queue", "this").redrive_policy).toContain("var.max_receive_count");
    expect(resource("aws_lambda_event_source_mapping", "worker").function_response_types).toEqual([
      "ReportBatchItemFailures",
    ]);
  });
});

describe("IAM: least privilege", () => {
  test("ingress: send to the queue, read the secret, write its logs", () => {
    expect(statementRows(statements("ingress"))).toEqual(expectedPipeline.ingressStatements());
  });

  test("worker: logs, secret, send ledger, agent, queue; nothing else", () => {
    expect(statementRows(statements("worker"))).toEqual(expectedPipeline.workerStatements());
    expect(JSON.stringify(config())).not.toContain("kms:");
  });

  test("API Gateway may invoke the ingress from POST /slack/events only", () => {
    expect(resource("aws_lambda_permission", "slack")).toMatchObject({
      function_name: "${aws_lambda_function.ingress.function_name}",
      principal: "apigateway.amazonaws.com",
      source_arn: "${local.http_api_execution_arn}/*/POST/slack/events",
    });
    expect(resource("aws_apigatewayv2_route", "slack").route_key).toBe("POST /slack/events");
    expect(resource("aws_apigatewayv2_integration", "slack")).toMatchObject({
      integration_type: "AWS_PROXY",
      payload_format_version: "2.0",
    });
  });
});

describe("secret", () => {
  test("JSON with bot_token, signing_secret and the session key; created only without secret_arn; both required then", () => {
    const version = resource("aws_secretsmanager_secret_version", "this");
    expect(version.secret_string_wo).toBe(
      `\${${expectedPipeline.secretJson(["bot_token = var.bot_token", "signing_secret = var.signing_secret"])}}`,
    );
    expect(resource("terraform_data", "session_key").count).toBe("${var.secret_arn == null ? 1 : 0}");
    expect(version.count).toBe("${var.secret_arn == null ? 1 : 0}");
    expect(resource("aws_secretsmanager_secret", "this").count).toBe("${var.secret_arn == null ? 1 : 0}");
    const [pre] = (version.lifecycle as { precondition: { condition: string }[] }).precondition;
    expect(pre?.condition).toBe("${var.bot_token != null && var.signing_secret != null}");
  });

  test("secrets are sensitive and validated by shape; they never reach an output or a local", () => {
    const sensitive = Object.entries(variables())
      .filter(([, v]) => v.sensitive === true)
      .map(([n]) => n)
      .sort();
    expect(sensitive).toEqual(["bot_token", "signing_secret"]);
    expect(JSON.stringify(variables().bot_token?.validation)).toContain("^xoxb-");
    for (const leak of ["bot_token", "signing_secret"]) {
      expect(JSON.stringify(outputs())).not.toContain(leak);
      expect(JSON.stringify(locals())).not.toContain(leak);
    }
  });
});

describe("app manifest", () => {
  const manifest = () => locals().app_manifest as string;

  test("valid HCL: the expression parses", async () => {
    const expression = manifest().slice(2, -1); // without "${" and "}"
    await expect(parse("manifest.tf", `locals {\n  m = ${expression}\n}\n`)).resolves.toBeDefined();
  });

  test("the request URL is the events URL of this module's route", () => {
    expect(locals().events_url).toBe("${local.http_api_endpoint}/slack/events");
    expect(manifest()).toContain("request_url = local.events_url");
    expect(outputs().webhook_url?.value).toBe("${local.events_url}");
  });

  test("scopes and events: the base always, thread-reply events and the agent view behind their switches", () => {
    const list = (items: readonly string[]) => `[${items.map((s) => `"${s}"`).join(", ")}]`;
    expect(manifest()).toContain(
      `bot = concat(${list(BOT_SCOPES)}, var.enable_assistant_view ? ${list(ASSISTANT_SCOPES)} : [])`,
    );
    expect(manifest()).toContain(
      `bot_events = concat(${list(BOT_EVENTS)}, var.enable_thread_replies ? ${list(THREAD_EVENTS)} : [])`,
    );
    expect(manifest()).toContain(
      "{ for key, value in { assistant_view = { assistant_description = var.app_description } } : key => value if var.enable_assistant_view }",
    );
    // The history scopes subscribe to nothing: message events only where listed, group DMs' never.
    expect(BOT_EVENTS).toEqual(["app_mention", "message.im"]);
    expect(THREAD_EVENTS).toEqual(["message.channels", "message.groups"]);
    expect(variables().enable_thread_replies?.default).toBe(true);
    expect(variables().enable_assistant_view?.default).toBe(false);
  });

  test("what the handlers need is asked for, and nothing else", () => {
    // app_mention events; chat.postMessage; message.im; reactions.add/remove; message.channels/groups and
    // conversations.replies; reading back reply parts (conversations.replies/history) wherever the bot
    // answers: DMs, channel and private-channel threads, group DMs; assistant.threads.setStatus; conversations.open
    // (a DM with an admin about an access request); files users send (files:read) and the agent sends (files:write).
    expect([...BOT_SCOPES, ...ASSISTANT_SCOPES].sort()).toEqual([
      "app_mentions:read",
      "assistant:write",
      "channels:history",
      "chat:write",
      "files:read",
      "files:write",
      "groups:history",
      "im:history",
      "im:write",
      "metadata.message:read",
      "mpim:history",
      "reactions:write",
    ]);
    expect(manifest()).toContain("socket_mode_enabled = false");
    expect(manifest()).toContain("token_rotation_enabled = false");
    expect(manifest()).toMatch(/scopes = \{ bot = concat\([^{}]*\) \}/); // bot scopes only, no user scopes
  });

  test("name: app_name, or name cut to Slack's 35 characters", () => {
    expect(locals().app_name).toBe("${coalesce(var.app_name, substr(var.name, 0, 35))}");
    expect(manifest()).toContain(
      "display_information = { name = local.app_name, description = var.app_description }",
    );
  });

  test("the manifest is an output, described with where to paste it", () => {
    expect(outputs().app_manifest?.value).toBe("${local.app_manifest}");
    expect(String(outputs().app_manifest?.description)).toContain("App Manifest");
  });

  test("the README's first-step manifest asks for the module's default scopes", () => {
    const readme = files()["modules/slack/README.md"] as string;
    const json = /```json\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf("Create New App")))?.[1] ?? "";
    const bootstrap = JSON.parse(json.replace(/^ {3}/gm, "")) as {
      oauth_config: { scopes: { bot: string[] } };
    };
    expect(bootstrap.oauth_config.scopes.bot.sort()).toEqual([...BOT_SCOPES].sort());
  });
});

describe("inputs and outputs", () => {
  test("only name, agent_runtime_arn and allowed_users are required; Slack member ids are checked", () => {
    const names = Object.keys(variables());
    expect(names.filter((n) => !("default" in (variables()[n] as Block))).sort()).toEqual([
      "agent_runtime_arn",
      "allowed_users",
      "name",
    ]);
    expect(JSON.stringify(variables().allowed_users?.validation)).toContain("^[UW][A-Z0-9]{2,}$");
    for (const [name, v] of Object.entries(variables())) {
      expect(typeof v.type, name).toBe("string");
      expect(String(v.description ?? "").length, name).toBeGreaterThan(20);
    }
  });

  test("the outputs every channel module has, plus app_manifest; webhook_url says nothing registers it", () => {
    expect(Object.keys(outputs()).sort()).toEqual([...CHANNEL_OUTPUTS, "app_manifest"].sort());
    expect(String(outputs().webhook_url?.description)).not.toContain("registered by the module");
  });

  test("required providers: aws only (nothing random is generated, nothing zipped at plan)", () => {
    const terraform = config().terraform as { required_providers: Record<string, unknown> };
    expect(Object.keys(terraform.required_providers).sort()).toEqual(["aws"]);
    expect(config()).not.toHaveProperty("provider");
  });
});

test("the committed files() are what a fresh synth gives, byte for byte", async () => {
  for (const [path, text] of Object.entries(files())) {
    const committed = await readFile(join(REPO_ROOT, path), "utf8").catch(() => "");
    expect(committed === text, `${path} is stale: run \`bun run build\``).toBe(true);
  }
});
