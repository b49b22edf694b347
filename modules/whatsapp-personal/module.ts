import type { Construct } from "constructs";
import { USER_JID } from "../../relay/whatsapp/jid.ts";
import {
  addr,
  CHANNEL_NAME_MAX_LENGTH,
  ChannelPipeline,
  ChannelSecret,
  channelPipelineInputs,
  channelSchedules,
  channelVariables,
  DlqAlarm,
  FifoQueuePair,
  functionOutputs,
  ModuleStack,
  mediaOutputs,
  output,
  sendOutputs,
  VISIBILITY_TIMEOUT_FACTOR,
} from "../lib/index.ts";

/** The relay, which sends the outbound queue's messages, takes a few seconds per message at most. */
export const OUTBOUND_CONSUMER_SECONDS = 10;

/** Sends the relay tries before a reply goes to the outbound DLQ (about 5 minutes of back-off). */
export const OUTBOUND_MAX_RECEIVE_COUNT = 6;

/** Inputs of the shared channel set that this channel has no use for: it has no ingress and no API. */
const NOT_USED = [
  "ingress_memory_mb",
  "ingress_reserved_concurrency",
  "http_api_id",
  "api_throttling_rate_limit",
  "api_throttling_burst_limit",
];

/**
 * The serverless half of WhatsApp personal (a linked device of your own WhatsApp account, through the
 * relay's Baileys session): the inbound FIFO queue the relay fills, the worker Lambda that asks the
 * agent, the outbound FIFO queue of replies the relay sends, and a secret holding only the worker's
 * `session_key` (no credentials: the session lives in the relay). The relay (modules/relay) is this
 * channel's ingress and holds the session: a Lambda cannot. It takes `allowed_users` from this module
 * (`whatsapp_personal = module.whatsapp_personal`): the people the worker answers are the only ones the
 * relay lets through.
 *
 * Synthesized into modules/whatsapp-personal/*.tf (HCL) by `bun run build` (scripts/synth.ts).
 */
export class WhatsAppPersonalModule extends ModuleStack {
  constructor(scope: Construct, id = "whatsapp-personal") {
    super(scope, id);
    const v = channelVariables(this, {
      channel: "WhatsApp personal",
      // The relay's rule (WHATSAPP_ALLOWED_USERS), in RE2 as it is in JavaScript.
      userIdPattern: USER_JID.source,
      userIdHint:
        'WhatsApp user JIDs: a phone number as "491701234567@s.whatsapp.net" (country code and number, no +), a ' +
        'hidden id as "<id>@lid"',
      secretKeys: [],
      streams: false,
    });
    for (const unused of NOT_USED) this.node.tryRemoveChild(`var.${unused}`);
    v.name.addOverride(
      "description",
      "Name of this deployment, the prefix of every resource name (function `<name>-worker`, queues `<name>.fifo`, " +
        "`<name>-outbound.fifo` and their `-dlq.fifo`, the role, the log group, the ledger table). " +
        `1–${CHANNEL_NAME_MAX_LENGTH} letters, digits, hyphens or underscores (the rule of every channel module). IAM role ` +
        "names are unique in the whole account (all regions), the other names per account and region: use a name " +
        "once per account.",
    );
    v.allowedUsers.addOverride(
      "description",
      "Who may talk to the agent through your account: WhatsApp user JIDs, a phone number as " +
        '`491701234567@s.whatsapp.net` (country code and number, no +) or a hidden id as `<id>@lid`, or `["*"]` for ' +
        "everyone who writes to the account (for a number used only as a bot). The relay (`allowed_users` output) " +
        "drops everyone else before anything is queued and nothing is ever sent back to them: no answer, no " +
        "refusal. Must not be empty.",
    );
    const name = v.name.stringValue;
    const tags = v.tags.value;

    // No credentials (the session lives in the relay): the secret holds only the session ids' key.
    const secret = new ChannelSecret(this, "Secret", {
      terraformName: "this",
      namePrefix: `${name}-whatsapp-personal-`,
      description: `Agent session key of the agentcore-relay WhatsApp-personal deployment ${name}.`,
      existingSecretArn: addr(v.secretArn),
      values: {},
      recoveryWindowInDays: addr(v.secretRecoveryWindowInDays),
      tags,
    });

    // Outbound: the worker sends replies, the relay consumes them.
    const outbound = new FifoQueuePair(this, "Outbound", {
      terraformName: "outbound",
      name: `${name}-outbound`,
      visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_FACTOR * OUTBOUND_CONSUMER_SECONDS,
      consumerTimeoutSeconds: OUTBOUND_CONSUMER_SECONDS,
      maxReceiveCount: OUTBOUND_MAX_RECEIVE_COUNT,
      tags,
    });
    // Inbound: the relay sends envelopes (it is this channel's ingress), the worker consumes them.
    const pipeline = new ChannelPipeline(this, "Pipeline", {
      ...channelPipelineInputs(v),
      secretArn: secret.secretArn,
      workerEnvironment: { OUTBOUND_QUEUE_URL: outbound.queue.url },
      workerSendQueue: outbound.queue,
    });
    channelSchedules(this, "whatsapp-personal", v, pipeline);
    const { queues, worker, ledger } = pipeline;
    new DlqAlarm(this, "OutboundDlqAlarm", {
      terraformName: "outbound_dlq",
      queues: outbound,
      alarmName: `${name}-outbound-dlq-not-empty`,
      create: addr(v.createDlqAlarm),
      snsTopicArn: addr(v.alarmSnsTopicArn),
      tags,
    });

    output(
      this,
      "queue_url",
      queues.queue.url,
      "URL of the inbound FIFO queue (the relay's WHATSAPP_PERSONAL_QUEUE_URL).",
    );
    output(this, "queue_arn", queues.queue.arn, "ARN of the inbound FIFO queue, for the relay's task role.");
    output(
      this,
      "allowed_users",
      v.allowedUsers.listValue,
      "The JIDs the worker answers (`allowed_users`): the relay's WHATSAPP_ALLOWED_USERS, so it drops everyone else before anything is queued.",
    );
    output(
      this,
      "max_attachment_bytes",
      v.maxAttachmentBytes.numberValue,
      "Largest file fetched for the agent (`max_attachment_bytes`): the relay, which downloads WhatsApp personal's files, applies it.",
    );
    output(
      this,
      "max_attachments",
      v.maxAttachments.numberValue,
      "Most files of one message fetched (`max_attachments`): the relay applies it.",
    );
    output(
      this,
      "dlq_url",
      queues.dlq.url,
      "URL of the inbound dead-letter queue: messages the worker could not answer.",
    );
    output(
      this,
      "outbound_queue_url",
      outbound.queue.url,
      "URL of the outbound FIFO queue of replies (the relay's OUTBOUND_QUEUE_URL).",
    );
    output(
      this,
      "outbound_queue_arn",
      outbound.queue.arn,
      "ARN of the outbound FIFO queue, for the relay's task role.",
    );
    output(
      this,
      "outbound_dlq_url",
      outbound.dlq.url,
      `URL of the outbound dead-letter queue: replies the relay could not send after ${OUTBOUND_MAX_RECEIVE_COUNT} tries.`,
    );
    output(this, "dlq_arn", queues.dlq.arn, "ARN of the inbound dead-letter queue.");
    output(this, "outbound_dlq_arn", outbound.dlq.arn, "ARN of the outbound dead-letter queue.");
    sendOutputs(this, pipeline);
    functionOutputs(this, "worker", worker, "the worker Lambda function (queue → agent → outbound queue)");
    output(this, "ledger_table_name", ledger.table.name, "Name of the DynamoDB table of the send ledger.");
    output(this, "ledger_table_arn", ledger.table.arn, "ARN of the DynamoDB table of the send ledger.");
    mediaOutputs(this, pipeline);
    output(
      this,
      "secret_arn",
      secret.secretArn,
      "ARN of the Secrets Manager secret with the worker's `session_key` (created or given).",
    );
  }
}
