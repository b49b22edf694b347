import { Password } from "@cdktf/provider-random/lib/password";
import { Fn } from "cdktf";
import type { Construct } from "constructs";
import {
  addr,
  BundledFunction,
  ChannelSecret,
  channelOutputs,
  channelVariables,
  DlqAlarm,
  FifoQueuePair,
  grantInvokeAgent,
  grantLedger,
  grantSecretRead,
  grantSend,
  HttpApi,
  LambdaRoute,
  local,
  localValue,
  ModuleStack,
  named,
  QueueEventSource,
  SendLedgerTable,
  SetupInvocation,
  tfNumber,
  tfString,
  VISIBILITY_TIMEOUT_FACTOR,
  variable,
} from "../lib/index.ts";

/** Keys of the JSON in the Telegram secret (DESIGN: contracts). */
export const TELEGRAM_SECRET_KEYS = ["bot_token", "webhook_secret"] as const;

/** The webhook route (DESIGN: contracts). */
export const TELEGRAM_ROUTE_KEY = "POST /telegram";

/** Ingress timeout, in seconds: it only verifies, parses and enqueues, and Telegram waits for its answer. */
export const INGRESS_TIMEOUT_SECONDS = 10;

/** Length of the generated webhook secret (`secret_token` allows 1–256 of `A-Za-z0-9_-`). */
export const WEBHOOK_SECRET_LENGTH = 64;

/**
 * The Telegram channel module: `POST /telegram` on an HTTP API → ingress Lambda → SQS FIFO (+ DLQ) → worker
 * Lambda → AgentCore Runtime → Telegram Bot API, plus the secret, logs, DLQ alarm, and the webhook
 * registration (`aws_lambda_invocation` of the worker's setup action) that makes `terraform apply` enough.
 *
 * Synthesized into modules/telegram/*.tf.json by `bun run build` (scripts/synth.ts).
 */
export class TelegramModule extends ModuleStack {
  constructor(scope: Construct, id = "telegram") {
    super(scope, id);
    const v = channelVariables(this, {
      channel: "Telegram",
      userIdPattern: "^[0-9]+$",
      userIdHint: 'numeric Telegram user ids such as "123456789"',
      secretKeys: TELEGRAM_SECRET_KEYS,
    });
    variable(this, "bot_token", {
      type: "string",
      default: null,
      sensitive: true,
      description:
        "Bot token from @BotFather (`123456789:AA...`), stored in the secret the module creates. " +
        "Required unless `secret_arn` is given (then ignored). It is kept in Terraform state: use an encrypted backend.",
      validation: [
        {
          condition: `var.bot_token == null || can(regex("^[0-9]+:[A-Za-z0-9_-]{30,}$", var.bot_token))`,
          errorMessage: "bot_token must look like 123456789:AA... (the token @BotFather gave you).",
        },
      ],
    });
    const name = v.name.stringValue;
    const tags = v.tags.value;
    const createSecret = `${addr(v.secretArn)} == null ? 1 : 0`;

    // Credentials: the webhook secret is generated here and only ever leaves through the secret.
    const webhookSecret = named(
      new Password(this, "WebhookSecret", {
        count: tfNumber(createSecret),
        length: WEBHOOK_SECRET_LENGTH,
        special: false,
      }),
      "webhook_secret",
    );
    const secret = new ChannelSecret(this, "Secret", {
      terraformName: "this",
      namePrefix: `${name}-telegram-`,
      description: `Telegram bot token and webhook secret of the agentcore-relay deployment ${name}.`,
      existingSecretArn: addr(v.secretArn),
      secretString: `jsonencode({ bot_token = var.bot_token, webhook_secret = ${addr(webhookSecret)}[0].result })`,
      recoveryWindowInDays: addr(v.secretRecoveryWindowInDays),
      preconditions: [
        {
          condition: "var.bot_token != null",
          errorMessage:
            "Set bot_token (from @BotFather), or secret_arn of an existing secret with bot_token and webhook_secret.",
        },
      ],
      tags,
    });

    // Queue pair; the visibility timeout follows the worker timeout unless set.
    const visibility = local(
      this,
      "queue_visibility_timeout_seconds",
      `coalesce(${addr(v.queueVisibilityTimeoutSeconds)}, ${VISIBILITY_TIMEOUT_FACTOR} * ${addr(v.workerTimeoutSeconds)})`,
    );
    const queues = new FifoQueuePair(this, "Queues", {
      terraformName: "this",
      name,
      visibilityTimeoutSeconds: visibility.asNumber,
      consumerTimeoutSeconds: v.workerTimeoutSeconds.numberValue,
      maxReceiveCount: v.maxReceiveCount.numberValue,
      tags,
    });

    const logLevel = v.logLevel.stringValue;
    const ingress = new BundledFunction(this, "Ingress", {
      functionName: `${name}-ingress`,
      bundle: "dist/ingress.mjs",
      handler: "ingress.handler",
      memorySizeMb: v.ingressMemoryMb.numberValue,
      timeoutSeconds: INGRESS_TIMEOUT_SECONDS,
      environment: { QUEUE_URL: queues.queue.url, SECRET_ARN: secret.secretArn, LOG_LEVEL: logLevel },
      logRetentionDays: v.logRetentionDays.numberValue,
      tags,
    });
    grantSend(queues.queue, ingress);
    grantSecretRead(secret.secretArn, ingress);

    // What was sent per message, so a redelivered message is never answered twice.
    const ledger = new SendLedgerTable(this, "Ledger", {
      terraformName: "ledger",
      tableName: `${name}-ledger`,
      tags,
    });

    const worker = new BundledFunction(this, "Worker", {
      functionName: `${name}-worker`,
      bundle: "dist/worker.mjs",
      handler: "worker.handler",
      memorySizeMb: v.workerMemoryMb.numberValue,
      timeoutSeconds: v.workerTimeoutSeconds.numberValue,
      environment: {
        QUEUE_URL: queues.queue.url,
        SECRET_ARN: secret.secretArn,
        AGENT_RUNTIME_ARN: v.agentRuntimeArn.stringValue,
        AGENT_QUALIFIER: v.agentQualifier.stringValue,
        ALLOWED_USERS: tfString(`join(",", ${addr(v.allowedUsers)})`),
        MAX_RECEIVE_COUNT: tfString(`tostring(${addr(v.maxReceiveCount)})`),
        AGENT_USER_ID: tfString(`${addr(v.enableAgentUserId)} ? "true" : "false"`),
        LEDGER_TABLE: ledger.table.name,
        LOG_LEVEL: logLevel,
      },
      logRetentionDays: v.logRetentionDays.numberValue,
      tags,
    });
    grantSecretRead(secret.secretArn, worker);
    grantLedger(ledger.table, worker);
    grantInvokeAgent(v.agentRuntimeArn.stringValue, worker, { forUser: addr(v.enableAgentUserId) });
    new QueueEventSource(this, "WorkerEvents", {
      terraformName: "worker",
      queues,
      fn: worker,
      batchSize: v.batchSize.numberValue,
      maxConcurrency: v.maxConcurrency.numberValue,
      tags,
    });

    new DlqAlarm(this, "DlqAlarm", {
      terraformName: "dlq",
      queues,
      alarmName: `${name}-dlq-not-empty`,
      create: addr(v.createDlqAlarm),
      snsTopicArn: addr(v.alarmSnsTopicArn),
      tags,
    });

    // The webhook: route on the (new or given) HTTP API, then registered with Telegram by the worker.
    const api = new HttpApi(this, "Api", {
      terraformName: "this",
      name,
      existingApiId: addr(v.httpApiId),
      tags,
    });
    const route = new LambdaRoute(this, "Route", {
      terraformName: "telegram",
      api,
      routeKey: TELEGRAM_ROUTE_KEY,
      fn: ingress,
    });
    const webhookUrl = localValue(this, "webhook_url", `${api.apiEndpoint}${route.path}`);
    // Re-register when the URL or the credentials change; a hash, so the input never carries the secret.
    const revision = localValue(
      this,
      "webhook_revision",
      Fn.sha256(`${webhookUrl.asString}\n${secret.versionId}`),
    );
    new SetupInvocation(this, "SetupWebhook", {
      fn: worker,
      input: { url: webhookUrl.asString, revision: revision.asString },
      dependsOn: [route.integration, route.route, route.permission, api.stage, secret.version],
    });

    channelOutputs(this, "Telegram", {
      webhookUrl: webhookUrl.asString,
      queueUrl: queues.queue.url,
      queueArn: queues.queue.arn,
      dlqUrl: queues.dlq.url,
      ingressFunctionName: ingress.function.functionName,
      workerFunctionName: worker.function.functionName,
      secretArn: secret.secretArn,
      httpApiId: api.apiId,
    });
  }
}
