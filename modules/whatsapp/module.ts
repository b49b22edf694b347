import { DataResource, Fn, TerraformOutput } from "cdktf";
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
  grantLedgerSeen,
  HttpApi,
  LambdaRoutes,
  local,
  localValue,
  ModuleStack,
  named,
  SetupInvocation,
  tfNumber,
  variable,
} from "../lib/index.ts";

/** Keys of the JSON in the WhatsApp secret (a contract: docs/architecture.md). */
export const WHATSAPP_SECRET_KEYS = [
  "access_token",
  "app_secret",
  "verify_token",
  "phone_number_id",
] as const;

/** The webhook path: GET for Meta's subscription handshake, POST for deliveries (a contract: docs/architecture.md). */
export const WHATSAPP_PATH = "/whatsapp";

/** Ingress timeout, in seconds: it only verifies, parses and enqueues, and Meta waits for its answer. */
export const INGRESS_TIMEOUT_SECONDS = 10;

/** A WhatsApp user id: a phone number as digits with the country code (wa_id), or a BSUID (`US.1349…`). */
const USER_ID_PATTERN = "^([0-9]{6,15}|[A-Z]{2}\\.[A-Za-z0-9.]{1,140})$";

/**
 * The WhatsApp Cloud API channel module: `GET|POST /whatsapp` on an HTTP API → ingress Lambda → SQS
 * FIFO (+ DLQ) → worker Lambda → AgentCore Runtime → Graph API, plus the secret (with a generated
 * verify token), the send ledger (written by the ingress too: delivery statuses of reply chunks), logs, the DLQ
 * alarm, and the worker's setup action on apply: it checks the access token and phone number, and with `app_id`
 * registers the app's webhook by API.
 *
 * Synthesized into modules/whatsapp/*.tf (HCL) by `bun run build` (scripts/synth.ts).
 */
export class WhatsAppModule extends ModuleStack {
  constructor(scope: Construct, id = "whatsapp") {
    super(scope, id);
    const v = channelVariables(this, {
      channel: "WhatsApp",
      userIdPattern: USER_ID_PATTERN,
      userIdHint:
        'WhatsApp phone numbers as digits with the country code and no "+" (wa_id, such as "16505551234"), ' +
        'or business-scoped user ids of users who hide their number (such as "US.13491208655302741918")',
      secretKeys: WHATSAPP_SECRET_KEYS,
      streams: false,
    });
    const noWhitespace = (name: string, what: string) => ({
      condition: `var.${name} == null || can(regex("^\\\\S{16,}$", var.${name}))`,
      errorMessage: `${name} must be ${what}: at least 16 characters, no spaces.`,
    });
    variable(this, "access_token", {
      type: "string",
      default: null,
      sensitive: true,
      description:
        "Access token the worker sends with: a system user's permanent token with `whatsapp_business_messaging` " +
        "(and `whatsapp_business_management` to let apply check the phone number), or the 24-hour test token. Stored " +
        "in the secret the module creates; required unless `secret_arn` is given. " +
        "Written to the secret through a write-only argument: never in the Terraform state (a saved plan file holds it).",
      validation: [noWhitespace("access_token", "a Graph API access token (EAA…)")],
    });
    variable(this, "app_secret", {
      type: "string",
      default: null,
      sensitive: true,
      description:
        "App secret of the Meta app (App settings → Basic): the ingress checks every delivery's X-Hub-Signature-256 " +
        "with it. Stored in the secret the module creates; required unless `secret_arn` is given.",
      validation: [noWhitespace("app_secret", "the Meta app's secret")],
    });
    variable(this, "verify_token", {
      type: "string",
      default: null,
      sensitive: true,
      description:
        'Token Meta sends back when the callback URL is set (the dashboard\'s "Verify token"); null generates a ' +
        "random UUID once, kept in the state (read it with `terraform output -raw verify_token`; it only answers " +
        "Meta's subscription handshake and signs nothing). Ignored with `secret_arn`.",
      validation: [
        {
          condition: 'var.verify_token == null || can(regex("^\\\\S{1,256}$", var.verify_token))',
          errorMessage: "verify_token must be 1-256 characters without spaces.",
        },
      ],
    });
    variable(this, "phone_number_id", {
      type: "string",
      default: null,
      description:
        "Id of the business phone number that answers (WhatsApp → API Setup → Phone number ID), not the number " +
        "itself. Messages to the app's other numbers are ignored. Required unless `secret_arn` is given.",
      validation: [
        {
          condition: 'var.phone_number_id == null || can(regex("^[0-9]{1,32}$", var.phone_number_id))',
          errorMessage:
            "phone_number_id must be the numeric Phone number ID shown under WhatsApp → API Setup.",
        },
      ],
    });
    const appId = variable(this, "app_id", {
      type: "string",
      default: null,
      description:
        "Controls whether apply registers the webhook by API: with the Meta app's id, the worker subscribes the app's " +
        "`whatsapp_business_account` webhook (callback URL, verify token, field `messages`) with the app access token " +
        "`<app_id>|<app_secret>`, and destroy removes the `messages` field again. This replaces whatever callback URL the " +
        "app had. null (default): set the callback URL in the app dashboard (see the README).",
      validation: [
        {
          condition: 'var.app_id == null || can(regex("^[0-9]{1,32}$", var.app_id))',
          errorMessage:
            "app_id must be the numeric App ID of the Meta app (shown at the top of the app dashboard).",
        },
      ],
    });
    const name = v.name.stringValue;
    const tags = v.tags.value;
    // "" when unset: the worker's WHATSAPP_APP_ID, and part of the setup revision.
    const appIdOrEmpty = local(this, "app_id", `${addr(appId)} == null ? "" : ${addr(appId)}`);

    // Credentials: the verify token is generated unless given (a UUID made once: uuid() would change at
    // every plan but for ignore_changes), and leaves only through the secret and the sensitive output.
    const generatedVerifyToken = named(
      new DataResource(this, "VerifyToken", {
        count: tfNumber(`${addr(v.secretArn)} == null && var.verify_token == null ? 1 : 0`),
        lifecycle: { ignoreChanges: ["input"] },
      }),
      "verify_token",
    );
    generatedVerifyToken.addOverride("input", "${uuid()}");
    const verifyToken = local(
      this,
      "verify_token",
      `${addr(v.secretArn)} != null ? null : var.verify_token != null ? var.verify_token : one(${addr(generatedVerifyToken)}[*].output)`,
    );
    const secret = new ChannelSecret(this, "Secret", {
      terraformName: "this",
      namePrefix: `${name}-whatsapp-`,
      description: `WhatsApp Cloud API credentials of the agentcore-relay deployment ${name}.`,
      existingSecretArn: addr(v.secretArn),
      values: {
        access_token: "var.access_token",
        app_secret: "var.app_secret",
        verify_token: addr(verifyToken),
        phone_number_id: "var.phone_number_id",
      },
      recoveryWindowInDays: addr(v.secretRecoveryWindowInDays),
      preconditions: [
        {
          condition: "var.access_token != null && var.app_secret != null && var.phone_number_id != null",
          errorMessage:
            "Set access_token, app_secret and phone_number_id (from the Meta app dashboard), or secret_arn of an " +
            "existing secret with access_token, app_secret, verify_token and phone_number_id.",
        },
      ],
      tags,
    });

    // The shared shape: queue pair, ledger, worker with its grants, event source, DLQ alarm; then the ingress.
    const pipeline = new ChannelPipeline(this, "Pipeline", {
      ...channelPipelineInputs(v),
      secretArn: secret.secretArn,
      workerEnvironment: { WHATSAPP_APP_ID: appIdOrEmpty.asString },
    });
    channelSchedules(this, "whatsapp", v, pipeline);
    const { worker, ledger } = pipeline;
    // The ingress records the delivery statuses of reply chunks in the ledger, so a worker unsure whether
    // a chunk went out (it died between the send and its record) does not send it twice.
    const ingress = pipeline.addIngress({
      timeoutSeconds: INGRESS_TIMEOUT_SECONDS,
      ...channelIngressInputs(v),
      environment: { LEDGER_TABLE: ledger.table.name },
    });
    grantLedgerSeen(ledger.table, ingress, "whatsapp");

    // The webhook: GET (handshake) and POST (deliveries) on the (new or given) HTTP API.
    const api = new HttpApi(this, "Api", { terraformName: "this", ...channelApiInputs(v) });
    const routes = new LambdaRoutes(this, "Routes", {
      terraformName: "whatsapp",
      api,
      path: WHATSAPP_PATH,
      methods: ["GET", "POST"],
      fn: ingress,
    });
    const webhookUrl = localValue(this, "webhook_url", `${api.apiEndpoint}${routes.path}`);
    // Run again when the URL, the credentials or the app change; a hash, so the input never carries a secret.
    const revision = localValue(
      this,
      "webhook_revision",
      Fn.sha256(`${webhookUrl.asString}\n${secret.versionId}\n${appIdOrEmpty.asString}`),
    );
    new SetupInvocation(this, "SetupWebhook", {
      fn: worker,
      input: { url: webhookUrl.asString, revision: revision.asString },
      dependsOn: [routes.integration, ...routes.routes, ...routes.permissions, api.stage, secret.version],
    });

    channelOutputs(this, "WhatsApp", {
      pipeline,
      ingress,
      api,
      webhookUrl: webhookUrl.asString,
      secretArn: secret.secretArn,
      webhookUrlDescription:
        "Callback URL for the Meta app dashboard (WhatsApp → Configuration → Webhook); registered by the module only " +
        "with app_id.",
    });
    named(
      new TerraformOutput(this, "output.verify_token", {
        value: verifyToken.asString,
        sensitive: true,
        description:
          "Verify token for the Meta app dashboard (`terraform output -raw verify_token`); null with secret_arn " +
          "(it is in that secret).",
      }),
      "verify_token",
    );
  }
}
