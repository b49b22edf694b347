import { createHash } from "node:crypto";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Fn } from "cdktf";
import type { Construct } from "constructs";
import { COMMANDS } from "../../handlers/discord/adapter.ts";
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
  named,
  SECRET_READ_ACTIONS,
  SetupInvocation,
  tfNumber,
  tfString,
  variable,
} from "../lib/index.ts";

/** Keys of the JSON in the Discord secret (a contract: docs/architecture.md). */
export const DISCORD_SECRET_KEYS = ["application_id", "public_key", "bot_token"] as const;

/** The interactions endpoint route (a contract: docs/architecture.md). */
export const DISCORD_ROUTE_KEY = "POST /discord/interactions";

/** Ingress timeout, in seconds: Discord stops waiting after 3 s, so a longer run helps nobody. */
export const INGRESS_TIMEOUT_SECONDS = 5;

/** Changes when the slash commands do, so an apply with new commands registers them again. */
const COMMANDS_REVISION = createHash("sha256").update(JSON.stringify(COMMANDS)).digest("hex").slice(0, 16);

/**
 * The Discord channel module: `POST /discord/interactions` on an HTTP API → ingress Lambda (Ed25519
 * check, deferred answer) → SQS FIFO (+ DLQ) → worker Lambda → AgentCore Runtime → Discord REST API,
 * plus the secret, the send ledger, logs, DLQ alarm, and the registration of the slash commands and
 * the interactions endpoint URL (`aws_lambda_invocation` of the worker's setup action, after the
 * route is live, since Discord checks the URL at once).
 *
 * Synthesized into modules/discord/*.tf (HCL) by `bun run build` (scripts/synth.ts).
 */
export class DiscordModule extends ModuleStack {
  constructor(scope: Construct, id = "discord") {
    super(scope, id);
    const v = channelVariables(this, {
      channel: "Discord",
      userIdPattern: "^[0-9]{17,20}$",
      userIdHint: 'Discord user ids (17–20 digits) such as "80351110224678912"',
      secretKeys: DISCORD_SECRET_KEYS,
    });
    const applicationId = variable(this, "application_id", {
      type: "string",
      default: null,
      description:
        "Application ID from the Developer Portal (General Information), stored in the secret the module creates. " +
        "Required unless `secret_arn` is given (then ignored).",
      validation: [
        {
          condition: `var.application_id == null || can(regex("^[0-9]{17,20}$", var.application_id))`,
          errorMessage: "application_id must be the numeric Application ID (17-20 digits).",
        },
      ],
    });
    const publicKey = variable(this, "public_key", {
      type: "string",
      default: null,
      description:
        "Public Key from the Developer Portal (General Information), 64 hex digits. Not a secret: the ingress gets it " +
        "as `DISCORD_PUBLIC_KEY` and verifies requests without a Secrets Manager call (the fastest cold start, within " +
        "Discord's 3-second deadline). Required unless `secret_arn` is given; with `secret_arn`, null makes the " +
        "ingress read `public_key` from the secret.",
      validation: [
        {
          condition: `var.public_key == null || can(regex("^[0-9a-fA-F]{64}$", var.public_key))`,
          errorMessage: "public_key must be the 64 hex digits of the application's Public Key.",
        },
      ],
    });
    variable(this, "bot_token", {
      type: "string",
      default: null,
      sensitive: true,
      description:
        "Bot token from the Developer Portal (Bot → Reset Token), stored in the secret the module creates. " +
        "Required unless `secret_arn` is given (then ignored). Written to the secret through a write-only argument: never in the Terraform state (a saved plan file holds it).",
      validation: [
        {
          condition: `var.bot_token == null || can(regex("^[A-Za-z0-9_.-]{20,200}$", var.bot_token))`,
          errorMessage: "bot_token must be the bot's token from the Developer Portal (Bot → Reset Token).",
        },
      ],
    });
    const name = v.name.stringValue;
    const tags = v.tags.value;

    const secret = new ChannelSecret(this, "Secret", {
      terraformName: "this",
      namePrefix: `${name}-discord-`,
      description: `Discord application id, public key and bot token of the agentcore-relay deployment ${name}.`,
      existingSecretArn: addr(v.secretArn),
      values: {
        application_id: addr(applicationId),
        public_key: addr(publicKey),
        bot_token: "var.bot_token",
      },
      recoveryWindowInDays: addr(v.secretRecoveryWindowInDays),
      preconditions: [
        {
          condition: "var.application_id != null && var.public_key != null && var.bot_token != null",
          errorMessage:
            "Set application_id, public_key and bot_token (from the Developer Portal), or secret_arn of an existing secret with those keys.",
        },
      ],
      tags,
    });

    // The shared shape: queue pair, ledger, worker with its grants, event source, DLQ alarm; then the ingress.
    const pipeline = new ChannelPipeline(this, "Pipeline", {
      ...channelPipelineInputs(v),
      secretArn: secret.secretArn,
    });
    channelSchedules(this, "discord", v, pipeline);
    const { worker } = pipeline;
    const ingress = pipeline.addIngress({
      timeoutSeconds: INGRESS_TIMEOUT_SECONDS,
      ...channelIngressInputs(v),
      // Empty: the ingress reads the key from the secret.
      environment: { DISCORD_PUBLIC_KEY: tfString(`${addr(publicKey)} == null ? "" : ${addr(publicKey)}`) },
      readsSecret: false,
    });

    // The ingress reads the secret only when the public key is not given as an input.
    const readsSecret = `${addr(publicKey)} == null ? 1 : 0`;
    const ingressSecretDocument = named(
      new DataAwsIamPolicyDocument(this, "IngressSecretDocument", {
        count: tfNumber(readsSecret),
        statement: [
          { sid: "ReadSecret", effect: "Allow", actions: SECRET_READ_ACTIONS, resources: [secret.secretArn] },
        ],
      }),
      "ingress_secret",
    );
    const ingressSecretPolicy = named(
      new IamRolePolicy(this, "IngressSecretPolicy", {
        count: tfNumber(readsSecret),
        name: `${name}-ingress-secret`,
        role: ingress.role.id,
        policy: tfString(`${addr(ingressSecretDocument)}[0].json`),
      }),
      "ingress_secret",
    );

    // The endpoint: route on the (new or given) HTTP API, then registered with Discord by the worker.
    const api = new HttpApi(this, "Api", { terraformName: "this", ...channelApiInputs(v) });
    const route = new LambdaRoute(this, "Route", {
      terraformName: "discord",
      api,
      routeKey: DISCORD_ROUTE_KEY,
      fn: ingress,
    });
    const endpointUrl = localValue(this, "interactions_endpoint_url", `${api.apiEndpoint}${route.path}`);
    // Re-register when the URL, the credentials or the commands change; a hash, so no secret in the input.
    const revision = localValue(
      this,
      "setup_revision",
      Fn.sha256(`${endpointUrl.asString}\n${secret.versionId}\n${COMMANDS_REVISION}`),
    );
    // Discord checks the URL the moment it is set (a signed PING, a badly signed request): the
    // route, the ingress and its permission to read the secret must be live by then.
    new SetupInvocation(this, "SetupInteractions", {
      fn: worker,
      input: { url: endpointUrl.asString, revision: revision.asString },
      dependsOn: [
        route.integration,
        route.route,
        route.permission,
        api.stage,
        secret.version,
        ingress.function,
        ingressSecretPolicy,
      ],
    });

    channelOutputs(this, "Discord", {
      pipeline,
      ingress,
      api,
      webhookUrl: endpointUrl.asString,
      secretArn: secret.secretArn,
    });
  }
}
