import type { Construct } from "constructs";
import { addr, output, tfString } from "./expr.ts";
import type { BundledFunction } from "./function.ts";
import type { HttpApi } from "./http-api.ts";
import type { ChannelPipeline } from "./pipeline.ts";

/** What the shared outputs of a channel module are read from. */
export interface ChannelOutputSources {
  readonly pipeline: ChannelPipeline;
  /** The ingress (`pipeline.addIngress`). */
  readonly ingress: BundledFunction;
  readonly api: HttpApi;
  readonly webhookUrl: string;
  readonly secretArn: string;
  /** Description of `webhook_url`, where the platform is not told the URL by the module (Slack). */
  readonly webhookUrlDescription?: string;
}

/**
 * Declare the shared outputs of a channel module: what a user needs to reach and extend every part (names and
 * ARNs of the functions and their roles, the log groups, both queues, the ledger, the API).
 */
export function channelOutputs(scope: Construct, channel: string, v: ChannelOutputSources): void {
  const { queues, worker, ledger } = v.pipeline;
  output(
    scope,
    "webhook_url",
    v.webhookUrl,
    v.webhookUrlDescription ?? `HTTPS URL ${channel} delivers updates to (registered by the module).`,
  );
  output(scope, "queue_url", queues.queue.url, "URL of the FIFO queue between the ingress and the worker.");
  output(scope, "queue_arn", queues.queue.arn, "ARN of the FIFO queue between the ingress and the worker.");
  output(
    scope,
    "dlq_url",
    queues.dlq.url,
    "URL of the dead-letter queue: messages the worker could not answer.",
  );
  output(
    scope,
    "dlq_arn",
    queues.dlq.arn,
    "ARN of the dead-letter queue (for alarms and redrive permissions).",
  );
  sendOutputs(scope, v.pipeline);
  functionOutputs(scope, "ingress", v.ingress, "the ingress Lambda function (webhook → queue)");
  functionOutputs(scope, "worker", worker, "the worker Lambda function (queue → agent → reply)");
  output(scope, "ledger_table_name", ledger.table.name, "Name of the DynamoDB table of the send ledger.");
  output(scope, "ledger_table_arn", ledger.table.arn, "ARN of the DynamoDB table of the send ledger.");
  mediaOutputs(scope, v.pipeline);
  output(
    scope,
    "secret_arn",
    v.secretArn,
    `ARN of the Secrets Manager secret with the ${channel} credentials.`,
  );
  output(scope, "http_api_id", v.api.apiId, "Id of the HTTP API serving the webhook (created or given).");
  output(
    scope,
    "access_log_group_name",
    tfString(`one(${addr(v.api.accessLogGroup)}[*].name)`),
    "Log group of the created HTTP API's access log (null with `http_api_id`).",
  );
}

/**
 * `<prefix>_function_name`, `_function_arn`, `_role_name`, `_role_arn`, `_log_group_name` of one function,
 * so a caller can attach policies, subscriptions or alarms to it.
 */
export function functionOutputs(scope: Construct, prefix: string, fn: BundledFunction, what: string): void {
  output(scope, `${prefix}_function_name`, fn.function.functionName, `Name of ${what}.`);
  output(scope, `${prefix}_function_arn`, fn.function.arn, `ARN of ${what}.`);
  output(
    scope,
    `${prefix}_role_name`,
    fn.role.name,
    `Name of the IAM role of ${what} (attach more policies to it).`,
  );
  output(scope, `${prefix}_role_arn`, fn.role.arn, `ARN of the IAM role of ${what}.`);
  output(scope, `${prefix}_log_group_name`, fn.logGroup.name, `CloudWatch log group of ${what}.`);
}

/**
 * `send_queue_url`, `send_queue_arn`, `send_dlq_url`, `send_dlq_arn` and `send_policy_json`: where the agent
 * (or anything else) puts the messages it starts, and the policy that allows it (docs/outbound.md).
 */
export function sendOutputs(scope: Construct, pipeline: ChannelPipeline): void {
  const { sendQueues } = pipeline;
  output(
    scope,
    "send_queue_url",
    sendQueues.queue.url,
    "URL of the send queue: messages the agent starts (notifications, late answers), delivered by the worker. See docs/outbound.md.",
  );
  output(scope, "send_queue_arn", sendQueues.queue.arn, "ARN of the send queue.");
  output(
    scope,
    "send_dlq_url",
    sendQueues.dlq.url,
    "URL of the send queue's dead-letter queue: messages that were not valid or could not be delivered.",
  );
  output(scope, "send_dlq_arn", sendQueues.dlq.arn, "ARN of the send queue's dead-letter queue.");
  output(
    scope,
    "send_policy_json",
    pipeline.agentSendPolicyJson,
    "IAM policy (JSON) allowing sqs:SendMessage on the send queue: attach it to the AgentCore runtime's role (or any role that sends).",
  );
}

/** `media_bucket_name`, `media_bucket_arn` and `media_read_policy_json` of a pipeline's media bucket. */
export function mediaOutputs(scope: Construct, pipeline: ChannelPipeline): void {
  const { bucket, readPolicy } = pipeline.media;
  output(
    scope,
    "media_bucket_name",
    bucket.id,
    "Name of the S3 bucket of the files users send (the worker's `MEDIA_BUCKET`).",
  );
  output(scope, "media_bucket_arn", bucket.arn, "ARN of the S3 bucket of the files users send.");
  output(
    scope,
    "media_read_policy_json",
    readPolicy.json,
    "IAM policy (JSON) for the agent's runtime role: reads the files users send (`s3:GetObject` on `in/*` of the media " +
      "bucket, the S3 URI of each attachment, after the presigned URL expired) and writes the files it sends back " +
      "(`s3:PutObject`/`s3:GetObject` on `outbound/*`, named by their S3 URI in its answer).",
  );
}
