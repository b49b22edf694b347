import type { TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import { USER_JID } from "../../relay/whatsapp/jid.ts";
import { LOG_LEVELS, LOG_RETENTION_DAYS, roleVariables, variable } from "../lib/index.ts";

/** Defaults of the relay module's inputs, in one place. */
export const RELAY_DEFAULTS = {
  cpu: 256,
  memoryMb: 512,
  imageRetentionCount: 10,
  logRetentionDays: 14,
} as const;

/** Longest `name`: the state bucket `<name>-state-<12-digit account id>` must fit S3's 63 characters. */
export const RELAY_NAME_MAX_LENGTH = 63 - "-state-".length - 12;

/** Fargate task sizes the relay accepts (CPU units → allowed memory in MB). */
export const FARGATE_SIZES: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: [1024, 2048, 3072, 4096],
};

/** FARGATE_SIZES as an HCL map: `{ "256" = [512, 1024, 2048], ... }`. */
function hclSizes(): string {
  const entries = Object.entries(FARGATE_SIZES).map(([cpu, sizes]) => `"${cpu}" = [${sizes.join(", ")}]`);
  return `{ ${entries.join(", ")} }`;
}

const arnOf = (service: string, v: string) =>
  `${v} == null || can(regex("^arn:aws[a-z-]*:${service}:[a-z0-9-]+:[0-9]{12}:.+$", ${v}))`;

/** The relay module's inputs. */
export function relayVariables(scope: Construct) {
  const v = (name: string, spec: Parameters<typeof variable>[2]): TerraformVariable =>
    variable(scope, name, spec);
  return {
    name: v("name", {
      type: "string",
      description:
        "Name of this deployment, the prefix of every resource name (cluster, service, task family, roles `<name>-task` " +
        "and `<name>-execution`, log group `/ecs/<name>`, ECR repository, state bucket `<name>-state-<account id>`). " +
        `1–${RELAY_NAME_MAX_LENGTH} lowercase letters, digits and single hyphens, starting and ending with a letter or digit: ` +
        "the rules of an S3 bucket (63 characters with the suffix) and an ECR repository name. The bucket name is unique " +
        "in all of S3 (hence the account id in it), IAM role names in the whole account, the other names per account " +
        "and region.",
      validation: [
        {
          condition: `length(var.name) <= ${RELAY_NAME_MAX_LENGTH} && can(regex("^[a-z0-9]+(-[a-z0-9]+)*$", var.name))`,
          errorMessage: `name must be 1-${RELAY_NAME_MAX_LENGTH} lowercase letters, digits and single hyphens, starting and ending with a letter or digit (it names an S3 bucket and an ECR repository).`,
        },
      ],
    }),
    subnetIds: v("subnet_ids", {
      type: "list(string)",
      description:
        "Subnets the task runs in. With `assign_public_ip = true` (the default) public subnets, so the task reaches " +
        "Discord, WhatsApp and AWS without a NAT gateway; with false, private subnets with a NAT gateway or VPC endpoints.",
      validation: [
        {
          condition: "length(var.subnet_ids) > 0",
          errorMessage: "subnet_ids must list at least one subnet.",
        },
      ],
    }),
    securityGroupIds: v("security_group_ids", {
      type: "list(string)",
      description:
        "Security groups of the task. The relay needs no inbound traffic: a group with egress to 443 (HTTPS, WSS) only is enough.",
      validation: [
        {
          condition: "length(var.security_group_ids) > 0",
          errorMessage: "security_group_ids must list at least one group.",
        },
      ],
    }),
    assignPublicIp: v("assign_public_ip", {
      type: "bool",
      default: true,
      description:
        "Controls whether the task gets a public IPv4 address (about $3.60/month) so it needs no NAT gateway (about $32/month plus data). Set false in private subnets with a NAT gateway.",
    }),
    useFargateSpot: v("use_fargate_spot", {
      type: "bool",
      default: false,
      description:
        "Controls whether the task runs on Fargate Spot (about 70% cheaper; AWS may stop it with two minutes' notice, after which ECS starts another: a minute or two of deafness). A given `cluster_arn` must have the FARGATE_SPOT capacity provider.",
    }),
    clusterArn: v("cluster_arn", {
      type: "string",
      default: null,
      description:
        "ARN of an existing ECS cluster to run in; null creates one (with the FARGATE and FARGATE_SPOT capacity providers).",
      validation: [
        {
          condition: arnOf("ecs", "var.cluster_arn"),
          errorMessage: "cluster_arn must be an ECS cluster ARN.",
        },
      ],
    }),
    cpu: v("cpu", {
      type: "number",
      default: RELAY_DEFAULTS.cpu,
      description: "CPU units of the task: 256 (0.25 vCPU, plenty for the relay) or 512.",
      validation: [{ condition: "contains([256, 512], var.cpu)", errorMessage: "cpu must be 256 or 512." }],
    }),
    memoryMb: v("memory_mb", {
      type: "number",
      default: RELAY_DEFAULTS.memoryMb,
      description:
        "Memory of the task in MB: 512, 1024 or 2048 with cpu 256; 1024–4096 (steps of 1024) with cpu 512.",
      validation: [
        {
          condition: `contains(lookup(${hclSizes()}, tostring(var.cpu), []), var.memory_mb)`,
          errorMessage:
            "memory_mb must be a Fargate size for the cpu: 512, 1024, 2048 (cpu 256) or 1024-4096 in steps of 1024 (cpu 512).",
        },
      ],
    }),
    imageUri: v("image_uri", {
      type: "string",
      default: null,
      description:
        "Image of the relay (built from relay/Dockerfile), pinned: `<repository>@sha256:<digest>` or an immutable tag. " +
        "null means `<the created ECR repository>:<image_tag>`; given, no repository is created.",
      validation: [
        {
          condition:
            'var.image_uri == null || can(regex("^[^ ]+(@sha256:[0-9a-f]{64}|:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$", var.image_uri))',
          errorMessage:
            "image_uri must name a tag or a digest: <repository>:<tag> or <repository>@sha256:<digest>.",
        },
      ],
    }),
    imageTag: v("image_tag", {
      type: "string",
      default: null,
      description:
        "Tag of the image in the created repository, whose tags are immutable: one tag per build (a version, a commit). " +
        "null (before the first push) creates the repository but no task definition and no service yet; set it and " +
        "apply to run or update the relay. Ignored with `image_uri`.",
      validation: [
        {
          condition:
            'var.image_tag == null || can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag))',
          errorMessage: "image_tag must be a Docker tag: letters, digits, _, . and -, up to 128 characters.",
        },
      ],
    }),
    imageRetentionCount: v("image_retention_count", {
      type: "number",
      default: RELAY_DEFAULTS.imageRetentionCount,
      description: "Images the created repository keeps (older ones expire): 1–1000.",
      validation: [
        {
          condition:
            "floor(var.image_retention_count) == var.image_retention_count && var.image_retention_count >= 1 && var.image_retention_count <= 1000",
          errorMessage: "image_retention_count must be an integer from 1 to 1000.",
        },
      ],
    }),
    discord: v("discord", {
      type: "object({ queue_url = string, queue_arn = string, secret_arn = string })",
      default: null,
      description:
        "Controls whether the relay connects to the Discord gateway (chat messages to the bot): the Discord module's " +
        "outputs, `discord = module.discord` (its `queue_url`, where gateway messages go; `queue_arn`, the only queue " +
        "the task may send them to; `secret_arn`, whose `bot_token` ECS injects as DISCORD_BOT_TOKEN). null: no Discord.",
    }),
    whatsappPersonal: v("whatsapp_personal", {
      type: "object({ queue_url = string, queue_arn = string, outbound_queue_url = string, outbound_queue_arn = string, allowed_users = list(string), media_bucket_name = optional(string), media_bucket_arn = optional(string), max_attachment_bytes = optional(number), max_attachments = optional(number) })",
      default: null,
      description:
        "Controls whether the relay runs a WhatsApp personal session (Baileys, its auth state in the state bucket): the " +
        "WhatsApp-personal module's outputs, `whatsapp_personal = module.whatsapp_personal` (the inbound queue it sends " +
        "to, the outbound queue of replies it consumes, and `allowed_users`, the people whose messages it lets through " +
        "as `WHATSAPP_ALLOWED_USERS`: everyone else is dropped before anything is queued, unanswered; its media bucket " +
        "and limits, where the relay stores the files users send, since only the session can download them). null: no " +
        "WhatsApp personal.",
      validation: [
        {
          // A conditional, not ||: Terraform before 1.12 evaluates both sides of ||.
          condition:
            "var.whatsapp_personal == null ? true : length(var.whatsapp_personal.allowed_users) > 0 && " +
            `alltrue([for u in var.whatsapp_personal.allowed_users : u == "*" || can(regex(${JSON.stringify(USER_JID.source)}, u))])`,
          errorMessage:
            'whatsapp_personal.allowed_users must list WhatsApp user JIDs ("491701234567@s.whatsapp.net", "<id>@lid") or "*".',
        },
      ],
    }),
    whatsappGroupTrigger: v("whatsapp_group_trigger", {
      type: "string",
      default: null,
      description:
        "A word that, starting a WhatsApp group message (e.g. `!ai`), addresses the bot besides an @mention of your " +
        "account (`WHATSAPP_GROUP_TRIGGER`). A reply to one of your own messages never does: people answer you, not " +
        "your agent. null: only @mentions. One word, up to 32 characters without spaces.",
      validation: [
        {
          condition:
            'var.whatsapp_group_trigger == null ? true : can(regex("^\\\\S{1,32}$", var.whatsapp_group_trigger))',
          errorMessage: "whatsapp_group_trigger must be one word: 1-32 characters without spaces, e.g. !ai.",
        },
      ],
    }),
    logPairingQr: v("log_pairing_qr", {
      type: "bool",
      default: false,
      description:
        "Controls whether the WhatsApp pairing QR code is also printed in the relay's log (`WHATSAPP_LOG_QR`), " +
        "besides the PNG at `pairing_qr_s3_uri`. Whoever scans it links their account to the relay, and more people " +
        "read logs than the state bucket: leave it off unless the log is as private as the bucket.",
    }),
    forceDestroy: v("force_destroy", {
      type: "bool",
      default: false,
      description:
        "Controls whether `terraform destroy` also deletes what the relay made: the images in the created repository " +
        "and every version of every object in the state bucket, the WhatsApp session's keys included (pairing again " +
        "is then needed). false: destroy stops at a repository with images or a bucket with objects. Apply the " +
        "change before the destroy, so the state knows it.",
    }),
    createAlarm: v("create_alarm", {
      type: "bool",
      default: true,
      description:
        "Controls whether a CloudWatch alarm fires when no relay task has run for five minutes (the service reports no " +
        "CPU figure), e.g. tasks that cannot start or keep failing their health check.",
    }),
    alarmSnsTopicArn: v("alarm_sns_topic_arn", {
      type: "string",
      default: null,
      description:
        "ARN of an SNS topic the alarm notifies (on alarm and on recovery); null for no notification.",
      validation: [
        {
          condition: arnOf("sns", "var.alarm_sns_topic_arn"),
          errorMessage: "alarm_sns_topic_arn must be an SNS topic ARN.",
        },
      ],
    }),
    logLevel: v("log_level", {
      type: "string",
      default: "info",
      description: `Log level of the relay (\`LOG_LEVEL\`): one of ${LOG_LEVELS.map((l) => `\`${l}\``).join(", ")}.`,
      validation: [
        {
          condition: `contains([${LOG_LEVELS.map((l) => `"${l}"`).join(", ")}], var.log_level)`,
          errorMessage: `log_level must be one of ${LOG_LEVELS.join(", ")}.`,
        },
      ],
    }),
    logRetentionDays: v("log_retention_days", {
      type: "number",
      default: RELAY_DEFAULTS.logRetentionDays,
      description: `Days CloudWatch keeps the relay's logs: one of ${LOG_RETENTION_DAYS.join(", ")}.`,
      validation: [
        {
          condition: `contains([${LOG_RETENTION_DAYS.join(", ")}], var.log_retention_days)`,
          errorMessage: `log_retention_days must be one of ${LOG_RETENTION_DAYS.join(", ")}.`,
        },
      ],
    }),
    ...roleVariables(scope, "relay's IAM roles (task and execution)"),
    tags: v("tags", {
      type: "map(string)",
      default: {},
      description: "Tags added to every resource that supports them.",
    }),
  };
}

export type RelayVariables = ReturnType<typeof relayVariables>;
