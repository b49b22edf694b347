import type { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import type { IResolvable, TerraformLocal } from "cdktf";
import { Construct } from "constructs";
import { CapAlarm, DlqAlarm } from "./alarm.ts";
import { QueueEventSource } from "./event-source.ts";
import { addr, expressionOf, isToken, local, tfNumber, tfString } from "./expr.ts";
import { BundledFunction } from "./function.ts";
import { grantInvokeAgent, grantLedger, grantSecretRead, grantSend, QUEUE_SEND_ACTIONS } from "./grants.ts";
import { SendLedgerTable } from "./ledger.ts";
import { MediaBucket } from "./media.ts";
import { FifoQueuePair, VISIBILITY_TIMEOUT_FACTOR } from "./queue.ts";
import { type ChannelVariables, DEFAULTS } from "./variables.ts";

/** The name of the Terraform local holding the main queue's visibility timeout (when it is decided at plan). */
export const VISIBILITY_TIMEOUT_LOCAL = "queue_visibility_timeout_seconds";

export interface ChannelIngressProps {
  /** Timeout, in seconds, 1–900: the platform waits for the answer, so keep it short. */
  readonly timeoutSeconds: number;
  /** Memory, in MB, 128–10240. */
  readonly memorySizeMb: number;
  /**
   * Concurrency reserved for the ingress, which also caps it: a flood of forged webhooks can then neither run
   * it at will nor take the account concurrency the workers share. `-1` (or a Terraform expression giving it)
   * leaves it unreserved. @default -1
   */
  readonly reservedConcurrency?: number;
  /** Environment besides `QUEUE_URL`, `SECRET_ARN` and `LOG_LEVEL`, e.g. `DISCORD_PUBLIC_KEY`. */
  readonly environment?: Record<string, string>;
  /**
   * Whether the ingress is granted `ReadSecret` on the pipeline's `secretArn`; false when the channel grants it
   * itself (Discord grants it only when the public key is not an input). @default true
   */
  readonly readsSecret?: boolean;
}

/** The access and spend settings of a pipeline, as plain values or Terraform expressions. */
export interface PipelineAccess {
  readonly policy: string;
  readonly admins: string[];
  readonly groupPolicy: string;
  readonly burstWindowMs: number;
  readonly rateLimitPerMinute: number;
  readonly rateLimitPerDay: number;
  readonly dailyInvocationCap: number;
}

export interface ChannelPipelineProps {
  /**
   * Deployment name, the prefix of every resource name: queues `<name>.fifo` and `<name>-dlq.fifo`, functions
   * `<name>-ingress` and `<name>-worker`, table `<name>-ledger`, alarm `<name>-dlq-not-empty`.
   */
  readonly name: string;
  /** ARN of the AgentCore runtime the worker invokes (`AGENT_RUNTIME_ARN`; the `InvokeAgent` grant). */
  readonly agentRuntimeArn: string;
  /** Runtime endpoint the worker invokes (`AGENT_QUALIFIER`), e.g. `DEFAULT`. */
  readonly agentQualifier: string;
  /** User ids the worker answers (`ALLOWED_USERS`, comma-joined); `*` for everyone. */
  readonly allowedUsers: string[];
  /** Whether the worker passes `runtimeUserId` (`AGENT_USER_ID`) and may call `InvokeAgentRuntimeForUser`. */
  readonly enableAgentUserId: boolean | IResolvable;
  /** What one agent session covers (`SESSION_SCOPE`): `conversation` or `user`. @default "conversation" */
  readonly sessionScope?: string;
  /** Whether answers show while the agent writes them (`STREAM_REPLIES`). @default true */
  readonly streamReplies?: boolean | IResolvable;
  /**
   * Who reaches the agent and how much (docs/architecture.md "Access"): the worker's `ACCESS_POLICY`,
   * `ADMINS`, `GROUP_POLICY` (the ingress's too), `BURST_WINDOW_MS`, `RATE_LIMIT_PER_MINUTE`,
   * `RATE_LIMIT_PER_DAY` and `DAILY_INVOCATION_CAP`. Unset: the handlers' defaults (allowlist, no admins,
   * no limits, no merging).
   */
  readonly access?: PipelineAccess;
  /** Days the media bucket keeps a file (its lifecycle expiry). @default DEFAULTS.mediaRetentionDays */
  readonly mediaRetentionDays?: number;
  /** Largest file the worker fetches (`MAX_ATTACHMENT_BYTES`). @default DEFAULTS.maxAttachmentBytes */
  readonly maxAttachmentBytes?: number;
  /** Most files of one message the worker fetches (`MAX_ATTACHMENTS`). @default DEFAULTS.maxAttachments */
  readonly maxAttachments?: number;
  /** Lifetime of the presigned URLs the agent gets (`MEDIA_URL_SECONDS`). @default DEFAULTS.mediaUrlExpirySeconds */
  readonly mediaUrlExpirySeconds?: number;
  /** Worker memory, in MB, 128–10240. */
  readonly workerMemoryMb: number;
  /** Worker timeout, in seconds, 1–900. */
  readonly workerTimeoutSeconds: number;
  /**
   * Visibility timeout of the main queue, in seconds, at least 6 × `workerTimeoutSeconds`; `null` (at plan) or
   * `undefined` means exactly 6 × `workerTimeoutSeconds`. When either is a Terraform expression, the value is the
   * local `queue_visibility_timeout_seconds` (one pipeline per module).
   * @default VISIBILITY_TIMEOUT_FACTOR × workerTimeoutSeconds
   */
  readonly queueVisibilityTimeoutSeconds?: number;
  /** Receives of a message before SQS moves it to the DLQ, 1–1000; the worker is told it (`MAX_RECEIVE_COUNT`). */
  readonly maxReceiveCount: number;
  /** Messages per worker invocation, 1–10. */
  readonly batchSize: number;
  /** Most worker invocations at once, 2–1000. */
  readonly maxConcurrency: number;
  /** Log level of the functions (`LOG_LEVEL`): `debug`, `info`, `warn` or `error`. */
  readonly logLevel: string;
  /** Retention of the functions' log groups, in days, one of `LOG_RETENTION_DAYS`. */
  readonly logRetentionDays: number;
  /** Whether the DLQ alarm exists. */
  readonly createDlqAlarm: boolean | IResolvable;
  /** SNS topic the DLQ alarm notifies (alarm and OK); `null`/`undefined` for none. */
  readonly alarmSnsTopicArn?: string;
  /**
   * ARN of the channel's credentials secret: `SECRET_ARN` of both functions, and a `ReadSecret` grant for the
   * worker (and the ingress, unless `readsSecret` is false). Omit for a channel without a secret.
   */
  readonly secretArn?: string;
  /**
   * Environment of the worker besides the standard entries (`QUEUE_URL`, `SECRET_ARN`, `AGENT_RUNTIME_ARN`,
   * `AGENT_QUALIFIER`, `ALLOWED_USERS`, `MAX_RECEIVE_COUNT`, `AGENT_USER_ID`, `SESSION_SCOPE`, `STREAM_REPLIES`, `LEDGER_TABLE`,
   * `LOG_LEVEL`),
   * e.g. `WHATSAPP_APP_ID`, `OUTBOUND_QUEUE_URL`.
   */
  readonly workerEnvironment?: Record<string, string>;
  /** Path of the functions' IAM roles. @default "/" */
  readonly rolePath?: string;
  /** ARN of a permissions boundary for the functions' roles; null/undefined for none. */
  readonly permissionsBoundary?: string;
  /** A queue the worker sends to (replies to the relay's outbound queue): a `SendToQueue` grant. */
  readonly workerSendQueue?: SqsQueue;
  readonly tags?: Record<string, string>;
}

/**
 * The shape every channel shares: a FIFO queue pair (+ DLQ) → worker Lambda (`dist/worker.mjs`) → AgentCore,
 * with the send ledger, the SQS event source, the DLQ alarm and, with `addIngress`, the ingress Lambda
 * (`dist/ingress.mjs`) that fills the queue. The channel module adds what is its own: secret, routes, setup.
 *
 * Terraform names: `aws_sqs_queue.this` / `.dlq`, `aws_dynamodb_table.ledger`, the functions `ingress` and
 * `worker`, `aws_lambda_event_source_mapping.worker`, `aws_cloudwatch_metric_alarm.dlq`. Worker policy
 * statements, in order: `WriteOwnLogs`, `ReadSecret`, `SendToQueue`, `SendLedger`, `InvokeAgent`, `ConsumeQueue`
 * (those that apply); ingress: `WriteOwnLogs`, `SendToQueue`, `ReadSecret`.
 *
 * @example
 * const pipeline = new ChannelPipeline(this, "Pipeline", {
 *   ...channelPipelineInputs(v),
 *   secretArn: secret.secretArn,
 * });
 * const ingress = pipeline.addIngress({ timeoutSeconds: 10, memorySizeMb: v.ingressMemoryMb.numberValue });
 * new LambdaRoute(this, "Route", { api, routeKey: "POST /telegram", fn: ingress });
 */
export class ChannelPipeline extends Construct {
  /** The main queue (ingress → worker) and its DLQ. */
  readonly queues: FifoQueuePair;
  /**
   * The send queue (`<name>-send.fifo`) and its DLQ: messages the agent (or anything granted
   * `agentSendPolicyJson`) starts, which the worker delivers (handlers/core/outbound/).
   */
  readonly sendQueues: FifoQueuePair;
  /** The IAM policy (JSON) that lets a principal put messages on the send queue: for the agent's role. */
  readonly agentSendPolicyJson: string;
  /** The send ledger the worker reads and writes. */
  readonly ledger: SendLedgerTable;
  /** The worker: queue → agent → reply. */
  readonly worker: BundledFunction;
  /** The files users send, fetched by the worker for the agent. */
  readonly media: MediaBucket;
  /** The ingress (webhook → queue), once `addIngress` made it. */
  ingress?: BundledFunction;
  readonly eventSource: QueueEventSource;
  /** The send queue → worker event source. */
  readonly sendEventSource: QueueEventSource;
  readonly dlqAlarm: DlqAlarm;
  readonly sendDlqAlarm: DlqAlarm;
  /** The daily-cap alarm (with `access`): present when `DAILY_INVOCATION_CAP` is above 0. */
  readonly capAlarm?: CapAlarm;
  /** The local holding the visibility timeout, when it is decided at plan. */
  readonly visibilityTimeout?: TerraformLocal;
  private readonly props: ChannelPipelineProps;

  constructor(scope: Construct, id: string, props: ChannelPipelineProps) {
    super(scope, id);
    const { name, tags, secretArn } = props;
    const expr = (value: unknown) => expressionOf(this, value);

    // The visibility timeout follows the worker timeout unless set.
    let visibility =
      props.queueVisibilityTimeoutSeconds ?? VISIBILITY_TIMEOUT_FACTOR * props.workerTimeoutSeconds;
    if (isToken(props.queueVisibilityTimeoutSeconds) || isToken(props.workerTimeoutSeconds)) {
      this.visibilityTimeout = local(
        this,
        VISIBILITY_TIMEOUT_LOCAL,
        `coalesce(${expr(props.queueVisibilityTimeoutSeconds)}, ${VISIBILITY_TIMEOUT_FACTOR} * ${expr(props.workerTimeoutSeconds)})`,
      );
      visibility = this.visibilityTimeout.asNumber;
    }
    this.queues = new FifoQueuePair(this, "Queues", {
      terraformName: "this",
      name,
      visibilityTimeoutSeconds: visibility,
      consumerTimeoutSeconds: props.workerTimeoutSeconds,
      maxReceiveCount: props.maxReceiveCount,
      tags,
    });
    this.props = props;
    // Messages the agent starts: a queue of their own, so no sender of them can forge a user's message.
    this.sendQueues = new FifoQueuePair(this, "SendQueues", {
      terraformName: "send",
      name: `${name}-send`,
      visibilityTimeoutSeconds: visibility,
      consumerTimeoutSeconds: props.workerTimeoutSeconds,
      maxReceiveCount: props.maxReceiveCount,
      tags,
    });
    this.agentSendPolicyJson = tfString(
      `jsonencode({ Version = "2012-10-17", Statement = [{ Sid = "SendToRelay", Effect = "Allow", Action = ${JSON.stringify(QUEUE_SEND_ACTIONS)}, Resource = ${expr(this.sendQueues.queue.arn)} }] })`,
    );

    // What was sent per message, so a redelivered message is never answered twice.
    this.ledger = new SendLedgerTable(this, "Ledger", {
      terraformName: "ledger",
      tableName: `${name}-ledger`,
      tags,
    });

    // The files users send, fetched for the agent; the name fits S3's rules whatever the deployment name is.
    this.media = new MediaBucket(this, "Media", {
      bucketPrefix: `${tfString(`substr(trim(replace(lower(${expr(name)}), "_", "-"), "-"), 0, 30)`)}-media-`,
      retentionDays: props.mediaRetentionDays ?? DEFAULTS.mediaRetentionDays,
      tags,
    });
    // A number (or a Terraform number) as the string an environment variable holds.
    const numberString = (value: number) =>
      isToken(value) ? tfString(`tostring(${expr(value)})`) : String(value);
    const allowedUsers = isToken(props.allowedUsers)
      ? tfString(`join(",", ${expr(props.allowedUsers)})`)
      : props.allowedUsers.join(",");
    const maxReceiveCount = numberString(props.maxReceiveCount);
    const forUser =
      typeof props.enableAgentUserId === "boolean" ? props.enableAgentUserId : expr(props.enableAgentUserId);
    const access = props.access;
    const accessEnvironment: Record<string, string> = access
      ? {
          ACCESS_POLICY: access.policy,
          ADMINS: isToken(access.admins)
            ? tfString(`join(",", ${expr(access.admins)})`)
            : access.admins.join(","),
          GROUP_POLICY: access.groupPolicy,
          BURST_WINDOW_MS: numberString(access.burstWindowMs),
          RATE_LIMIT_PER_MINUTE: numberString(access.rateLimitPerMinute),
          RATE_LIMIT_PER_DAY: numberString(access.rateLimitPerDay),
          DAILY_INVOCATION_CAP: numberString(access.dailyInvocationCap),
        }
      : {};
    // A boolean (or a Terraform bool) as the "true"/"false" an environment variable holds.
    const boolString = (value: boolean | IResolvable) =>
      typeof value === "boolean" ? String(value) : tfString(`${expr(value)} ? "true" : "false"`);
    this.worker = new BundledFunction(this, "Worker", {
      functionName: `${name}-worker`,
      bundle: "dist/worker.mjs",
      handler: "worker.handler",
      memorySizeMb: props.workerMemoryMb,
      timeoutSeconds: props.workerTimeoutSeconds,
      environment: {
        QUEUE_URL: this.queues.queue.url,
        ...this.secretEnvironment(),
        AGENT_RUNTIME_ARN: props.agentRuntimeArn,
        AGENT_QUALIFIER: props.agentQualifier,
        ALLOWED_USERS: allowedUsers,
        MAX_RECEIVE_COUNT: maxReceiveCount,
        AGENT_USER_ID: boolString(props.enableAgentUserId),
        SESSION_SCOPE: props.sessionScope ?? "conversation",
        STREAM_REPLIES: boolString(props.streamReplies ?? true),
        SEND_QUEUE_URL: this.sendQueues.queue.url,
        SEND_QUEUE_ARN: this.sendQueues.queue.arn,
        SEND_DLQ_URL: this.sendQueues.dlq.url,
        ...accessEnvironment,
        MEDIA_BUCKET: this.media.bucket.id,
        MAX_ATTACHMENT_BYTES: numberString(props.maxAttachmentBytes ?? DEFAULTS.maxAttachmentBytes),
        MAX_ATTACHMENTS: numberString(props.maxAttachments ?? DEFAULTS.maxAttachments),
        MEDIA_URL_SECONDS: numberString(props.mediaUrlExpirySeconds ?? DEFAULTS.mediaUrlExpirySeconds),
        ...props.workerEnvironment,
        LEDGER_TABLE: this.ledger.table.name,
        LOG_LEVEL: props.logLevel,
      },
      logRetentionDays: props.logRetentionDays,
      rolePath: props.rolePath,
      permissionsBoundary: props.permissionsBoundary,
      tags,
    });
    if (secretArn !== undefined) grantSecretRead(secretArn, this.worker);
    if (props.workerSendQueue !== undefined) grantSend(props.workerSendQueue, this.worker);
    grantLedger(this.ledger.table, this.worker);
    this.media.keptBy(this.worker);
    grantInvokeAgent(props.agentRuntimeArn, this.worker, { forUser, qualifier: props.agentQualifier });
    this.eventSource = new QueueEventSource(this, "WorkerEvents", {
      terraformName: "worker",
      queues: this.queues,
      fn: this.worker,
      batchSize: props.batchSize,
      maxConcurrency: props.maxConcurrency,
      tags,
    });

    this.sendEventSource = new QueueEventSource(this, "SendEvents", {
      terraformName: "send",
      queues: this.sendQueues,
      fn: this.worker,
      batchSize: props.batchSize,
      maxConcurrency: props.maxConcurrency,
      grantSid: "ConsumeSendQueue",
      tags,
    });
    // A message no retry can deliver (not valid, another channel's) goes straight to the send DLQ.
    this.worker.addToRolePolicy({
      sid: "DeadLetterSend",
      actions: QUEUE_SEND_ACTIONS,
      resources: [this.sendQueues.dlq.arn],
    });

    this.dlqAlarm = new DlqAlarm(this, "DlqAlarm", {
      terraformName: "dlq",
      queues: this.queues,
      alarmName: `${name}-dlq-not-empty`,
      create: expr(props.createDlqAlarm),
      snsTopicArn: expr(props.alarmSnsTopicArn),
      tags,
    });
    this.sendDlqAlarm = new DlqAlarm(this, "SendDlqAlarm", {
      terraformName: "send_dlq",
      queues: this.sendQueues,
      alarmName: `${name}-send-dlq-not-empty`,
      create: expr(props.createDlqAlarm),
      snsTopicArn: expr(props.alarmSnsTopicArn),
      tags,
    });

    if (access) {
      this.capAlarm = new CapAlarm(this, "CapAlarm", {
        terraformName: "daily_cap",
        logGroupName: this.worker.logGroup.name,
        alarmName: `${name}-daily-cap-reached`,
        metricNamespace: `AgentcoreRelay/${name}`,
        create: `${expr(access.dailyInvocationCap)} > 0`,
        snsTopicArn: expr(props.alarmSnsTopicArn),
        tags,
      });
    }
  }

  /**
   * Add the ingress Lambda (`<name>-ingress`, `dist/ingress.mjs`) that fills the main queue: granted
   * `SendToQueue`, and `ReadSecret` on the secret unless `readsSecret` is false. At most once.
   *
   * @example const ingress = pipeline.addIngress({ timeoutSeconds: 10, memorySizeMb: v.ingressMemoryMb.numberValue });
   */
  addIngress(props: ChannelIngressProps): BundledFunction {
    if (this.ingress !== undefined) {
      throw new Error(`ChannelPipeline: ${this.node.path} already has an ingress; call addIngress once`);
    }
    const { secretArn } = this.props;
    const ingress = new BundledFunction(this, "Ingress", {
      functionName: `${this.props.name}-ingress`,
      bundle: "dist/ingress.mjs",
      handler: "ingress.handler",
      memorySizeMb: props.memorySizeMb,
      timeoutSeconds: props.timeoutSeconds,
      ...(props.reservedConcurrency === undefined ? {} : { reservedConcurrency: props.reservedConcurrency }),
      environment: {
        QUEUE_URL: this.queues.queue.url,
        ...this.secretEnvironment(),
        ...(this.props.access ? { GROUP_POLICY: this.props.access.groupPolicy } : {}),
        ...props.environment,
        LOG_LEVEL: this.props.logLevel,
      },
      logRetentionDays: this.props.logRetentionDays,
      rolePath: this.props.rolePath,
      permissionsBoundary: this.props.permissionsBoundary,
      tags: this.props.tags,
    });
    grantSend(this.queues.queue, ingress);
    if (secretArn !== undefined && (props.readsSecret ?? true)) grantSecretRead(secretArn, ingress);
    this.ingress = ingress;
    return ingress;
  }

  private secretEnvironment(): Record<string, string> {
    const { secretArn } = this.props;
    return secretArn === undefined ? {} : { SECRET_ARN: secretArn };
  }
}

/**
 * The ingress props every channel module takes from its shared inputs: memory, and the reserved concurrency
 * (`ingress_reserved_concurrency`, null for none).
 *
 * @example pipeline.addIngress({ timeoutSeconds: 10, ...channelIngressInputs(v) })
 */
export function channelIngressInputs(v: ChannelVariables): Omit<ChannelIngressProps, "timeoutSeconds"> {
  const reserved = addr(v.ingressReservedConcurrency);
  return {
    memorySizeMb: v.ingressMemoryMb.numberValue,
    reservedConcurrency: tfNumber(`${reserved} == null ? -1 : ${reserved}`),
  };
}

/**
 * The pipeline props every channel module takes from its shared inputs (`channelVariables`), so a module
 * only adds what is its own (secret, extra environment, the ingress).
 *
 * @example new ChannelPipeline(this, "Pipeline", { ...channelPipelineInputs(v), secretArn: secret.secretArn })
 */
export function channelPipelineInputs(v: ChannelVariables): ChannelPipelineProps {
  return {
    name: v.name.stringValue,
    agentRuntimeArn: v.agentRuntimeArn.stringValue,
    agentQualifier: v.agentQualifier.stringValue,
    allowedUsers: v.allowedUsers.listValue,
    enableAgentUserId: v.enableAgentUserId.booleanValue,
    sessionScope: v.sessionScope.stringValue,
    streamReplies: v.streamReplies.booleanValue,
    access: {
      policy: v.accessPolicy.stringValue,
      admins: v.admins.listValue,
      groupPolicy: v.groupPolicy.stringValue,
      burstWindowMs: v.burstWindowMs.numberValue,
      rateLimitPerMinute: v.rateLimitPerMinute.numberValue,
      rateLimitPerDay: v.rateLimitPerDay.numberValue,
      dailyInvocationCap: v.dailyInvocationCap.numberValue,
    },
    mediaRetentionDays: v.mediaRetentionDays.numberValue,
    maxAttachmentBytes: v.maxAttachmentBytes.numberValue,
    maxAttachments: v.maxAttachments.numberValue,
    mediaUrlExpirySeconds: v.mediaUrlExpirySeconds.numberValue,
    workerMemoryMb: v.workerMemoryMb.numberValue,
    workerTimeoutSeconds: v.workerTimeoutSeconds.numberValue,
    queueVisibilityTimeoutSeconds: v.queueVisibilityTimeoutSeconds.numberValue,
    maxReceiveCount: v.maxReceiveCount.numberValue,
    batchSize: v.batchSize.numberValue,
    maxConcurrency: v.maxConcurrency.numberValue,
    logLevel: v.logLevel.stringValue,
    logRetentionDays: v.logRetentionDays.numberValue,
    createDlqAlarm: v.createDlqAlarm.booleanValue,
    alarmSnsTopicArn: v.alarmSnsTopicArn.stringValue,
    rolePath: v.iamRolePath.stringValue,
    permissionsBoundary: v.iamRolePermissionsBoundary.stringValue,
    tags: v.tags.value,
  };
}
