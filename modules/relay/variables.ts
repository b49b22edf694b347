import type { TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import { LOG_LEVELS, LOG_RETENTION_DAYS, variable } from "../lib/index.ts";

/** Defaults of the relay module's inputs, in one place. */
export const RELAY_DEFAULTS = {
  cpu: 256,
  memoryMb: 512,
  imageTag: "latest",
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
const urlOf = (v: string) => `${v} == null || can(regex("^https://", ${v}))`;

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
        "Image of the relay (built from relay/Dockerfile); null means `<the created ECR repository>:<image_tag>`. Required when `create_ecr_repository` is false.",
    }),
    imageTag: v("image_tag", {
      type: "string",
      default: RELAY_DEFAULTS.imageTag,
      description:
        "Tag of the image in the created ECR repository (ignored with `image_uri`). Pushing a new image needs a new deployment: change the tag, or `aws ecs update-service --force-new-deployment`.",
    }),
    createEcrRepository: v("create_ecr_repository", {
      type: "bool",
      default: true,
      description:
        "Controls whether an ECR repository `<name>` is created for the relay image (scan on push, lifecycle policy).",
    }),
    imageTagMutability: v("image_tag_mutability", {
      type: "string",
      default: "MUTABLE",
      description:
        "Tag mutability of the created repository: `MUTABLE` (push `latest` again) or `IMMUTABLE` (one tag per build).",
      validation: [
        {
          condition: `contains(["MUTABLE", "IMMUTABLE"], var.image_tag_mutability)`,
          errorMessage: "image_tag_mutability must be MUTABLE or IMMUTABLE.",
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
    enableDiscord: v("enable_discord", {
      type: "bool",
      default: false,
      description:
        "Controls whether the relay connects to the Discord gateway (chat messages to the bot). Needs `discord_queue_url`, `discord_queue_arn` and `discord_secret_arn` (outputs of modules/discord).",
    }),
    discordQueueUrl: v("discord_queue_url", {
      type: "string",
      default: null,
      description: "URL of the Discord module's FIFO queue (its `queue_url`): where gateway messages go.",
      validation: [
        {
          condition: urlOf("var.discord_queue_url"),
          errorMessage: "discord_queue_url must be an https URL.",
        },
      ],
    }),
    discordQueueArn: v("discord_queue_arn", {
      type: "string",
      default: null,
      description: "ARN of the Discord module's FIFO queue (its `queue_arn`): the task may send to it only.",
      validation: [
        {
          condition: arnOf("sqs", "var.discord_queue_arn"),
          errorMessage: "discord_queue_arn must be an SQS queue ARN.",
        },
      ],
    }),
    discordSecretArn: v("discord_secret_arn", {
      type: "string",
      default: null,
      description:
        "ARN of the Discord module's secret (its `secret_arn`, JSON with `bot_token`): ECS injects the token into the task as DISCORD_BOT_TOKEN.",
      validation: [
        {
          condition: arnOf("secretsmanager", "var.discord_secret_arn"),
          errorMessage: "discord_secret_arn must be a Secrets Manager secret ARN.",
        },
      ],
    }),
    enableWhatsAppPersonal: v("enable_whatsapp_personal", {
      type: "bool",
      default: false,
      description:
        "Controls whether the relay runs a WhatsApp personal session (Baileys), its auth state kept in the state bucket. Needs the four `whatsapp_personal_*` queue inputs (outputs of modules/whatsapp-personal).",
    }),
    whatsappQueueUrl: v("whatsapp_personal_queue_url", {
      type: "string",
      default: null,
      description: "URL of the WhatsApp-personal inbound FIFO queue (modules/whatsapp-personal `queue_url`).",
      validation: [
        {
          condition: urlOf("var.whatsapp_personal_queue_url"),
          errorMessage: "whatsapp_personal_queue_url must be an https URL.",
        },
      ],
    }),
    whatsappQueueArn: v("whatsapp_personal_queue_arn", {
      type: "string",
      default: null,
      description:
        "ARN of the WhatsApp-personal inbound FIFO queue (`queue_arn`): the task may send to it only.",
      validation: [
        {
          condition: arnOf("sqs", "var.whatsapp_personal_queue_arn"),
          errorMessage: "whatsapp_personal_queue_arn must be an SQS queue ARN.",
        },
      ],
    }),
    outboundQueueUrl: v("whatsapp_personal_outbound_queue_url", {
      type: "string",
      default: null,
      description:
        "URL of the WhatsApp-personal outbound FIFO queue (`outbound_queue_url`): replies the relay sends.",
      validation: [
        {
          condition: urlOf("var.whatsapp_personal_outbound_queue_url"),
          errorMessage: "whatsapp_personal_outbound_queue_url must be an https URL.",
        },
      ],
    }),
    outboundQueueArn: v("whatsapp_personal_outbound_queue_arn", {
      type: "string",
      default: null,
      description:
        "ARN of the WhatsApp-personal outbound FIFO queue (`outbound_queue_arn`): the task may receive, delete and delay its messages.",
      validation: [
        {
          condition: arnOf("sqs", "var.whatsapp_personal_outbound_queue_arn"),
          errorMessage: "whatsapp_personal_outbound_queue_arn must be an SQS queue ARN.",
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
    tags: v("tags", {
      type: "map(string)",
      default: {},
      description: "Tags added to every resource that supports them.",
    }),
  };
}

export type RelayVariables = ReturnType<typeof relayVariables>;
