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
  local,
  localValue,
  ModuleStack,
  output,
  variable,
} from "../lib/index.ts";

/** Keys of the JSON in the Slack secret (a contract: docs/architecture.md). */
export const SLACK_SECRET_KEYS = ["bot_token", "signing_secret"] as const;

/** The Events API request URL's route (a contract: docs/architecture.md). */
export const SLACK_ROUTE_KEY = "POST /slack/events";

/** Ingress timeout, in seconds: it only verifies, parses and enqueues; Slack waits 3 s for the answer. */
export const INGRESS_TIMEOUT_SECONDS = 10;

/**
 * Bot scopes the handlers use: app_mention events, replies, DM history (message.im), the progress reaction,
 * and the history of every kind of conversation the bot answers in. The worker reads its own replies back
 * (conversations.replies in a thread, conversations.history at a DM's top level) to find a reply part an
 * earlier attempt may have posted, so a redelivered message never posts it twice; without the scope of a
 * place, Slack refuses the read there and such a part is posted again. `channels:history` and
 * `groups:history` also serve the thread-replies check; `mpim:history` covers mentions in group DMs;
 * `metadata.message:read` lets the read return the metadata that marks each reply part. `chat:write` also
 * covers chat.update, chat.delete and the streams (chat.startStream, chat.appendStream, chat.stopStream);
 * `im:write` lets the worker open a DM with an admin (conversations.open) to ask them about an access request.
 * A scope adds no events: those are listed in `bot_events` alone.
 */
export const BOT_SCOPES = [
  "app_mentions:read",
  "chat:write",
  "im:history",
  "reactions:write",
  "channels:history",
  "groups:history",
  "mpim:history",
  "metadata.message:read",
  "im:write",
  // Files users send, downloaded by the worker for the agent (url_private_download).
  "files:read",
  // Files the agent sends back (files.getUploadURLExternal, files.completeUploadExternal).
  "files:write",
] as const;
export const ASSISTANT_SCOPES = ["assistant:write"] as const;

/** Events the app subscribes to; thread replies add message events of public and private channels. */
export const BOT_EVENTS = ["app_mention", "message.im"] as const;
export const THREAD_EVENTS = ["message.channels", "message.groups"] as const;

/** A Terraform list of string literals. */
const hcl = (list: readonly string[]) => `[${list.map((s) => JSON.stringify(s)).join(", ")}]`;
/** A Terraform object constructor from raw expressions, on one line. */
const obj = (attributes: Record<string, string>) =>
  `{ ${Object.entries(attributes)
    .map(([key, value]) => `${key} = ${value}`)
    .join(", ")} }`;

/**
 * The Slack channel module: `POST /slack/events` on an HTTP API → ingress Lambda → SQS FIFO (+ DLQ) → worker
 * Lambda → AgentCore Runtime → Slack Web API, plus the secret, send ledger, logs and DLQ alarm. Slack apps
 * cannot be pointed at a URL by API without a configuration token, so instead of a setup invocation the
 * module outputs the app manifest (request URL, scopes, events) to paste into the app.
 *
 * Synthesized into modules/slack/*.tf (HCL) by `bun run build` (scripts/synth.ts).
 */
export class SlackModule extends ModuleStack {
  constructor(scope: Construct, id = "slack") {
    super(scope, id);
    const v = channelVariables(this, {
      channel: "Slack",
      userIdPattern: "^[UW][A-Z0-9]{2,}$",
      userIdHint: 'Slack member ids such as "U0123ABCD" (profile → ⋮ → Copy member ID)',
      secretKeys: SLACK_SECRET_KEYS,
    });
    const botToken = variable(this, "bot_token", {
      type: "string",
      default: null,
      sensitive: true,
      description:
        "Bot User OAuth Token of the Slack app (`xoxb-...`, OAuth & Permissions after installing the app), stored in " +
        "the secret the module creates. Required unless `secret_arn` is given (then ignored). " +
        "Written to the secret through a write-only argument: never in the Terraform state (a saved plan file holds it).",
      validation: [
        {
          condition: `var.bot_token == null || can(regex("^xoxb-[A-Za-z0-9-]+$", var.bot_token))`,
          errorMessage:
            "bot_token must be the app's Bot User OAuth Token, xoxb-... (not a user or app token).",
        },
      ],
    });
    const signingSecret = variable(this, "signing_secret", {
      type: "string",
      default: null,
      sensitive: true,
      description:
        "Signing Secret of the Slack app (Basic Information → App Credentials): the key every request from Slack is " +
        "checked with. Required unless `secret_arn` is given (then ignored). Never in the Terraform state.",
      validation: [
        {
          condition: `var.signing_secret == null || can(regex("^[0-9A-Fa-f]{16,128}$", var.signing_secret))`,
          errorMessage:
            "signing_secret must be the app's Signing Secret (hex digits), not the deprecated verification token.",
        },
      ],
    });
    const appName = variable(this, "app_name", {
      type: "string",
      default: null,
      description:
        "Name of the Slack app and its bot user in `app_manifest` (1–35 characters); null means `name`, cut to 35.",
      validation: [
        {
          // A conditional, not ||: Terraform before 1.12 evaluates both sides, and length(null) fails.
          condition: "var.app_name == null ? true : length(var.app_name) >= 1 && length(var.app_name) <= 35",
          errorMessage: "app_name must be 1-35 characters (Slack's limit for app names).",
        },
      ],
    });
    const appDescription = variable(this, "app_description", {
      type: "string",
      default: "Answers with an agent on Amazon Bedrock AgentCore.",
      description: "Short description of the app in `app_manifest` (at most 140 characters).",
      validation: [
        {
          condition: "length(var.app_description) <= 140",
          errorMessage: "app_description must be at most 140 characters (Slack's limit).",
        },
      ],
    });
    const threadReplies = variable(this, "enable_thread_replies", {
      type: "bool",
      default: true,
      description:
        "Controls whether replies in a channel thread the bot already answered in reach the agent without a new " +
        "mention. Adds the `message.channels` and `message.groups` events to `app_manifest` (the history scopes are " +
        "always asked for, see the README): every message in the bot's channels then invokes the ingress " +
        "(which drops all but thread replies), and each such reply costs the worker one conversations.replies call " +
        "unless the thread is known. When false, only mentions and direct messages are answered.",
    });
    const assistantView = variable(this, "enable_assistant_view", {
      type: "bool",
      default: false,
      description:
        "Controls whether `app_manifest` turns on Slack's agent view (Agents & AI Apps: `assistant_view` and the " +
        "`assistant:write` scope), where each conversation with the app is a thread and the app shows a " +
        '"thinking" status while the agent works. Needs a Slack plan that offers the feature.',
    });
    const name = v.name.stringValue;
    const tags = v.tags.value;

    const secret = new ChannelSecret(this, "Secret", {
      terraformName: "this",
      namePrefix: `${name}-slack-`,
      description: `Slack bot token and signing secret of the agentcore-relay deployment ${name}.`,
      existingSecretArn: addr(v.secretArn),
      values: { bot_token: addr(botToken), signing_secret: addr(signingSecret) },
      recoveryWindowInDays: addr(v.secretRecoveryWindowInDays),
      preconditions: [
        {
          condition: `${addr(botToken)} != null && ${addr(signingSecret)} != null`,
          errorMessage:
            "Set bot_token and signing_secret (from your Slack app), or secret_arn of an existing secret with both keys.",
        },
      ],
      tags,
    });

    // The shared shape: queue pair, ledger, worker with its grants, event source, DLQ alarm; then the ingress.
    const pipeline = new ChannelPipeline(this, "Pipeline", {
      ...channelPipelineInputs(v),
      secretArn: secret.secretArn,
    });
    channelSchedules(this, "slack", v, pipeline);
    const ingress = pipeline.addIngress({
      timeoutSeconds: INGRESS_TIMEOUT_SECONDS,
      ...channelIngressInputs(v),
    });

    // The request URL: a route on the (new or given) HTTP API. Slack learns it from the manifest below.
    const api = new HttpApi(this, "Api", { terraformName: "this", ...channelApiInputs(v) });
    const route = new LambdaRoute(this, "Route", {
      terraformName: "slack",
      api,
      routeKey: SLACK_ROUTE_KEY,
      fn: ingress,
    });
    const eventsUrl = localValue(this, "events_url", `${api.apiEndpoint}${route.path}`);

    // The manifest to paste into the Slack app (api.slack.com/apps → App Manifest). The agent view is an
    // optional attribute: a for expression keeps the object's type the same whether it is there or not.
    const threads = addr(threadReplies);
    const assistant = addr(assistantView);
    const appLabel = local(this, "app_name", `coalesce(${addr(appName)}, substr(${addr(v.name)}, 0, 35))`);
    const agentView = obj({ assistant_view: obj({ assistant_description: addr(appDescription) }) });
    const manifest = local(
      this,
      "app_manifest",
      `jsonencode(${obj({
        display_information: obj({ name: addr(appLabel), description: addr(appDescription) }),
        features: `merge(${obj({
          app_home: obj({
            home_tab_enabled: "false",
            messages_tab_enabled: "true",
            messages_tab_read_only_enabled: "false",
          }),
          bot_user: obj({ display_name: addr(appLabel), always_online: "true" }),
        })}, { for key, value in ${agentView} : key => value if ${assistant} })`,
        oauth_config: obj({
          scopes: obj({
            bot: `concat(${hcl(BOT_SCOPES)}, ${assistant} ? ${hcl(ASSISTANT_SCOPES)} : [])`,
          }),
        }),
        settings: obj({
          event_subscriptions: obj({
            request_url: addr(eventsUrl),
            bot_events: `concat(${hcl(BOT_EVENTS)}, ${threads} ? ${hcl(THREAD_EVENTS)} : [])`,
          }),
          org_deploy_enabled: "false",
          socket_mode_enabled: "false",
          token_rotation_enabled: "false",
        }),
      })})`,
    );

    channelOutputs(this, "Slack", {
      pipeline,
      ingress,
      api,
      webhookUrl: eventsUrl.asString,
      secretArn: secret.secretArn,
      webhookUrlDescription:
        "The Events API request URL (`POST /slack/events`); `app_manifest` carries it to Slack, nothing registers it by API.",
    });
    output(
      this,
      "app_manifest",
      manifest.asString,
      "Slack app manifest (JSON) with the request URL, bot scopes and events filled in: paste it at " +
        "api.slack.com/apps → your app → App Manifest (or Create New App → From a manifest). " +
        "`terraform output -raw app_manifest` prints it.",
    );
  }
}
