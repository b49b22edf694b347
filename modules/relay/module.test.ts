import { describe, expect, test } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "@cdktf/hcl2json";
import { storedAuthState } from "../../relay/whatsapp/auth-state.ts";
import { REPO_ROOT } from "../../scripts/synth.ts";
import { type Block, useModule } from "../lib/testing.ts";
import { KEY_ADMIN_ACTIONS } from "./bucket.ts";
import { AUTH_PREFIX, HEALTH_CHECK, SESSION_KEY_OBJECTS } from "./module.ts";

/** Synth-level checks of the generated relay module: what `terraform plan` would be given. */

const { files, resources, data, locals, variables, resource } = useModule("relay");

/** A Terraform expression string (`${...}`) parsed by HCL, to prove it is valid Terraform. */
async function hcl(expression: string): Promise<unknown> {
  const inner = expression.replace(/^\$\{([\s\S]*)\}$/, "$1");
  const parsed = (await parse("check.tf", `locals {\n  x = ${inner}\n}\n`)) as { locals: { x: unknown }[] };
  return parsed.locals[0]?.x;
}

describe("resources", () => {
  test("exactly the listed resources, with readable names; optional ones behind their switches", () => {
    const addresses = Object.entries(resources()).flatMap(([type, byName]) =>
      Object.keys(byName).map((n) => `${type}.${n}`),
    );
    expect(addresses.sort()).toEqual(
      [
        "aws_cloudwatch_log_group.this",
        "aws_cloudwatch_metric_alarm.no_task",
        "aws_ecr_lifecycle_policy.this",
        "aws_ecr_repository.this",
        "aws_ecs_cluster.this",
        "aws_ecs_cluster_capacity_providers.this",
        "aws_ecs_service.this",
        "aws_ecs_task_definition.this",
        "aws_iam_role.execution",
        "aws_iam_role.task",
        "aws_iam_role_policy.execution",
        "aws_iam_role_policy.task",
        "aws_kms_key.state",
        "aws_s3_bucket.state",
        "aws_s3_bucket_lifecycle_configuration.state",
        "aws_s3_bucket_ownership_controls.state",
        "aws_s3_bucket_policy.state",
        "aws_s3_bucket_public_access_block.state",
        "aws_s3_bucket_server_side_encryption_configuration.state",
        "aws_s3_bucket_versioning.state",
      ].sort(),
    );
    expect(resource("aws_ecs_cluster", "this").count).toBe("${var.cluster_arn == null ? 1 : 0}");
    expect(resource("aws_ecr_repository", "this").count).toBe("${var.image_uri == null ? 1 : 0}");
    expect(resource("aws_s3_bucket", "state").count).toBeUndefined();
    // No task before there is an image to run.
    for (const type of ["aws_ecs_task_definition", "aws_ecs_service"])
      expect(resource(type, "this").count).toBe("${local.image != null ? 1 : 0}");
  });

  test("task: Fargate, ARM64, 0.25 vCPU / 0.5 GB by default, awsvpc", () => {
    const task = resource("aws_ecs_task_definition", "this");
    expect(task).toMatchObject({
      requires_compatibilities: ["FARGATE"],
      network_mode: "awsvpc",
      runtime_platform: { cpu_architecture: "ARM64", operating_system_family: "LINUX" },
      cpu: "${tostring(var.cpu)}",
      memory: "${tostring(var.memory_mb)}",
      execution_role_arn: "${aws_iam_role.execution.arn}",
      task_role_arn: "${aws_iam_role.task.arn}",
    });
    expect(variables().cpu?.default).toBe(256);
    expect(variables().memory_mb?.default).toBe(512);
  });

  test("service: one task, never two at once, public IP by default, optional Fargate Spot", () => {
    const service = resource("aws_ecs_service", "this");
    expect(service).toMatchObject({
      desired_count: 1,
      deployment_minimum_healthy_percent: 0,
      deployment_maximum_percent: 100,
      launch_type: '${var.use_fargate_spot ? null : "FARGATE"}',
      network_configuration: {
        assign_public_ip: "${var.assign_public_ip}",
        subnets: "${var.subnet_ids}",
        security_groups: "${var.security_group_ids}",
      },
      dynamic: {
        capacity_provider_strategy: {
          for_each: '${var.use_fargate_spot ? ["FARGATE_SPOT"] : []}',
          content: { capacity_provider: "${capacity_provider_strategy.value}", weight: 1 },
        },
      },
    });
    expect(variables().assign_public_ip?.default).toBe(true);
    expect(variables().use_fargate_spot?.default).toBe(false);
    expect(resource("aws_ecs_cluster_capacity_providers", "this").capacity_providers).toEqual([
      "FARGATE",
      "FARGATE_SPOT",
    ]);
  });

  test("container: the relay's environment per enabled integration, logs, stop timeout — valid HCL", async () => {
    const containers = (await hcl(
      resource("aws_ecs_task_definition", "this").container_definitions as string,
    )) as string;
    expect(containers).toContain('name = "relay"');
    expect(containers).toContain("local.environment");
    expect(containers).toContain("stopTimeout = 30");
    const env = locals().environment as string;
    for (const name of [
      "PORT",
      "HEALTH_HOST",
      "LOG_LEVEL",
      "DISCORD_QUEUE_URL",
      "WHATSAPP_PERSONAL_QUEUE_URL",
      "OUTBOUND_QUEUE_URL",
      "STATE_BUCKET",
      "AUTH_PREFIX",
      "WHATSAPP_ALLOWED_USERS",
      "WHATSAPP_LOG_QR",
      "WHATSAPP_GROUP_TRIGGER",
    ]) {
      expect(env).toContain(`name = "${name}"`);
    }
    expect(env).toContain('{ name = "HEALTH_HOST", value = "127.0.0.1" }');
    expect(env).toContain(
      '{ name = "WHATSAPP_ALLOWED_USERS", value = join(",", var.whatsapp_personal.allowed_users) }',
    );
    expect(env).toContain("var.discord != null ? [");
    expect(env).toContain("var.whatsapp_personal != null ? [");
    expect(env).toContain("var.whatsapp_personal != null && var.whatsapp_group_trigger != null ? [");
    await hcl(env);
    expect(env).not.toMatch(/bot_token|TOKEN"|SECRET/);
    // The bot token comes from the Discord module's secret through ECS, never as plain configuration.
    expect(containers).toContain("secrets = local.container_secrets");
    expect(locals().container_secrets).toBe(
      '${var.discord != null ? [{ name = "DISCORD_BOT_TOKEN", valueFrom = "${var.discord.secret_arn}:bot_token::" }] : []}',
    );
  });

  test("health check: the image's own HEALTHCHECK command (relay/Dockerfile), on the loopback endpoint", async () => {
    const dockerfile = await readFile(join(REPO_ROOT, "relay/Dockerfile"), "utf8");
    const match = /^HEALTHCHECK (.*) CMD (\[.*\])$/m.exec(dockerfile);
    expect(match, "relay/Dockerfile has a HEALTHCHECK … CMD [...]").not.toBeNull();
    expect(["CMD", ...JSON.parse(match?.[2] as string)]).toEqual([...HEALTH_CHECK.command]);
    // The same timings as the task definition, so a plain `docker run` behaves as ECS does.
    const { interval, timeout, retries, startPeriod } = HEALTH_CHECK;
    expect(match?.[1]).toBe(
      `--interval=${interval}s --timeout=${timeout}s --start-period=${startPeriod}s --retries=${retries}`,
    );
    const containers = String(resource("aws_ecs_task_definition", "this").container_definitions);
    expect(containers).toContain(
      'healthCheck = { command = ["CMD", "bun", "dist/healthcheck.js"], interval = 30, timeout = 5, retries = 3, startPeriod = 120 }',
    );
    expect(containers).not.toContain("portMappings");
  });

  test("ECR: scan on push, lifecycle keeps the last N images", async () => {
    expect(resource("aws_ecr_repository", "this")).toMatchObject({
      image_scanning_configuration: { scan_on_push: true },
      image_tag_mutability: "IMMUTABLE",
      force_delete: "${var.force_destroy}",
    });
    const policy = String(await hcl(resource("aws_ecr_lifecycle_policy", "this").policy as string));
    expect(policy).toContain("imageCountMoreThan");
    expect(policy).toContain("var.image_retention_count");
  });

  test("state bucket: private, encrypted with its own key, versioned, TLS only", () => {
    expect(resource("aws_s3_bucket_public_access_block", "state")).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(resource("aws_s3_bucket_server_side_encryption_configuration", "state").rule).toEqual([
      {
        apply_server_side_encryption_by_default: {
          sse_algorithm: "aws:kms",
          kms_master_key_id: "${aws_kms_key.state.arn}",
        },
        bucket_key_enabled: true,
      },
    ]);
    expect(resource("aws_kms_key", "state")).toMatchObject({
      enable_key_rotation: true,
      deletion_window_in_days: 30,
      policy: "${data.aws_iam_policy_document.state_key.json}",
    });
    // Destroyed after the bucket: a bucket destroy has to keep (objects, no force_destroy) keeps its key.
    expect(resource("aws_s3_bucket", "state").depends_on).toEqual(["aws_kms_key.state"]);
    expect(resource("aws_s3_bucket_versioning", "state").versioning_configuration).toEqual({
      status: "Enabled",
    });
    expect(resource("aws_s3_bucket_ownership_controls", "state").rule).toEqual({
      object_ownership: "BucketOwnerEnforced",
    });
    expect(resource("aws_s3_bucket_policy", "state").policy).toBe(
      "${data.aws_iam_policy_document.state_bucket.json}",
    );
  });

  test("the key policy: the account administers the key, only the task role uses it", () => {
    expect(data().aws_iam_policy_document?.state_key?.statement).toEqual([
      {
        sid: "AccountAdministersTheKey",
        effect: "Allow",
        principals: [{ type: "AWS", identifiers: ["${data.aws_caller_identity.current.account_id}"] }],
        actions: [...KEY_ADMIN_ACTIONS],
        resources: ["*"],
      },
      {
        sid: "RelayUsesTheKey",
        effect: "Allow",
        principals: [{ type: "AWS", identifiers: ["${aws_iam_role.task.arn}"] }],
        actions: ["kms:Decrypt", "kms:GenerateDataKey"],
        resources: ["*"],
      },
    ]);
    // Nothing that would let an IAM policy in the account open the state.
    for (const action of KEY_ADMIN_ACTIONS) {
      expect(action).not.toMatch(/\*|Decrypt|Encrypt|GenerateDataKey|CreateGrant|ReEncrypt/);
    }
  });

  test("the bucket policy: TLS only; the session's keys readable by the task role alone", () => {
    expect(data().aws_iam_policy_document?.state_bucket?.statement).toEqual([
      {
        sid: "TlsOnly",
        effect: "Deny",
        principals: [{ type: "*", identifiers: ["*"] }],
        actions: ["s3:*"],
        resources: ["${aws_s3_bucket.state.arn}", "${aws_s3_bucket.state.arn}/*"],
        condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
      },
      {
        sid: "SessionKeysOnlyForTheRelay",
        effect: "Deny",
        principals: [{ type: "*", identifiers: ["*"] }],
        actions: ["s3:GetObject", "s3:GetObjectVersion"],
        resources: [
          "${aws_s3_bucket.state.arn}/whatsapp-personal/creds.json",
          "${aws_s3_bucket.state.arn}/whatsapp-personal/keys/*",
        ],
        condition: [
          { test: "StringNotEquals", variable: "aws:PrincipalArn", values: ["${aws_iam_role.task.arn}"] },
        ],
      },
    ]);
  });

  test("the deny covers every object of the WhatsApp session the relay writes (relay/whatsapp/auth-state.ts)", async () => {
    const written: string[] = [];
    const objects = new Map<string, string>();
    const store = {
      get: async (key: string) => objects.get(key),
      put: async (key: string, body: string | Uint8Array) => {
        written.push(key);
        objects.set(key, String(body));
      },
      delete: async (key: string) => void objects.delete(key),
      deletePrefix: async () => {},
    };
    const auth = await storedAuthState(store, AUTH_PREFIX);
    await auth.saveCreds();
    await auth.state.keys.set({
      "pre-key": { "1": { public: new Uint8Array(32), private: new Uint8Array(32) } },
      session: { "491701234567.0": new Uint8Array(8) },
      "sender-key": { "120363@g.us::491701234567::0": new Uint8Array(8) },
      "app-state-sync-key": { AAAA: { keyData: new Uint8Array(32) } as never },
    });
    expect(written.length).toBe(5);
    const patterns = SESSION_KEY_OBJECTS.map(
      (p) => new RegExp(`^${p.replace(/[.]/g, "\\.").replace(/\*/g, ".*")}$`),
    );
    for (const key of written)
      expect(
        patterns.some((p) => p.test(key)),
        key,
      ).toBe(true);
  });
});

describe("IAM: least privilege", () => {
  type Doc = { statement?: Row[]; dynamic?: { statement: { for_each: string; content: Row }[] } };
  type Row = { sid: string; actions: string[]; resources: string[] | string };
  const doc = (name: string) => data().aws_iam_policy_document?.[name] as unknown as Doc;
  /** `[sid, actions, resources, when]` of every statement, the optional ones with their switch. */
  const rows = (name: string) => [
    ...(doc(name).statement ?? []).map((s) => [s.sid, s.actions, s.resources, "always"]),
    ...(doc(name).dynamic?.statement ?? []).map((d) => [
      d.content.sid,
      d.content.actions,
      d.content.resources,
      d.for_each,
    ]),
  ];

  test("task role: exact actions on the given ARNs, each integration's statements behind its switch; no secret", () => {
    expect(resource("aws_iam_role_policy", "task").policy).toBe("${data.aws_iam_policy_document.task.json}");
    const objects = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"];
    expect(rows("task")).toEqual([
      ["ListStateBucket", ["s3:ListBucket"], ["${aws_s3_bucket.state.arn}"], "always"],
      ["StateLease", objects, ["${aws_s3_bucket.state.arn}/lease.json"], "always"],
      ["UseStateKey", ["kms:Decrypt", "kms:GenerateDataKey"], ["${aws_kms_key.state.arn}"], "always"],
      [
        "SendToDiscordQueue",
        ["sqs:SendMessage"],
        ["${var.discord.queue_arn}"],
        "${var.discord != null ? [1] : []}",
      ],
      [
        "DiscordSessionObjects",
        objects,
        ["${aws_s3_bucket.state.arn}/discord/*"],
        "${var.discord != null ? [1] : []}",
      ],
      [
        "SendToWhatsAppQueue",
        ["sqs:SendMessage"],
        ["${var.whatsapp_personal.queue_arn}"],
        "${var.whatsapp_personal != null ? [1] : []}",
      ],
      [
        "ConsumeOutboundQueue",
        ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"],
        ["${var.whatsapp_personal.outbound_queue_arn}"],
        "${var.whatsapp_personal != null ? [1] : []}",
      ],
      [
        "AuthStateObjects",
        objects,
        ["${aws_s3_bucket.state.arn}/whatsapp-personal/*"],
        "${var.whatsapp_personal != null ? [1] : []}",
      ],
      [
        "StoreWhatsAppMedia",
        ["s3:PutObject"],
        ["${var.whatsapp_personal.media_bucket_arn}/relay/whatsapp-personal/*"],
        "${(var.whatsapp_personal != null ? var.whatsapp_personal.media_bucket_arn != null : false) ? [1] : []}",
      ],
    ]);
    expect(JSON.stringify(doc("task"))).not.toContain("secretsmanager");
  });

  test("execution role: pull from the created repository, write its own logs, read the Discord secret; `*` only for GetAuthorizationToken", () => {
    expect(resource("aws_iam_role_policy", "execution").policy).toBe(
      "${data.aws_iam_policy_document.execution.json}",
    );
    const pulls = "${var.image_uri == null ? [1] : []}";
    expect(rows("execution")).toEqual([
      [
        "WriteLogs",
        ["logs:CreateLogStream", "logs:PutLogEvents"],
        ["${aws_cloudwatch_log_group.this.arn}:*"],
        "always",
      ],
      ["AuthorizeRegistry", ["ecr:GetAuthorizationToken"], ["*"], pulls],
      [
        "PullImage",
        ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        ["${aws_ecr_repository.this[0].arn}"],
        pulls,
      ],
      [
        "ReadDiscordSecret",
        ["secretsmanager:GetSecretValue"],
        ["${var.discord.secret_arn}"],
        "${var.discord != null ? [1] : []}",
      ],
    ]);
  });

  test("roles trust ECS tasks of this account only (aws:SourceAccount); plan-time check when there is nothing to relay", () => {
    for (const role of ["execution", "task"]) {
      expect(resource("aws_iam_role", role).assume_role_policy).toBe(
        "${data.aws_iam_policy_document.ecs_tasks_trust.json}",
      );
      expect(resource("aws_iam_role", role)).toMatchObject({
        path: "${var.iam_role_path}",
        permissions_boundary: "${var.iam_role_permissions_boundary}",
      });
    }
    expect(data().aws_iam_policy_document?.ecs_tasks_trust?.statement).toEqual([
      {
        effect: "Allow",
        actions: ["sts:AssumeRole"],
        principals: [{ type: "Service", identifiers: ["ecs-tasks.amazonaws.com"] }],
        condition: [
          {
            test: "StringEquals",
            variable: "aws:SourceAccount",
            values: ["${data.aws_caller_identity.current.account_id}"],
          },
        ],
      },
    ]);
    const checks = (
      resource("aws_iam_role_policy", "task").lifecycle as { precondition: { error_message: string }[] }
    ).precondition;
    expect(checks.map((c) => c.error_message).join("\n")).toContain("nothing to do");
  });
});

describe("a reusable module", () => {
  test("every variable typed and described; validations parse", async () => {
    for (const [name, v] of Object.entries(variables())) {
      expect(typeof v.type, name).toBe("string");
      expect(String(v.description ?? "").length, name).toBeGreaterThan(20);
      for (const rule of (v.validation ?? []) as { condition: string }[]) await hcl(rule.condition);
    }
    expect(
      Object.keys(variables())
        .filter((n) => !("default" in (variables()[n] as Block)))
        .sort(),
    ).toEqual(["name", "security_group_ids", "subnet_ids"]);
  });

  test("committed files() are what a fresh build gives", async () => {
    for (const [path, text] of Object.entries(files())) {
      const committed = await readFile(join(REPO_ROOT, path), "utf8").catch(() => "");
      expect(committed === text, `${path} is stale: run \`bun run build\``).toBe(true);
    }
  });

  test("README: costs dated, the generated tables in place", () => {
    const readme = files()["modules/relay/README.md"] as string;
    expect(readme).toContain("November 2026");
    expect(readme).toContain("$3.60");
    expect(readme).toContain("| `subnet_ids` |");
    expect(readme).toContain("| `pairing_qr_s3_uri` |");
  });
});
