import { beforeAll } from "bun:test";
import type { JsonObject } from "./json.ts";
import { moduleConfig } from "./render.ts";
import { ModuleStack, moduleApp } from "./stack.ts";

/** A fresh module stack for a construct test. */
export function testStack(id = "test"): ModuleStack {
  return new ModuleStack(moduleApp(), id);
}

/** A stack's configuration as one Terraform JSON object (what its generated HCL holds). */
export function synthJson(stack: ModuleStack): JsonObject {
  return moduleConfig(stack);
}

/** `resource.<type>.<name>` (or `data.<type>.<name>` with `kind: "data"`) of a synthesized config. */
export function block(
  config: JsonObject,
  type: string,
  name: string,
  kind: "resource" | "data" = "resource",
): JsonObject {
  const found = ((config[kind] as JsonObject | undefined)?.[type] as JsonObject | undefined)?.[name];
  if (found === undefined) throw new Error(`no ${kind} ${type}.${name}`);
  return found as JsonObject;
}

/** A block of synthesized Terraform JSON (a resource, a variable, ...). */
export type Block = Record<string, unknown>;

/** One statement of a synthesized `aws_iam_policy_document`; `actions` may be a conditional list expression. */
export type Statement = { sid: string; actions: string[] | string; resources: string[] };

/** A statement as `[sid, action names, resources]`, the form the module tests compare. */
export type StatementRow = [sid: string, actions: string[], resources: string[]];

/** The generated files and merged Terraform JSON of one module under modules/, with readers for module tests. */
export interface SynthesizedModule {
  /** The rendered files (`modules/<name>/*.tf` and README.md), keyed by repository path. */
  files(): Record<string, string>;
  /** The module's configuration as one Terraform JSON object (what the `*.tf` files hold). */
  config(): JsonObject;
  resources(): Record<string, Record<string, Block>>;
  data(): Record<string, Record<string, Block>>;
  locals(): Record<string, string>;
  variables(): Record<string, Block>;
  outputs(): Record<string, Block>;
  /** `resource.<type>.<name>`; throws when missing. */
  resource(type: string, name: string): Block;
  /** Statements of `data.aws_iam_policy_document.<doc>` (empty when there is none). */
  statements(doc: string): Statement[];
  /** The environment variables of `aws_lambda_function.<fn>`. */
  envOf(fn: string): Record<string, string>;
  /** `type.name` of every resource, and `data.type.name` of every data source with `withData`, sorted. */
  addresses(options?: { withData?: boolean }): string[];
}

/**
 * Render modules/<name> (as `bun scripts/synth.ts` does) once before the file's tests, and read it.
 *
 * @example const { resource, envOf } = useModule("telegram");
 */
export function useModule(name: string): SynthesizedModule {
  let files: Record<string, string> | undefined;
  let config: JsonObject | undefined;
  beforeAll(async () => {
    // Imported here, so lib tests that never call useModule do not load every module.
    const { MODULES, renderModuleConfig, renderModuleFiles } = await import("../../scripts/synth.ts");
    const def = MODULES.find((m) => m.name === name);
    if (!def) throw new Error(`useModule: ${name} is not in MODULES`);
    files = await renderModuleFiles(def);
    config = renderModuleConfig(def);
  });
  const loaded = () => {
    if (!files || !config) throw new Error(`useModule(${name}): read inside a test, after beforeAll`);
    return { files, config };
  };
  const m: SynthesizedModule = {
    files: () => loaded().files,
    config: () => loaded().config,
    resources: () => (loaded().config.resource ?? {}) as Record<string, Record<string, Block>>,
    data: () => (loaded().config.data ?? {}) as Record<string, Record<string, Block>>,
    locals: () => loaded().config.locals as Record<string, string>,
    variables: () => loaded().config.variable as Record<string, Block>,
    outputs: () => loaded().config.output as Record<string, Block>,
    resource: (type, resourceName) => {
      const r = m.resources()[type]?.[resourceName];
      if (!r) throw new Error(`missing resource ${type}.${resourceName}`);
      return r;
    },
    statements: (doc) => (m.data().aws_iam_policy_document?.[doc]?.statement ?? []) as Statement[],
    envOf: (fn) =>
      (m.resource("aws_lambda_function", fn).environment as { variables: Record<string, string> }).variables,
    addresses: (options = {}) =>
      [
        ...Object.entries(m.resources()).flatMap(([type, byName]) =>
          Object.keys(byName).map((n) => `${type}.${n}`),
        ),
        ...(options.withData
          ? Object.entries(m.data()).flatMap(([type, byName]) =>
              Object.keys(byName).map((n) => `data.${type}.${n}`),
            )
          : []),
      ].sort(),
  };
  return m;
}

/** Action names of a statement, also when they are a conditional Terraform list expression. */
export function actionNames(s: Statement): string[] {
  return Array.isArray(s.actions)
    ? s.actions
    : [...new Set([...s.actions.matchAll(/"([^"]+)"/g)].map((m) => m[1] as string))];
}

/** Statements as `[sid, action names, resources]` rows. */
export function statementRows(statements: readonly Statement[]): StatementRow[] {
  return statements.map((s) => [s.sid, actionNames(s), s.resources]);
}

/** Outputs of one function (`functionOutputs`), written out literally. */
export const functionOutputNames = (fn: string): string[] =>
  ["function_name", "function_arn", "role_name", "role_arn", "log_group_name"].map((o) => `${fn}_${o}`);

/** The send queue's outputs (every channel module), written out literally. */
export const SEND_OUTPUTS: readonly string[] = [
  "send_queue_url",
  "send_queue_arn",
  "send_dlq_url",
  "send_dlq_arn",
  "send_policy_json",
];

/** The outputs of a channel's media bucket (`mediaOutputs`), written out literally. */
export const MEDIA_OUTPUTS: readonly string[] = [
  "media_bucket_name",
  "media_bucket_arn",
  "media_read_policy_json",
];

/** The resources and data sources of a channel's media bucket, as `addresses({ withData: true })` lists them. */
export const MEDIA_ADDRESSES: readonly string[] = [
  "aws_s3_bucket.media",
  "aws_s3_bucket_lifecycle_configuration.media",
  "aws_s3_bucket_ownership_controls.media",
  "aws_s3_bucket_policy.media",
  "aws_s3_bucket_public_access_block.media",
  "aws_s3_bucket_server_side_encryption_configuration.media",
  "data.aws_iam_policy_document.media_bucket",
  "data.aws_iam_policy_document.media_read",
];

/** The outputs every channel module with an ingress has, written out literally (not from lib/variables.ts). */
export const CHANNEL_OUTPUTS: readonly string[] = [
  ...SEND_OUTPUTS,
  "webhook_url",
  "queue_url",
  "queue_arn",
  "dlq_url",
  "dlq_arn",
  ...functionOutputNames("ingress"),
  ...functionOutputNames("worker"),
  "ledger_table_name",
  "ledger_table_arn",
  ...MEDIA_OUTPUTS,
  "secret_arn",
  "http_api_id",
  "access_log_group_name",
];

/**
 * What every channel module's functions must hold, written out literally (not taken from lib/grants.ts, so a
 * change there fails the module tests): the expected policy rows and environment of the ChannelPipeline shape.
 */
export const expectedPipeline = {
  /** The ingress policy: logs, send to the main queue, and (unless `readsSecret` is false) read the secret. */
  ingressStatements(options: { readsSecret?: boolean } = {}): StatementRow[] {
    return [
      logsRow("ingress"),
      ["SendToQueue", ["sqs:SendMessage"], ["${aws_sqs_queue.this.arn}"]],
      ...(options.readsSecret === false ? [] : [secretRow()]),
    ];
  },
  /**
   * The worker policy, in order: logs, the secret (unless `secret` is false), send to `sendQueue` (a Terraform
   * name of an `aws_sqs_queue`), the ledger, the agent (with InvokeAgentRuntimeForUser behind a switch), consume.
   */
  workerStatements(options: { secret?: boolean; sendQueue?: string } = {}): StatementRow[] {
    return [
      logsRow("worker"),
      ...(options.secret === false ? [] : [secretRow()]),
      ...(options.sendQueue === undefined
        ? []
        : [
            [
              "SendToQueue",
              ["sqs:SendMessage"],
              [`\${aws_sqs_queue.${options.sendQueue}.arn}`],
            ] satisfies StatementRow,
          ]),
      [
        "SendLedger",
        ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
        ["${aws_dynamodb_table.ledger.arn}"],
      ],
      ["MediaObjects", ["s3:GetObject", "s3:PutObject"], ["${aws_s3_bucket.media.arn}/*"]],
      [
        "InvokeAgent",
        [
          "bedrock-agentcore:InvokeAgentRuntime",
          "bedrock-agentcore:StopRuntimeSession",
          "bedrock-agentcore:InvokeAgentRuntimeForUser",
        ],
        ["${var.agent_runtime_arn}", "${var.agent_runtime_arn}/runtime-endpoint/${var.agent_qualifier}"],
      ],
      [
        "ConsumeQueue",
        ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"],
        ["${aws_sqs_queue.this.arn}"],
      ],
      [
        "ConsumeSendQueue",
        ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"],
        ["${aws_sqs_queue.send.arn}"],
      ],
      ["DeadLetterSend", ["sqs:SendMessage"], ["${aws_sqs_queue.send_dlq.arn}"]],
    ];
  },
  /** The worker environment of the handler contract, plus the channel's `extra` entries. */
  workerEnvironment(
    extra: Record<string, string> = {},
    options: { secret?: boolean } = {},
  ): Record<string, string> {
    return {
      QUEUE_URL: "${aws_sqs_queue.this.url}",
      ...(options.secret === false ? {} : { SECRET_ARN: "${local.secret_arn}" }),
      AGENT_RUNTIME_ARN: "${var.agent_runtime_arn}",
      AGENT_QUALIFIER: "${var.agent_qualifier}",
      ALLOWED_USERS: '${join(",", var.allowed_users)}',
      MAX_RECEIVE_COUNT: "${tostring(var.max_receive_count)}",
      AGENT_USER_ID: '${var.enable_agent_user_id ? "true" : "false"}',
      SESSION_SCOPE: "${var.session_scope}",
      STREAM_REPLIES: '${var.stream_replies ? "true" : "false"}',
      SEND_QUEUE_URL: "${aws_sqs_queue.send.url}",
      SEND_QUEUE_ARN: "${aws_sqs_queue.send.arn}",
      SEND_DLQ_URL: "${aws_sqs_queue.send_dlq.url}",
      ACCESS_POLICY: "${var.access_policy}",
      ADMINS: '${join(",", var.admins)}',
      GROUP_POLICY: "${var.group_policy}",
      BURST_WINDOW_MS: "${tostring(var.burst_window_ms)}",
      RATE_LIMIT_PER_MINUTE: "${tostring(var.rate_limit_per_minute)}",
      RATE_LIMIT_PER_DAY: "${tostring(var.rate_limit_per_day)}",
      DAILY_INVOCATION_CAP: "${tostring(var.daily_invocation_cap)}",
      MEDIA_BUCKET: "${aws_s3_bucket.media.id}",
      MAX_ATTACHMENT_BYTES: "${tostring(var.max_attachment_bytes)}",
      MAX_ATTACHMENTS: "${tostring(var.max_attachments)}",
      MEDIA_URL_SECONDS: "${tostring(var.media_url_expiry_seconds)}",
      ...extra,
      LEDGER_TABLE: "${aws_dynamodb_table.ledger.name}",
      LOG_LEVEL: "${var.log_level}",
    };
  },
  /**
   * The JSON a created channel secret is written with (`secret_string_wo`, raw): the channel's credentials, as
   * `key = expression` pairs, and the session key the module generates.
   */
  secretJson(credentials: string[]): string {
    return `jsonencode({ ${[...credentials, "session_key = terraform_data.session_key[0].output"].join(", ")} })`;
  },
  /** The ingress environment of the handler contract, plus the channel's `extra` entries. */
  ingressEnvironment(extra: Record<string, string> = {}): Record<string, string> {
    return {
      QUEUE_URL: "${aws_sqs_queue.this.url}",
      SECRET_ARN: "${local.secret_arn}",
      GROUP_POLICY: "${var.group_policy}",
      ...extra,
      LOG_LEVEL: "${var.log_level}",
    };
  },
};

function logsRow(fn: string): StatementRow {
  return [
    "WriteOwnLogs",
    ["logs:CreateLogStream", "logs:PutLogEvents"],
    [`\${aws_cloudwatch_log_group.${fn}.arn}:*`],
  ];
}

function secretRow(): StatementRow {
  return ["ReadSecret", ["secretsmanager:GetSecretValue"], ["${local.secret_arn}"]];
}
