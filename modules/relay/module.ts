import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsClusterCapacityProviders } from "@cdktf/provider-aws/lib/ecs-cluster-capacity-providers";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import type { Construct } from "constructs";
import { LEASE_KEY, LEASE_TIMINGS } from "../../relay/lease.ts";
import { WHATSAPP_MEDIA_PREFIX } from "../../relay/whatsapp/media.ts";
import {
  addr,
  DEFAULTS,
  local,
  ModuleStack,
  named,
  output,
  tfList,
  tfNumber,
  tfString,
} from "../lib/index.ts";
import { StateBucket } from "./bucket.ts";
import { oneLine } from "./expr.ts";
import { executionPolicyDocument, taskPolicyDocument } from "./policies.ts";
import { relayVariables } from "./variables.ts";

/** The port of the relay's health endpoint inside the task. */
export const HEALTH_PORT = 8080;

/** Seconds ECS waits after SIGTERM before SIGKILL: the relay drains in-flight work within 20 s. */
export const STOP_TIMEOUT_SECONDS = 30;

/**
 * The container health check: the image's own, `bun dist/healthcheck.js` (relay/healthcheck.ts), which
 * asks GET /health over loopback and fails only when a restart may help — a connection failed, stuck
 * connecting, or no answer — and passes while the relay waits for a person: a QR code to scan (`pairing`),
 * a re-pair after the phone unlinked it (`unlinked`). So ECS never restarts a task that waits for a scan
 * (a restart would only show a new code) or for an explicit re-pair. Three failures 30 s apart mark the
 * task unhealthy. The start period covers the one wait that fails the check and is not stuck: a new task
 * waiting out the lease of a task that crashed (up to the lease's 90 s, relay/lease.ts) before it
 * connects, plus 30 s to connect.
 */
export const HEALTH_CHECK = {
  command: ["CMD", "bun", "dist/healthcheck.js"],
  interval: 30,
  timeout: 5,
  retries: 3,
  startPeriod: LEASE_TIMINGS.ttlMs / 1000 + 30,
} as const;

/** Where the health endpoint listens: loopback, so only the container's own health check reaches it. */
export const HEALTH_HOST = "127.0.0.1";

/** Key prefix of the WhatsApp session in the state bucket. */
export const AUTH_PREFIX = "whatsapp-personal/";

/** Key prefix of the Discord gateway session in the state bucket (relay/discord/session-store.ts). */
export const DISCORD_STATE_PREFIX = "discord/";

/**
 * The WhatsApp session's keys in the state bucket, in Baileys' layout (relay/whatsapp/auth-state.ts): its
 * credentials and one object per signal key. Whoever reads them is the linked device of the account; the
 * bucket policy lets only the task role read them. (The pairing QR code beside them is for operators.)
 */
export const SESSION_KEY_OBJECTS = [`${AUTH_PREFIX}creds.json`, `${AUTH_PREFIX}keys/*`] as const;

/**
 * The always-on relay on ECS Fargate: one ARM64 task (0.25 vCPU, 0.5 GB by default, optionally on Fargate
 * Spot) that holds the Discord gateway connection and the WhatsApp personal session and turns their
 * messages into envelopes on the channels' queues; WhatsApp replies come back through the outbound queue.
 * With an ECR repository for its image (immutable tags), a log group, least-privilege roles, a private
 * bucket for its state (the WhatsApp auth state, the Discord session handed from one task to the next, and
 * the lease that lets one task at a time write it) encrypted with a KMS key only the task role may use, and
 * an alarm when no task runs.
 *
 * Synthesized into modules/relay/*.tf (HCL) by `bun run build` (scripts/synth.ts).
 */
export class RelayModule extends ModuleStack {
  constructor(scope: Construct, id = "relay") {
    super(scope, id);
    const v = relayVariables(this);
    const name = v.name.stringValue;
    const tags = v.tags.value;
    const account = named(new DataAwsCallerIdentity(this, "Account", {}), "current");
    const discord = `${addr(v.discord)} != null`;
    const whatsapp = `${addr(v.whatsappPersonal)} != null`;
    // Whether the relay stores WhatsApp personal's files (the module's media bucket is given).
    const whatsappMedia = `(${whatsapp} ? ${addr(v.whatsappPersonal)}.media_bucket_arn != null : false)`;
    const createRepository = `${addr(v.imageUri)} == null`;

    // Image: the given one, or the created repository (immutable tags, scan on push, lifecycle) at image_tag.
    const repository = named(
      new EcrRepository(this, "Repository", {
        count: tfNumber(`${createRepository} ? 1 : 0`),
        name,
        imageTagMutability: "IMMUTABLE",
        forceDelete: v.forceDestroy.booleanValue,
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfiguration: [{ encryptionType: "AES256" }],
        tags,
      }),
      "this",
    );
    named(
      new EcrLifecyclePolicy(this, "RepositoryLifecycle", {
        count: tfNumber(`${createRepository} ? 1 : 0`),
        repository: tfString(`${addr(repository)}[0].name`),
        policy: tfString(
          `jsonencode({ rules = [{ rulePriority = 1, description = "Keep the last \${${addr(v.imageRetentionCount)}} images", selection = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = ${addr(v.imageRetentionCount)} }, action = { type = "expire" } }] })`,
        ),
      }),
      "this",
    );
    // null until there is an image to run: no task definition and no service before the first push.
    const image = local(
      this,
      "image",
      `${addr(v.imageUri)} != null ? ${addr(v.imageUri)} : ${addr(v.imageTag)} == null ? null : "\${${addr(repository)}[0].repository_url}:\${${addr(v.imageTag)}}"`,
    );
    const runs = `${addr(image)} != null`;

    const logGroup = named(
      new CloudwatchLogGroup(this, "LogGroup", {
        name: `/ecs/${name}`,
        retentionInDays: v.logRetentionDays.numberValue,
        tags,
      }),
      "this",
    );

    // Roles: the execution role pulls the image and writes logs; the task role is what the relay may do.
    // Both trust ECS tasks of this account only (aws:SourceAccount: no confused deputy).
    const trust = named(
      new DataAwsIamPolicyDocument(this, "EcsTasksTrust", {
        statement: [
          {
            effect: "Allow",
            actions: ["sts:AssumeRole"],
            principals: [{ type: "Service", identifiers: ["ecs-tasks.amazonaws.com"] }],
            condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [account.accountId] }],
          },
        ],
      }),
      "ecs_tasks_trust",
    );
    const role = (id: string, suffix: string) =>
      named(
        new IamRole(this, id, {
          name: `${name}-${suffix}`,
          path: v.iamRolePath.stringValue,
          permissionsBoundary: v.iamRolePermissionsBoundary.stringValue,
          assumeRolePolicy: trust.json,
          tags,
        }),
        suffix,
      );
    const executionRole = role("ExecutionRole", "execution");
    const executionPolicy = named(
      new IamRolePolicy(this, "ExecutionPolicy", {
        name: `${name}-execution`,
        role: executionRole.id,
        policy: executionPolicyDocument(this, {
          pullsFromRepository: createRepository,
          repositoryArn: tfString(`${addr(repository)}[0].arn`),
          logGroupArn: logGroup.arn,
          discord,
          discordSecretArn: tfString(`${addr(v.discord)}.secret_arn`),
        }).json,
      }),
      "execution",
    );
    const taskRole = role("TaskRole", "task");
    const { bucket: state, key: stateKey } = new StateBucket(this, "StateBucket", {
      bucketName: `${name}-state-${account.accountId}`,
      forceDestroy: v.forceDestroy.booleanValue,
      accountId: account.accountId,
      relayRoleArn: taskRole.arn,
      relayOnlyObjects: SESSION_KEY_OBJECTS,
      description: `State of the agentcore-relay relay ${name}: the WhatsApp session's keys, the Discord session.`,
      tags,
    });
    const taskPolicy = named(
      new IamRolePolicy(this, "TaskPolicy", {
        name: `${name}-task`,
        role: taskRole.id,
        policy: taskPolicyDocument(this, {
          bucketArn: state.arn,
          keyArn: stateKey.arn,
          leaseKey: LEASE_KEY,
          discord,
          whatsapp,
          discordQueueArn: tfString(`${addr(v.discord)}.queue_arn`),
          whatsappQueueArn: tfString(`${addr(v.whatsappPersonal)}.queue_arn`),
          outboundQueueArn: tfString(`${addr(v.whatsappPersonal)}.outbound_queue_arn`),
          discordPrefix: DISCORD_STATE_PREFIX,
          authPrefix: AUTH_PREFIX,
          whatsappMedia,
          whatsappMediaBucketArn: tfString(`${addr(v.whatsappPersonal)}.media_bucket_arn`),
          whatsappMediaPrefix: WHATSAPP_MEDIA_PREFIX,
        }).json,
        lifecycle: {
          precondition: [
            {
              condition: `\${${discord} || ${whatsapp}}`,
              errorMessage:
                "The relay has nothing to do: set discord = module.discord and/or whatsapp_personal = module.whatsapp_personal.",
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
        // Container Insights costs more than the relay itself: the alarm below watches that a task runs,
        // the health check that it is connected.
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

    // The relay's configuration (relay/README.md): the health endpoint on loopback, each integration's queues;
    // for WhatsApp personal the people it may let through (the worker's own allowlist), the group trigger and
    // whether the pairing QR code goes to the log.
    const wa = addr(v.whatsappPersonal);
    const environment = local(
      this,
      "environment",
      oneLine(`concat(
        [
          { name = "PORT", value = "${HEALTH_PORT}" },
          { name = "HEALTH_HOST", value = "${HEALTH_HOST}" },
          { name = "LOG_LEVEL", value = ${addr(v.logLevel)} },
          { name = "STATE_BUCKET", value = ${addr(state)}.id }
        ],
        ${discord} ? [
          { name = "DISCORD_QUEUE_URL", value = ${addr(v.discord)}.queue_url }
        ] : [],
        ${whatsapp} ? [
          { name = "WHATSAPP_PERSONAL_QUEUE_URL", value = ${wa}.queue_url },
          { name = "OUTBOUND_QUEUE_URL", value = ${wa}.outbound_queue_url },
          { name = "AUTH_PREFIX", value = "${AUTH_PREFIX}" },
          { name = "WHATSAPP_ALLOWED_USERS", value = join(",", ${wa}.allowed_users) },
          { name = "WHATSAPP_LOG_QR", value = ${addr(v.logPairingQr)} ? "true" : "false" }
        ] : [],
        ${whatsappMedia} ? [
          { name = "WHATSAPP_MEDIA_BUCKET", value = ${wa}.media_bucket_name },
          { name = "WHATSAPP_MAX_ATTACHMENT_BYTES", value = tostring(coalesce(${wa}.max_attachment_bytes, ${DEFAULTS.maxAttachmentBytes})) },
          { name = "WHATSAPP_MAX_ATTACHMENTS", value = tostring(coalesce(${wa}.max_attachments, ${DEFAULTS.maxAttachments})) }
        ] : [],
        ${whatsapp} && ${addr(v.whatsappGroupTrigger)} != null ? [
          { name = "WHATSAPP_GROUP_TRIGGER", value = ${addr(v.whatsappGroupTrigger)} }
        ] : []
      )`),
    );
    // The bot token, injected by ECS from the Discord module's secret: never in the task definition.
    const secrets = local(
      this,
      "container_secrets",
      `${discord} ? [{ name = "DISCORD_BOT_TOKEN", valueFrom = "\${${addr(v.discord)}.secret_arn}:bot_token::" }] : []`,
    );
    const task = named(
      new EcsTaskDefinition(this, "Task", {
        count: tfNumber(`${runs} ? 1 : 0`),
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
            healthCheck = {
              command = [${HEALTH_CHECK.command.map((part) => JSON.stringify(part)).join(", ")}],
              interval = ${HEALTH_CHECK.interval}, timeout = ${HEALTH_CHECK.timeout},
              retries = ${HEALTH_CHECK.retries}, startPeriod = ${HEALTH_CHECK.startPeriod}
            },
            stopTimeout = ${STOP_TIMEOUT_SECONDS},
            logConfiguration = { logDriver = "awslogs", options = {
              "awslogs-group" = ${addr(logGroup)}.name,
              "awslogs-region" = split(":", ${addr(logGroup)}.arn)[3],
              "awslogs-stream-prefix" = "relay"
            } }
          }])`),
        ),
        tags,
      }),
      "this",
    );

    const service = named(
      new EcsService(this, "Service", {
        count: tfNumber(`${runs} ? 1 : 0`),
        name,
        cluster: clusterArn.asString,
        taskDefinition: tfString(`${addr(task)}[0].arn`),
        desiredCount: 1,
        // One session at a time, also during a deployment: ECS stops the old task before it starts the new
        // one (and the state's lease keeps a stray second task from writing: relay/lease.ts).
        deploymentMinimumHealthyPercent: 0,
        deploymentMaximumPercent: 100,
        // A deployment whose tasks keep failing to start or to pass the health check is stopped and rolled
        // back to the last one that reached a steady state.
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
        dependsOn: [taskPolicy, executionPolicy, capacityProviders],
      }),
      "this",
    );
    service.addOverride("dynamic.capacity_provider_strategy", {
      for_each: `\${${addr(v.useFargateSpot)} ? ["FARGATE_SPOT"] : []}`,
      content: { capacity_provider: "${capacity_provider_strategy.value}", weight: 1 },
    });
    const serviceName = tfString(`one(${addr(service)}[*].name)`);

    // No CPU figure for five minutes: no task ran (it cannot start, or keeps failing its health check).
    const alarmActions = tfList(`${addr(v.alarmSnsTopicArn)} == null ? [] : [${addr(v.alarmSnsTopicArn)}]`);
    named(
      new CloudwatchMetricAlarm(this, "NoTaskAlarm", {
        count: tfNumber(`${addr(v.createAlarm)} && ${runs} ? 1 : 0`),
        alarmName: `${name}-no-task`,
        alarmDescription: `No task of the relay ${name} has run for five minutes: Discord chat and WhatsApp personal are unanswered.`,
        namespace: "AWS/ECS",
        metricName: "CPUUtilization",
        dimensions: {
          ClusterName: tfString(`element(split("/", ${addr(clusterArn)}), 1)`),
          ServiceName: serviceName,
        },
        statistic: "SampleCount",
        period: 60,
        evaluationPeriods: 5,
        threshold: 1,
        comparisonOperator: "LessThanThreshold",
        treatMissingData: "breaching",
        alarmActions,
        okActions: alarmActions,
        tags,
      }),
      "no_task",
    );

    output(
      this,
      "ecr_repository_url",
      `\${one(${addr(repository)}[*].repository_url)}`,
      "URL of the created ECR repository to push the relay image to (null with `image_uri`).",
    );
    output(this, "image", image.asString, "The image the task runs (null until `image_tag` is set).");
    output(
      this,
      "cluster_arn",
      clusterArn.asString,
      "ARN of the ECS cluster the relay runs in (created or given).",
    );
    output(
      this,
      "service_name",
      serviceName,
      "Name of the ECS service (null until there is an image to run).",
    );
    output(this, "task_role_name", taskRole.name, "Name of the task role (what the relay may do).");
    output(this, "task_role_arn", taskRole.arn, "ARN of the task role (what the relay may do).");
    output(
      this,
      "execution_role_name",
      executionRole.name,
      "Name of the task execution role (image, logs, secret).",
    );
    output(
      this,
      "execution_role_arn",
      executionRole.arn,
      "ARN of the task execution role (image, logs, secret).",
    );
    output(
      this,
      "log_group_name",
      logGroup.name,
      "CloudWatch log group of the relay: connection states, errors (pairing QR codes only with `log_pairing_qr`).",
    );
    output(
      this,
      "state_bucket_name",
      state.id,
      "S3 bucket of the relay's state: the WhatsApp session's auth state and pairing QR code, the Discord session, the lease.",
    );
    output(
      this,
      "state_key_arn",
      stateKey.arn,
      "ARN of the KMS key the state bucket is encrypted with (only the task role may use it).",
    );
    output(
      this,
      "pairing_qr_s3_uri",
      `\${${whatsapp} ? "s3://\${${addr(state)}.id}/${AUTH_PREFIX}pairing-qr.png" : null}`,
      "Where the WhatsApp pairing QR code appears while the relay waits to be linked (null without WhatsApp personal).",
    );
  }
}
