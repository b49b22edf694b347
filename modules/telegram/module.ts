import { Fn } from "cdktf";
import type { Construct } from "constructs";
import {
  addr,
  ChannelPipeline,
  ChannelSecret,
  channelApiInputs,
  channelIngressInputs,
  channelOutputs,
  channelPipelineInputs,
  channelSchedules,
  channelVariables,
  HttpApi,
  LambdaRoute,
  localValue,
  ModuleStack,
  SetupInvocation,
  variable,
} from "../lib/index.ts";

/** Keys of the JSON in the Telegram secret (a contract: docs/architecture.md). */
export const TELEGRAM_SECRET_KEYS = ["bot_token", "webhook_secret"] as const;

/** The webhook route (a contract: docs/architecture.md). */
export const TELEGRAM_ROUTE_KEY = "POST /telegram";

/** Ingress timeout, in seconds: it only verifies, parses and enqueues, and Telegram waits for its answer. */
export const INGRESS_TIMEOUT_SECONDS = 10;

/**
 * The webhook secret (`secret_token`, 1–256 of `A-Za-z0-9_-`): 64 hex digits derived from the bot token
 * with a label of its own, so it is as unguessable as the token, changes with it, and never needs to be
 * stored anywhere but the secret (a random one would live in the Terraform state). Whoever knows the bot
 * token controls the webhook anyway.
 */
export const WEBHOOK_SECRET_EXPRESSION = 'sha256("agentcore-relay telegram webhook secret:${var.bot_token}")';

/**
 * The Telegram channel module: `POST /telegram` on an HTTP API → ingress Lambda → SQS FIFO (+ DLQ) → worker
 * Lambda → AgentCore Runtime → Telegram Bot API, plus the secret, logs, DLQ alarm, and the webhook
 * registration (`aws_lambda_invocation` of the worker's setup action) that makes `terraform apply` enough.
 *
 * Synthesized into modules/telegram/*.tf (HCL) by `bun run build` (scripts/synth.ts).
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
        "Required unless `secret_arn` is given (then ignored). Written to the secret through a write-only argument: never in the Terraform state (a saved plan file holds it).",
      validation: [
        {
          condition: `var.bot_token == null || can(regex("^[0-9]+:[A-Za-z0-9_-]{30,}$", var.bot_token))`,
          errorMessage: "bot_token must look like 123456789:AA... (the token @BotFather gave you).",
        },
      ],
    });
    const streamMode = variable(this, "stream_mode", {
      type: "string",
      default: "draft",
      description:
        "How an answer shows while the agent writes it in a private chat (the worker's `TELEGRAM_STREAM`): `draft`, " +
        "a draft Telegram animates (`sendMessageDraft`), or `edit`, a message edited as it grows. Groups always get " +
        "edits (Telegram takes drafts in private chats only). `stream_replies = false` turns streaming off altogether.",
      validation: [
        {
          condition: `contains(["draft", "edit"], var.stream_mode)`,
          errorMessage: "stream_mode must be draft or edit (stream_replies = false turns streaming off).",
        },
      ],
    });
    const name = v.name.stringValue;
    const tags = v.tags.value;

    // Credentials: the bot token and the webhook secret derived from it, written only to the secret.
    const secret = new ChannelSecret(this, "Secret", {
      terraformName: "this",
      namePrefix: `${name}-telegram-`,
      description: `Telegram bot token and webhook secret of the agentcore-relay deployment ${name}.`,
      existingSecretArn: addr(v.secretArn),
      values: { bot_token: "var.bot_token", webhook_secret: WEBHOOK_SECRET_EXPRESSION },
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

    // The shared shape: queue pair, ledger, worker with its grants, event source, DLQ alarm; then the ingress.
    const pipeline = new ChannelPipeline(this, "Pipeline", {
      ...channelPipelineInputs(v),
      secretArn: secret.secretArn,
      workerEnvironment: { TELEGRAM_STREAM: streamMode.stringValue },
    });
    channelSchedules(this, "telegram", v, pipeline);
    const { worker } = pipeline;
    const ingress = pipeline.addIngress({
      timeoutSeconds: INGRESS_TIMEOUT_SECONDS,
      ...channelIngressInputs(v),
    });

    // The webhook: route on the (new or given) HTTP API, then registered with Telegram by the worker.
    const api = new HttpApi(this, "Api", { terraformName: "this", ...channelApiInputs(v) });
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
      pipeline,
      ingress,
      api,
      webhookUrl: webhookUrl.asString,
      secretArn: secret.secretArn,
    });
  }
}
