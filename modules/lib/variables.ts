import type { TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import { variable } from "./expr.ts";
import { LOG_RETENTION_DAYS } from "./function.ts";

/**
 * The inputs and outputs every channel module shares, declared once so Telegram, Slack, Discord and WhatsApp
 * read the same to a Terraform user. Channel-specific inputs (tokens) are declared by each module.
 */

/** Defaults of the shared inputs, in one place. */
export const DEFAULTS = {
  agentQualifier: "DEFAULT",
  workerTimeoutSeconds: 300,
  // Measured by `bun run bench` (worker sizes, each with its CPU share): a worker holds under 100 MB and
  // mostly waits for the agent; at 192 MB a warm message takes within about 10 ms of 256 MB's time (a
  // cold one about 0.5 s more), for three eighths of 512 MB's bill; 160 MB and below leave little room
  // for a 20 MiB attachment held in memory (issue 21).
  workerMemoryMb: 192,
  ingressMemoryMb: 256,
  // AWS's guidance for a Lambda consumer: at least 5, as receives the function throttled count too.
  maxReceiveCount: 5,
  batchSize: 1,
  maxConcurrency: 10,
  logLevel: "info",
  logRetentionDays: 14,
  secretRecoveryWindowInDays: 30,
  sessionScope: "conversation",
  accessPolicy: "pairing",
  groupPolicy: "mention",
  // Long enough to take in "hi" / "can you" / "check my calendar" typed one after the other, short enough
  // not to be felt beside the agent's seconds (README "Bursts").
  burstWindowMs: 1500,
  // The stage's throttle: far above what a chat bot receives (an ingress answers in ~50 ms, so 50/s needs
  // about 3 concurrent ingresses), far below what would run up the bill or the account's concurrency.
  apiThrottlingRateLimit: 50,
  apiThrottlingBurstLimit: 100,
  ingressReservedConcurrency: 10,
  // A day: the agent reads a file in the turn it came in; the presigned URL dies long before.
  mediaRetentionDays: 1,
  // 20 MiB: the most Telegram lets a bot download, under Discord's and WhatsApp's caps for most types, and
  // ten of them buffered one after the other fit the default worker memory.
  maxAttachmentBytes: 20 * 1024 * 1024,
  maxAttachments: 10,
  mediaUrlExpirySeconds: 900,
} as const;

/**
 * Longest `name` of a channel module: `<name>-ingress` names a Lambda function and an IAM role, both at
 * most 64 characters (the other derived names are shorter or have longer limits).
 */
export const CHANNEL_NAME_MAX_LENGTH = 56;

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;

/** Who reaches the agent (the worker's ACCESS_POLICY, handlers/core/access/settings.ts). */
export const ACCESS_POLICIES = ["pairing", "allowlist", "open"] as const;

/** When a group is answered (GROUP_POLICY): when the bot is mentioned or replied to, or always. */
export const GROUP_POLICIES = ["mention", "always"] as const;

/** What one agent session covers (the worker's SESSION_SCOPE): a chat, or one member of a chat. */
export const SESSION_SCOPES = ["conversation", "user"] as const;

/**
 * The key the workers derive agent session ids with (`session_key` in the channel's secret): 32–512 visible
 * ASCII characters (handlers/core/agent/session.ts).
 */
export const SESSION_KEY_RULE = "32-512 visible ASCII characters";

export interface ChannelVariablesOptions {
  /** Platform name for descriptions, e.g. `Telegram`. */
  readonly channel: string;
  /** RE2 pattern one allowed user id must match (besides `*`), e.g. `^[0-9]+$`. */
  readonly userIdPattern: string;
  /** What a user id looks like, for descriptions, e.g. `numeric Telegram user ids such as "123456789"`. */
  readonly userIdHint: string;
  /** Keys the channel's secret JSON holds, e.g. `["bot_token", "webhook_secret"]` (`session_key` aside). */
  readonly secretKeys: readonly string[];
  /**
   * Whether the channel can show an answer as it grows (edits, drafts, streams). WhatsApp cannot edit a sent
   * message, so its modules hold every answer to the end and `stream_replies` says it changes nothing there.
   * @default true
   */
  readonly streams?: boolean;
}

export interface ChannelVariables {
  readonly name: TerraformVariable;
  readonly agentRuntimeArn: TerraformVariable;
  readonly agentQualifier: TerraformVariable;
  readonly allowedUsers: TerraformVariable;
  readonly enableAgentUserId: TerraformVariable;
  readonly sessionScope: TerraformVariable;
  readonly streamReplies: TerraformVariable;
  readonly accessPolicy: TerraformVariable;
  readonly admins: TerraformVariable;
  readonly groupPolicy: TerraformVariable;
  readonly burstWindowMs: TerraformVariable;
  readonly rateLimitPerMinute: TerraformVariable;
  readonly rateLimitPerDay: TerraformVariable;
  readonly dailyInvocationCap: TerraformVariable;
  readonly mediaRetentionDays: TerraformVariable;
  readonly maxAttachmentBytes: TerraformVariable;
  readonly maxAttachments: TerraformVariable;
  readonly mediaUrlExpirySeconds: TerraformVariable;
  readonly secretArn: TerraformVariable;
  readonly secretRecoveryWindowInDays: TerraformVariable;
  readonly workerTimeoutSeconds: TerraformVariable;
  readonly workerMemoryMb: TerraformVariable;
  readonly ingressMemoryMb: TerraformVariable;
  readonly ingressReservedConcurrency: TerraformVariable;
  readonly apiThrottlingRateLimit: TerraformVariable;
  readonly apiThrottlingBurstLimit: TerraformVariable;
  readonly queueVisibilityTimeoutSeconds: TerraformVariable;
  readonly maxReceiveCount: TerraformVariable;
  readonly batchSize: TerraformVariable;
  readonly maxConcurrency: TerraformVariable;
  readonly logLevel: TerraformVariable;
  readonly logRetentionDays: TerraformVariable;
  readonly httpApiId: TerraformVariable;
  readonly createDlqAlarm: TerraformVariable;
  readonly alarmSnsTopicArn: TerraformVariable;
  readonly iamRolePath: TerraformVariable;
  readonly iamRolePermissionsBoundary: TerraformVariable;
  readonly tags: TerraformVariable;
  /** `schedules`: the prompts EventBridge Scheduler puts to the agent on a timetable (lib/schedules.ts). */
  readonly schedules: TerraformVariable;
}

/** The channel modules' name rule, in words. */
const NAME_RULE_TEXT = `1–${CHANNEL_NAME_MAX_LENGTH} letters, digits, hyphens or underscores (\`<name>-ingress\` names a Lambda function and an IAM role, 64 characters at most).`;

const intIn = (v: string, min: number, max: number) =>
  `floor(${v}) == ${v} && ${v} >= ${min} && ${v} <= ${max}`;

/** Declare the shared inputs of a channel module. */
export function channelVariables(scope: Construct, o: ChannelVariablesOptions): ChannelVariables {
  const keys = o.secretKeys.map((k) => `\`${k}\``).join(", ");
  const holds =
    keys === "" ? "JSON with the key `session_key`" : `JSON with the keys ${keys}, and \`session_key\``;
  return {
    name: variable(scope, "name", {
      type: "string",
      description:
        "Name of this deployment, the prefix of every resource name (functions `<name>-ingress` and `<name>-worker`, " +
        "queues `<name>.fifo` and `<name>-dlq.fifo`, roles, log groups, the HTTP API, the secret). " +
        `${NAME_RULE_TEXT} IAM role names are unique in the whole account (all regions), the other names per ` +
        "account and region: use a name once per account.",
      validation: [
        {
          condition: `can(regex("^[A-Za-z0-9_-]{1,${CHANNEL_NAME_MAX_LENGTH}}$", var.name))`,
          errorMessage: `name must be ${NAME_RULE_TEXT.replace(/\.$/, "").replace("–", "-")}`,
        },
      ],
    }),
    agentRuntimeArn: variable(scope, "agent_runtime_arn", {
      type: "string",
      description:
        "ARN of the Amazon Bedrock AgentCore Runtime the worker invokes, " +
        "e.g. `arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/my_agent-AbCdEf1234`.",
      validation: [
        {
          condition: `can(regex("^arn:aws[a-z-]*:bedrock-agentcore:[a-z0-9-]+:[0-9]{12}:runtime/[^/]+$", var.agent_runtime_arn))`,
          errorMessage:
            "agent_runtime_arn must be an AgentCore runtime ARN, arn:aws:bedrock-agentcore:<region>:<account>:runtime/<id> (not an endpoint ARN).",
        },
      ],
    }),
    agentQualifier: variable(scope, "agent_qualifier", {
      type: "string",
      default: DEFAULTS.agentQualifier,
      description:
        "Endpoint of the runtime to invoke (the `qualifier` of InvokeAgentRuntime): `DEFAULT` or the name of an endpoint you created.",
      validation: [
        {
          condition: `can(regex("^[A-Za-z][A-Za-z0-9_]{0,47}$", var.agent_qualifier))`,
          errorMessage:
            "agent_qualifier must be an endpoint name: a letter, then up to 47 letters, digits or underscores.",
        },
      ],
    }),
    allowedUsers: variable(scope, "allowed_users", {
      type: "list(string)",
      description:
        `Who may talk to the agent: ${o.userIdHint}, or \`["*"]\` for everyone. Others get a polite refusal and the ` +
        "agent is not invoked. Must not be empty.",
      validation: [
        {
          condition: "length(var.allowed_users) > 0",
          errorMessage:
            'allowed_users is empty, so nobody could use the bot: list user ids, or ["*"] to allow everyone.',
        },
        {
          condition: `alltrue([for u in var.allowed_users : u == "*" || can(regex(${JSON.stringify(o.userIdPattern)}, u))])`,
          errorMessage: `allowed_users entries must be ${o.userIdHint}, or "*".`,
        },
      ],
    }),
    enableAgentUserId: variable(scope, "enable_agent_user_id", {
      type: "bool",
      default: false,
      description:
        "Controls whether the worker passes the platform user as `runtimeUserId` to InvokeAgentRuntime " +
        "(and gets the extra `bedrock-agentcore:InvokeAgentRuntimeForUser` permission).",
    }),
    sessionScope: variable(scope, "session_scope", {
      type: "string",
      default: DEFAULTS.sessionScope,
      description:
        "What one agent session covers (the worker's `SESSION_SCOPE`): `conversation` (the default), one session per " +
        "chat or thread, shared by every member of a group as they share the chat, so members build on each other's " +
        "questions and `/new` starts afresh for all; `user`, one session per member in each chat, for agents with " +
        "per-user memory or tools and groups open to people who must not reach each other's context; `/new` then " +
        "ends only the sender's.",
      validation: [
        {
          condition: `contains([${SESSION_SCOPES.map((s) => `"${s}"`).join(", ")}], var.session_scope)`,
          errorMessage: `session_scope must be one of ${SESSION_SCOPES.join(", ")}.`,
        },
      ],
    }),
    streamReplies: variable(scope, "stream_replies", {
      type: "bool",
      default: true,
      description:
        o.streams === false
          ? `Changes nothing on ${o.channel}: it cannot edit a sent message, so every answer is held until the agent is ` +
            "done and sent whole (the channel's README says why); the input is here so every channel module takes the same inputs."
          : "Controls whether answers show while the agent writes them (the worker's `STREAM_REPLIES`), where " +
            `${o.channel} can show them (the channel's README says how and at what pace); false sends each answer whole, once ` +
            "the agent is done. Agents that do not stream (a JSON answer) are answered whole either way.",
    }),
    ...accessVariables(scope, o),
    mediaRetentionDays: variable(scope, "media_retention_days", {
      type: "number",
      default: DEFAULTS.mediaRetentionDays,
      description:
        "Days the media bucket keeps a file a user sent (1–365) before S3 expires it: the agent gets a presigned URL " +
        "and the S3 URI of each, to read in the turn it came with.",
      validation: [
        {
          condition: intIn("var.media_retention_days", 1, 365),
          errorMessage: "media_retention_days must be an integer from 1 to 365.",
        },
      ],
    }),
    maxAttachmentBytes: variable(scope, "max_attachment_bytes", {
      type: "number",
      default: DEFAULTS.maxAttachmentBytes,
      description:
        "Largest file the worker fetches for the agent, in bytes (1–104857600; the worker's `MAX_ATTACHMENT_BYTES`): " +
        'a larger one reaches the agent as its metadata with `skipped = "too large"`. The default, 20 MiB, is what ' +
        `Telegram lets a bot download. Files are held in memory one at a time: keep it well under \`worker_memory_mb\`.`,
      validation: [
        {
          condition: intIn("var.max_attachment_bytes", 1, 104857600),
          errorMessage: "max_attachment_bytes must be an integer from 1 to 104857600 (100 MiB).",
        },
      ],
    }),
    maxAttachments: variable(scope, "max_attachments", {
      type: "number",
      default: DEFAULTS.maxAttachments,
      description:
        "Most files of one message the worker fetches for the agent (0–20; the worker's `MAX_ATTACHMENTS`): the " +
        'others reach it as metadata with `skipped = "too many"`. 0 fetches none.',
      validation: [
        {
          condition: intIn("var.max_attachments", 0, 20),
          errorMessage: "max_attachments must be an integer from 0 to 20.",
        },
      ],
    }),
    mediaUrlExpirySeconds: variable(scope, "media_url_expiry_seconds", {
      type: "number",
      default: DEFAULTS.mediaUrlExpirySeconds,
      description:
        "Lifetime of the presigned HTTPS GET URL the agent gets for each file, in seconds (60–43200; the worker's " +
        "`MEDIA_URL_SECONDS`). It ends sooner when the worker's role session does: an agent that reads files later " +
        "reads the S3 URI with its own role (the `media_read_policy_json` output).",
      validation: [
        {
          condition: intIn("var.media_url_expiry_seconds", 60, 43200),
          errorMessage: "media_url_expiry_seconds must be an integer from 60 to 43200 (12 hours).",
        },
      ],
    }),
    secretArn: variable(scope, "secret_arn", {
      type: "string",
      default: null,
      description:
        `ARN of an existing Secrets Manager secret whose value is ${holds} (${SESSION_KEY_RULE}, the key the ` +
        "worker derives agent session ids with; without it the ids are unkeyed hashes of public chat ids). When null " +
        "the module creates the secret, with a random `session_key`. Must be known at plan time (a literal, a variable " +
        "or a data source).",
      validation: [
        {
          condition: `var.secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.secret_arn))`,
          errorMessage:
            "secret_arn must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>).",
        },
      ],
    }),
    secretRecoveryWindowInDays: variable(scope, "secret_recovery_window_in_days", {
      type: "number",
      default: DEFAULTS.secretRecoveryWindowInDays,
      description:
        "Days Secrets Manager keeps the created secret after `terraform destroy` before deleting it: 0 (at once) or 7–30.",
      validation: [
        {
          condition: `var.secret_recovery_window_in_days == 0 || ${intIn("var.secret_recovery_window_in_days", 7, 30)}`,
          errorMessage: "secret_recovery_window_in_days must be 0 or an integer from 7 to 30.",
        },
      ],
    }),
    workerTimeoutSeconds: variable(scope, "worker_timeout_seconds", {
      type: "number",
      default: DEFAULTS.workerTimeoutSeconds,
      description:
        "Timeout of the worker function, in seconds (1–900): one batch of agent invocations and replies. " +
        "The queue's visibility timeout defaults to 6 × this.",
      validation: [
        {
          condition: intIn("var.worker_timeout_seconds", 1, 900),
          errorMessage: "worker_timeout_seconds must be an integer from 1 to 900 (the Lambda maximum).",
        },
      ],
    }),
    workerMemoryMb: variable(scope, "worker_memory_mb", {
      type: "number",
      default: DEFAULTS.workerMemoryMb,
      description: "Memory of the worker function, in MB (128–10240); CPU scales with it.",
      validation: [
        {
          condition: intIn("var.worker_memory_mb", 128, 10240),
          errorMessage: "worker_memory_mb must be an integer from 128 to 10240.",
        },
      ],
    }),
    ingressMemoryMb: variable(scope, "ingress_memory_mb", {
      type: "number",
      default: DEFAULTS.ingressMemoryMb,
      description: "Memory of the ingress function, in MB (128–10240).",
      validation: [
        {
          condition: intIn("var.ingress_memory_mb", 128, 10240),
          errorMessage: "ingress_memory_mb must be an integer from 128 to 10240.",
        },
      ],
    }),
    ingressReservedConcurrency: variable(scope, "ingress_reserved_concurrency", {
      type: "number",
      default: DEFAULTS.ingressReservedConcurrency,
      nullable: true,
      description:
        "Concurrent executions reserved for the ingress function, which also caps it: forged or flooding webhooks can " +
        "neither run it at will nor take the account concurrency the workers share. 1–1000; null leaves it " +
        "unreserved (new accounts whose concurrency limit is 10 cannot reserve any).",
      validation: [
        {
          condition: `var.ingress_reserved_concurrency == null ? true : ${intIn("var.ingress_reserved_concurrency", 1, 1000)}`,
          errorMessage: "ingress_reserved_concurrency must be null or an integer from 1 to 1000.",
        },
      ],
    }),
    apiThrottlingRateLimit: variable(scope, "api_throttling_rate_limit", {
      type: "number",
      default: DEFAULTS.apiThrottlingRateLimit,
      description:
        "Requests per second the created HTTP API's stage lets through, all routes together (more get 429, which the " +
        "platforms retry). Not applied with `http_api_id`: that API's stage is its owner's.",
      validation: [
        {
          condition: "var.api_throttling_rate_limit > 0 && var.api_throttling_rate_limit <= 10000",
          errorMessage:
            "api_throttling_rate_limit must be above 0 and at most 10000 (the account's default).",
        },
      ],
    }),
    apiThrottlingBurstLimit: variable(scope, "api_throttling_burst_limit", {
      type: "number",
      default: DEFAULTS.apiThrottlingBurstLimit,
      description:
        "Requests the created HTTP API's stage lets through in a burst above `api_throttling_rate_limit` (not applied " +
        "with `http_api_id`).",
      validation: [
        {
          condition: intIn("var.api_throttling_burst_limit", 1, 5000),
          errorMessage:
            "api_throttling_burst_limit must be an integer from 1 to 5000 (the account's default).",
        },
      ],
    }),
    queueVisibilityTimeoutSeconds: variable(scope, "queue_visibility_timeout_seconds", {
      type: "number",
      default: null,
      description:
        "Visibility timeout of the main queue, in seconds; null means 6 × `worker_timeout_seconds` (the minimum " +
        "AWS recommends for a Lambda event source, checked at plan). At most 43200.",
      validation: [
        {
          condition: `var.queue_visibility_timeout_seconds == null ? true : ${intIn("var.queue_visibility_timeout_seconds", 0, 43200)}`,
          errorMessage: "queue_visibility_timeout_seconds must be null or an integer from 0 to 43200.",
        },
      ],
    }),
    maxReceiveCount: variable(scope, "max_receive_count", {
      type: "number",
      default: DEFAULTS.maxReceiveCount,
      description:
        "Attempts per message before SQS moves it to the dead-letter queue (the redrive `maxReceiveCount`, 1–1000). " +
        "After the last attempt the user gets a short notice that no answer came.",
      validation: [
        {
          condition: intIn("var.max_receive_count", 1, 1000),
          errorMessage: "max_receive_count must be an integer from 1 to 1000.",
        },
      ],
    }),
    batchSize: variable(scope, "batch_size", {
      type: "number",
      default: DEFAULTS.batchSize,
      description:
        "Messages per worker invocation (1–10, the FIFO maximum). The worker handles a batch one message at a time, " +
        "so 1 keeps one slow agent answer from delaying other chats; raise it only with a timeout to match.",
      validation: [
        {
          condition: intIn("var.batch_size", 1, 10),
          errorMessage: "batch_size must be an integer from 1 to 10 (Lambda's maximum for FIFO queues).",
        },
      ],
    }),
    maxConcurrency: variable(scope, "max_concurrency", {
      type: "number",
      default: DEFAULTS.maxConcurrency,
      description:
        "Most worker invocations running at once (the event source's `maximum_concurrency`, 2–1000): conversations " +
        "answered in parallel. Each conversation is still answered in order.",
      validation: [
        {
          condition: intIn("var.max_concurrency", 2, 1000),
          errorMessage:
            "max_concurrency must be an integer from 2 to 1000 (Lambda's limits for maximum_concurrency).",
        },
      ],
    }),
    logLevel: variable(scope, "log_level", {
      type: "string",
      default: DEFAULTS.logLevel,
      description: `Log level of both functions (\`LOG_LEVEL\`): one of ${LOG_LEVELS.map((l) => `\`${l}\``).join(", ")}.`,
      validation: [
        {
          condition: `contains([${LOG_LEVELS.map((l) => `"${l}"`).join(", ")}], var.log_level)`,
          errorMessage: `log_level must be one of ${LOG_LEVELS.join(", ")}.`,
        },
      ],
    }),
    logRetentionDays: variable(scope, "log_retention_days", {
      type: "number",
      default: DEFAULTS.logRetentionDays,
      description: `Days CloudWatch keeps the functions' logs and the API's access log: one of ${LOG_RETENTION_DAYS.join(", ")}.`,
      validation: [
        {
          condition: `contains([${LOG_RETENTION_DAYS.join(", ")}], var.log_retention_days)`,
          errorMessage: `log_retention_days must be one of ${LOG_RETENTION_DAYS.join(", ")}.`,
        },
      ],
    }),
    httpApiId: variable(scope, "http_api_id", {
      type: "string",
      default: null,
      description:
        `Id of an existing API Gateway HTTP API to add the ${o.channel} route to; null creates one. The webhook URL ` +
        "assumes the API serves its `$default` stage with auto-deploy. Must be known at plan time.",
    }),
    createDlqAlarm: variable(scope, "create_dlq_alarm", {
      type: "bool",
      default: true,
      description: "Controls whether a CloudWatch alarm fires when the dead-letter queue holds any message.",
    }),
    alarmSnsTopicArn: variable(scope, "alarm_sns_topic_arn", {
      type: "string",
      default: null,
      description:
        "ARN of an SNS topic the DLQ alarm notifies (on alarm and on recovery); null for no notification.",
      validation: [
        {
          condition: `var.alarm_sns_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:.+$", var.alarm_sns_topic_arn))`,
          errorMessage:
            "alarm_sns_topic_arn must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>).",
        },
      ],
    }),
    ...roleVariables(scope, "functions' IAM roles"),
    tags: variable(scope, "tags", {
      type: "map(string)",
      default: {},
      description: "Tags added to every resource that supports them.",
    }),
    schedules: scheduleVariable(scope, o),
  };
}

/** Longest prompt of a schedule (handlers/core/schedule/message.ts MAX_SCHEDULE_PROMPT). */
export const MAX_SCHEDULE_PROMPT = 4000;

/** `schedules`: prompts put to the agent on a timetable, each answered in its conversation. */
function scheduleVariable(scope: Construct, o: ChannelVariablesOptions): TerraformVariable {
  const each = (condition: string) => `alltrue([for s in var.schedules : ${condition}])`;
  return variable(scope, "schedules", {
    type: 'list(object({ name = string, expression = string, timezone = optional(string, "UTC"), conversation = string, thread = optional(string), prompt = string, enabled = optional(bool, true), template = optional(object({ name = string, language = string, parameters = optional(list(string), []) })) }))',
    default: [],
    description:
      "Prompts the agent is asked on a timetable, each answer delivered to a conversation like any other (docs/outbound.md " +
      '"Schedules"): an EventBridge Scheduler schedule per entry, in a schedule group named `name`, puts the prompt on the ' +
      "main queue. `name` (1–64 letters, digits, `-`, `_`, `.`; unique), `expression` (`cron(0 8 * * ? *)`, `rate(1 day)` or " +
      "`at(2026-12-24T18:00:00)`), `timezone` (IANA, default `UTC`), `conversation` and `thread` as the agent receives " +
      `them in its payload (${o.channel}), \`prompt\` (1–${MAX_SCHEDULE_PROMPT} characters), \`enabled\` (default true). The agent ` +
      "writes only where the access rule lets it (an allowed user's chat, or one an allowed user talked in). `template` " +
      "(WhatsApp Cloud only; other channels ignore it): an approved message template `{ name, language, parameters }` sent " +
      "instead of the answer when WhatsApp refuses free-form text outside the 24-hour customer service window (131047); its " +
      "parameters, the body's `{{1}}`, `{{2}}` … in order, are sent as given.",
    validation: [
      {
        condition: each(`can(regex("^[0-9A-Za-z_.-]{1,64}$", s.name))`),
        errorMessage: "schedules[*].name must be 1-64 letters, digits, hyphens, underscores or dots.",
      },
      {
        condition: "length(distinct([for s in var.schedules : s.name])) == length(var.schedules)",
        errorMessage: "schedules[*].name must be unique.",
      },
      {
        condition: each(`can(regex("^(cron|rate|at)\\\\(.+\\\\)$", s.expression))`),
        errorMessage:
          "schedules[*].expression must be cron(...), rate(...) or at(...), as EventBridge Scheduler takes them.",
      },
      {
        condition: each(`length(s.prompt) >= 1 && length(s.prompt) <= ${MAX_SCHEDULE_PROMPT}`),
        errorMessage: `schedules[*].prompt must be 1-${MAX_SCHEDULE_PROMPT} characters.`,
      },
      {
        condition: each(
          `length(s.conversation) >= 1 && length(s.conversation) <= 256 && (s.thread == null ? true : length(s.thread) >= 1 && length(s.thread) <= 256)`,
        ),
        errorMessage: "schedules[*].conversation (and thread, when set) must be 1-256 characters.",
      },
      {
        condition: each(
          `s.template == null ? true : can(regex("^[a-z0-9_]{1,512}$", s.template.name)) && can(regex("^[a-z]{2,3}(_[A-Za-z0-9]{2,8})?$", s.template.language)) && alltrue([for p in s.template.parameters : length(p) >= 1 && length(p) <= 1024])`,
        ),
        errorMessage:
          "schedules[*].template needs a name of lowercase letters, digits and _, a language code like en_US, and parameters of 1-1024 characters.",
      },
    ],
  });
}

/**
 * `iam_role_path` and `iam_role_permissions_boundary`, which organisations whose SCPs require them set on every
 * role a module creates; `roles` names them in the descriptions (e.g. "functions' IAM roles").
 */
export function roleVariables(
  scope: Construct,
  roles: string,
): { iamRolePath: TerraformVariable; iamRolePermissionsBoundary: TerraformVariable } {
  return {
    iamRolePath: variable(scope, "iam_role_path", {
      type: "string",
      default: "/",
      description: `Path of the ${roles}, e.g. \`/service-roles/\` where an organisation's policies expect one.`,
      validation: [
        {
          condition: 'can(regex("^/([!-~]{1,510}/)?$", var.iam_role_path))',
          errorMessage: "iam_role_path must be / or start and end with /, e.g. /service-roles/.",
        },
      ],
    }),
    iamRolePermissionsBoundary: variable(scope, "iam_role_permissions_boundary", {
      type: "string",
      default: null,
      description: `ARN of the managed policy set as the permissions boundary of the ${roles}; null for none.`,
      validation: [
        {
          condition:
            'var.iam_role_permissions_boundary == null || can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$", var.iam_role_permissions_boundary))',
          errorMessage:
            "iam_role_permissions_boundary must be an IAM policy ARN (arn:aws:iam::<account>:policy/<name>).",
        },
      ],
    }),
  };
}

const quoted = (values: readonly string[]) => values.map((value) => `"${value}"`).join(", ");

/** The access and spend inputs (docs/architecture.md "Access"): the worker's ACCESS_POLICY, ADMINS and limits. */
function accessVariables(scope: Construct, o: ChannelVariablesOptions) {
  const limit = (name: string, what: string) =>
    variable(scope, name, {
      type: "number",
      default: 0,
      description: `${what}; 0 (the default) for no limit.`,
      validation: [
        {
          condition: intIn(`var.${name}`, 0, 100000000),
          errorMessage: `${name} must be an integer from 0 (no limit) to 100000000.`,
        },
      ],
    });
  return {
    accessPolicy: variable(scope, "access_policy", {
      type: "string",
      default: DEFAULTS.accessPolicy,
      description:
        "Who reaches the agent (the worker's `ACCESS_POLICY`): `pairing` (the default): a stranger gets a one-time " +
        "code, and `admins` are asked in their own chat with the bot to `/allow` or `/deny` it; `allowlist`: only " +
        "`allowed_users`, `admins` and who an admin allowed, strangers get a short refusal; `open`: everyone. " +
        "`bun run access` grants and revokes from the command line.",
      validation: [
        {
          condition: `contains([${quoted(ACCESS_POLICIES)}], var.access_policy)`,
          errorMessage: `access_policy must be one of ${ACCESS_POLICIES.join(", ")}.`,
        },
      ],
    }),
    admins: variable(scope, "admins", {
      type: "list(string)",
      default: [],
      description:
        `Admins of the bot (the worker's \`ADMINS\`): ${o.userIdHint}. They may always use it, are exempt from ` +
        "the rate limits and the daily cap, are asked about pairing codes and unknown groups, answer with `/allow`, " +
        "`/deny`, `/users` and `/revoke`, and hear when the daily cap is reached.",
      validation: [
        {
          condition: `alltrue([for u in var.admins : can(regex(${JSON.stringify(o.userIdPattern)}, u))])`,
          errorMessage: `admins entries must be ${o.userIdHint} ("*" is not an admin).`,
        },
      ],
    }),
    groupPolicy: variable(scope, "group_policy", {
      type: "string",
      default: DEFAULTS.groupPolicy,
      description:
        "When a group the bot is in is answered (`GROUP_POLICY`, read by the ingress and the worker): `mention` (the " +
        "default), only messages that mention the bot or reply to it; `always`, every message. An admin may set one " +
        "group otherwise. A group nobody allowed is answered only after an admin allows it (with `access_policy` `pairing`).",
      validation: [
        {
          condition: `contains([${quoted(GROUP_POLICIES)}], var.group_policy)`,
          errorMessage: `group_policy must be one of ${GROUP_POLICIES.join(", ")}.`,
        },
      ],
    }),
    burstWindowMs: variable(scope, "burst_window_ms", {
      type: "number",
      default: DEFAULTS.burstWindowMs,
      description:
        "Milliseconds (0–60000) within which a conversation's messages are merged into one agent call and one " +
        "answer (`BURST_WINDOW_MS`); every answer waits this long after the first message of its burst, and the " +
        "hold takes one of `max_receive_count`'s receives. 0 turns it off.",
      validation: [
        {
          condition: intIn("var.burst_window_ms", 0, 60000),
          errorMessage: "burst_window_ms must be an integer from 0 (off) to 60000.",
        },
      ],
    }),
    rateLimitPerMinute: limit(
      "rate_limit_per_minute",
      "Messages a user may send per minute (`RATE_LIMIT_PER_MINUTE`; admins exempt): past it they are told once and not answered until the minute is over",
    ),
    rateLimitPerDay: limit(
      "rate_limit_per_day",
      "Messages a user may send per UTC day (`RATE_LIMIT_PER_DAY`; admins exempt): past it they are told once a day",
    ),
    dailyInvocationCap: limit(
      "daily_invocation_cap",
      "Agent invocations of this deployment per UTC day (`DAILY_INVOCATION_CAP`): past it users are told to come back tomorrow, admins are still answered and told once, and the `<name>-daily-cap-reached` alarm notifies `alarm_sns_topic_arn`",
    ),
  };
}
