// biome-ignore-all lint/suspicious/noTemplateCurlyInString: "${...}" strings here are Terraform interpolations, not JavaScript templates.
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsClusterCapacityProviders } from "@cdktf/provider-aws/lib/ecs-cluster-capacity-providers";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import type { Construct } from "constructs";
import { addr, local, ModuleStack, named, output, tfNumber, tfString } from "../lib/index.ts";
import { StateBucket } from "./bucket.ts";
import { oneLine } from "./expr.ts";
import { executionPolicyDocument, taskPolicyDocument } from "./policies.ts";
import { relayVariables } from "./variables.ts";

/** The port of the relay's health endpoint inside the task. */
export const HEALTH_PORT = 8080;

/** Seconds ECS waits after SIGTERM before SIGKILL: the relay drains in-flight work within 20 s. */
export const STOP_TIMEOUT_SECONDS = 30;

/** Key prefix of the WhatsApp session in the state bucket. */
export const AUTH_PREFIX = "whatsapp-personal/";

/** Key prefix of the Discord gateway session in the state bucket (relay/discord/session-store.ts). */
export const DISCORD_STATE_PREFIX = "discord/";

const ECS_TASKS_TRUST = `jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ecs-tasks.amazonaws.com" } }] })`;

/**
 * The always-on relay on ECS Fargate: one ARM64 task (0.25 vCPU, 0.5 GB by default, optionally on Fargate
 * Spot) that holds the Discord gateway connection and the WhatsApp personal session and turns their
 * messages into envelopes on the channels' queues; WhatsApp replies come back through the outbound queue.
 * With an ECR repository for its image, a log group, least-privilege roles and, for WhatsApp, a private
 * bucket for its state (the WhatsApp auth state, the Discord session handed from one task to the next).
 *
 * Synthesized into modules/relay/*.tf.json by `bun run build` (scripts/synth.ts).
 */
export class RelayModule extends ModuleStack {
  constructor(scope: Construct, id = "relay") {
    super(scope, id);
    const v = relayVariables(this);
    const name = v.name.stringValue;
    const tags = v.tags.value;
    const account = named(new DataAwsCallerIdentity(this, "Account", {}), "current");

    // Preconditions a Terraform user gets at plan, with the input to fix.
    const needs = (flag: string, inputs: string[]) =>
      `!${flag} || alltrue([${inputs.map((i) => `var.${i} != null`).join(", ")}])`;

    // Image: the created repository (scan on push, lifecycle) or the one given.
    const repository = named(
      new EcrRepository(this, "Repository", {
        count: tfNumber(`${addr(v.createEcrRepository)} ? 1 : 0`),
        name,
        imageTagMutability: v.imageTagMutability.stringValue,
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfiguration: [{ encryptionType: "AES256" }],
        tags,
      }),
      "this",
    );
    named(
      new EcrLifecyclePolicy(this, "RepositoryLifecycle", {
        count: tfNumber(`${addr(v.createEcrRepository)} ? 1 : 0`),
        repository: tfString(`${addr(repository)}[0].name`),
        policy: tfString(
          `jsonencode({ rules = [{ rulePriority = 1, description = "Keep the last \${${addr(v.imageRetentionCount)}} images", selection = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = ${addr(v.imageRetentionCount)} }, action = { type = "expire" } }] })`,
        ),
      }),
      "this",
    );
    const image = local(
      this,
      "image",
      `${addr(v.imageUri)} != null ? ${addr(v.imageUri)} : "\${one(${addr(repository)}[*].repository_url)}:\${${addr(v.imageTag)}}"`,
    );

    const logGroup = named(
      new CloudwatchLogGroup(this, "LogGroup", {
        name: `/ecs/${name}`,
        retentionInDays: v.logRetentionDays.numberValue,
        tags,
      }),
      "this",
    );

    const state = new StateBucket(this, "StateBucket", {
      bucketName: `${name}-state-${account.accountId}`,
      tags,
    }).bucket;

    // Roles: the execution role pulls the image and writes logs; the task role is what the relay may do.
    const executionRole = named(
      new IamRole(this, "ExecutionRole", {
        name: `${name}-execution`,
        assumeRolePolicy: tfString(ECS_TASKS_TRUST),
        tags,
      }),
      "execution",
    );
    named(
      new IamRolePolicy(this, "ExecutionPolicy", {
        name: `${name}-execution`,
        role: executionRole.id,
        policy: executionPolicyDocument(this, {
          pullsFromRepository: `${addr(v.createEcrRepository)}`,
          repositoryArn: tfString(`${addr(repository)}[0].arn`),
          logGroupArn: logGroup.arn,
          discord: addr(v.enableDiscord),
          discordSecretArn: v.discordSecretArn.stringValue,
        }).json,
      }),
      "execution",
    );
    const taskRole = named(
      new IamRole(this, "TaskRole", {
        name: `${name}-task`,
        assumeRolePolicy: tfString(ECS_TASKS_TRUST),
        tags,
      }),
      "task",
    );
    const policy = named(
      new IamRolePolicy(this, "TaskPolicy", {
        name: `${name}-task`,
        role: taskRole.id,
        policy: taskPolicyDocument(this, {
          bucketArn: state.arn,
          discord: addr(v.enableDiscord),
          whatsapp: addr(v.enableWhatsAppPersonal),
          discordQueueArn: v.discordQueueArn.stringValue,
          whatsappQueueArn: v.whatsappQueueArn.stringValue,
          outboundQueueArn: v.outboundQueueArn.stringValue,
          discordPrefix: DISCORD_STATE_PREFIX,
          authPrefix: AUTH_PREFIX,
        }).json,
        lifecycle: {
          precondition: [
            {
              condition: `\${${needs("var.enable_discord", ["discord_queue_url", "discord_queue_arn", "discord_secret_arn"])}}`,
              errorMessage:
                "enable_discord needs discord_queue_url, discord_queue_arn and discord_secret_arn (outputs queue_url, queue_arn and secret_arn of modules/discord).",
            },
            {
              condition: `\${${needs("var.enable_whatsapp_personal", [
                "whatsapp_personal_queue_url",
                "whatsapp_personal_queue_arn",
                "whatsapp_personal_outbound_queue_url",
                "whatsapp_personal_outbound_queue_arn",
              ])}}`,
              errorMessage:
                "enable_whatsapp_personal needs the four whatsapp_personal_* queue inputs (outputs queue_url, queue_arn, outbound_queue_url and outbound_queue_arn of modules/whatsapp-personal).",
            },
            {
              condition: `\${${addr(v.enableDiscord)} || ${addr(v.enableWhatsAppPersonal)}}`,
              errorMessage:
                "The relay has nothing to do: set enable_discord and/or enable_whatsapp_personal.",
            },
          ],
        },
      }),
      "task",
    );

    const cluster = named(
      new EcsCluster(this, "Cluster", {
        count: tfNumber(`${addr(v.clusterArn)} == null ? 1 : 0`),
        name,
        // Container Insights costs more than the relay itself; the health endpoint and the logs suffice.
        setting: [{ name: "containerInsights", value: "disabled" }],
        tags,
      }),
      "this",
    );
    const capacityProviders = named(
      new EcsClusterCapacityProviders(this, "CapacityProviders", {
        count: tfNumber(`${addr(v.clusterArn)} == null ? 1 : 0`),
        clusterName: tfString(`${addr(cluster)}[0].name`),
        capacityProviders: ["FARGATE", "FARGATE_SPOT"],
      }),
      "this",
    );
    const clusterArn = local(
      this,
      "cluster_arn",
      `coalesce(${addr(v.clusterArn)}, one(${addr(cluster)}[*].arn))`,
    );

    const environment = local(
      this,
      "environment",
      oneLine(`concat(
        [
          { name = "PORT", value = "${HEALTH_PORT}" },
          { name = "LOG_LEVEL", value = ${addr(v.logLevel)} },
          { name = "STATE_BUCKET", value = ${addr(state)}.id }
        ],
        ${addr(v.enableDiscord)} ? [
          { name = "DISCORD_QUEUE_URL", value = ${addr(v.discordQueueUrl)} }
        ] : [],
        ${addr(v.enableWhatsAppPersonal)} ? [
          { name = "WHATSAPP_PERSONAL_QUEUE_URL", value = ${addr(v.whatsappQueueUrl)} },
          { name = "OUTBOUND_QUEUE_URL", value = ${addr(v.outboundQueueUrl)} },
          { name = "AUTH_PREFIX", value = "${AUTH_PREFIX}" }
        ] : []
      )`),
    );
    // The bot token, injected by ECS from the Discord module's secret: never in the task definition.
    const secrets = local(
      this,
      "container_secrets",
      `${addr(v.enableDiscord)} ? [{ name = "DISCORD_BOT_TOKEN", valueFrom = "\${${addr(v.discordSecretArn)}}:bot_token::" }] : []`,
    );
    const task = named(
      new EcsTaskDefinition(this, "Task", {
        family: name,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: tfString(`tostring(${addr(v.cpu)})`),
        memory: tfString(`tostring(${addr(v.memoryMb)})`),
        runtimePlatform: { cpuArchitecture: "ARM64", operatingSystemFamily: "LINUX" },
        executionRoleArn: executionRole.arn,
        taskRoleArn: taskRole.arn,
        containerDefinitions: tfString(
          oneLine(`jsonencode([{
            name = "relay", image = ${addr(image)}, essential = true,
            environment = ${addr(environment)},
            secrets = ${addr(secrets)},
            portMappings = [{ containerPort = ${HEALTH_PORT}, protocol = "tcp" }],
            stopTimeout = ${STOP_TIMEOUT_SECONDS},
            logConfiguration = { logDriver = "awslogs", options = {
              "awslogs-group" = ${addr(logGroup)}.name,
              "awslogs-region" = split(":", ${addr(logGroup)}.arn)[3],
              "awslogs-stream-prefix" = "relay"
            } }
          }])`),
        ),
        tags,
        lifecycle: {
          precondition: [
            {
              condition: `\${${addr(v.imageUri)} != null || ${addr(v.createEcrRepository)}}`,
              errorMessage: "Without create_ecr_repository, set image_uri to the relay image to run.",
            },
          ],
        },
      }),
      "this",
    );

    const service = named(
      new EcsService(this, "Service", {
        name,
        cluster: clusterArn.asString,
        taskDefinition: task.arn,
        desiredCount: 1,
        // One session at a time, also during a deployment: a second WhatsApp session would replace the
        // first, and two gateway connections would queue every message twice.
        deploymentMinimumHealthyPercent: 0,
        deploymentMaximumPercent: 100,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        launchType: tfString(`${addr(v.useFargateSpot)} ? null : "FARGATE"`),
        networkConfiguration: {
          subnets: v.subnetIds.listValue,
          securityGroups: v.securityGroupIds.listValue,
          assignPublicIp: v.assignPublicIp.booleanValue,
        },
        propagateTags: "SERVICE",
        waitForSteadyState: false,
        tags,
        // The task's permissions, and (on a created cluster) FARGATE_SPOT, exist before the task starts.
        dependsOn: [policy, capacityProviders],
      }),
      "this",
    );
    service.addOverride("dynamic.capacity_provider_strategy", {
      for_each: `\${${addr(v.useFargateSpot)} ? ["FARGATE_SPOT"] : []}`,
      content: { capacity_provider: "${capacity_provider_strategy.value}", weight: 1 },
    });

    output(
      this,
      "ecr_repository_url",
      `\${one(${addr(repository)}[*].repository_url)}`,
      "URL of the created ECR repository to push the relay image to (null when not created).",
    );
    output(this, "image", image.asString, "The image the task runs.");
    output(
      this,
      "cluster_arn",
      clusterArn.asString,
      "ARN of the ECS cluster the relay runs in (created or given).",
    );
    output(
      this,
      "service_name",
      service.name,
      "Name of the ECS service (`aws ecs update-service --force-new-deployment` after pushing an image).",
    );
    output(this, "task_role_arn", taskRole.arn, "ARN of the task role (what the relay may do).");
    output(
      this,
      "log_group_name",
      logGroup.name,
      "CloudWatch log group of the relay: connection states, pairing QR codes, errors.",
    );
    output(
      this,
      "state_bucket_name",
      state.id,
      "S3 bucket of the relay's state: the WhatsApp session's auth state and pairing QR code, the Discord session.",
    );
    output(
      this,
      "pairing_qr_s3_uri",
      `\${${addr(v.enableWhatsAppPersonal)} ? "s3://\${${addr(state)}.id}/${AUTH_PREFIX}pairing-qr.png" : null}`,
      "Where the WhatsApp pairing QR code appears while the relay waits to be linked (null without WhatsApp personal).",
    );
  }
}
