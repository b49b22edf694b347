import type { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import type { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { tfList } from "./expr.ts";
import type { BundledFunction } from "./function.ts";

/**
 * Least-privilege wiring in the aws-cdk style: each helper adds one statement with exactly the actions the
 * handler code calls, on exactly the ARNs it calls them on. No wildcard actions; the only wildcards in
 * resources are the ones AWS defines for sub-resources named at run time (see each helper).
 */

/** Actions of a queue producer (the ingress): `SendMessage`. */
export const QUEUE_SEND_ACTIONS = ["sqs:SendMessage"];

/**
 * Actions of a queue consumer (the worker): what the Lambda event source mapping needs (receive, delete,
 * attributes) plus `ChangeMessageVisibility`, which the worker uses to shorten the wait before a retry.
 */
export const QUEUE_CONSUME_ACTIONS = [
  "sqs:ReceiveMessage",
  "sqs:DeleteMessage",
  "sqs:GetQueueAttributes",
  "sqs:ChangeMessageVisibility",
];

/** Actions to read a channel's credentials. */
export const SECRET_READ_ACTIONS = ["secretsmanager:GetSecretValue"];

/** Actions to talk to the agent: invoke, and stop a session (the `/new` command). */
export const AGENT_INVOKE_ACTIONS = [
  "bedrock-agentcore:InvokeAgentRuntime",
  "bedrock-agentcore:StopRuntimeSession",
];

/** Extra action needed when the worker passes `runtimeUserId`. */
export const AGENT_INVOKE_FOR_USER_ACTION = "bedrock-agentcore:InvokeAgentRuntimeForUser";

/**
 * Actions on the send ledger's table (handlers/core/ledger.ts, session-generations.ts): read an entry, create it,
 * update it (a chunk sent, a session generation moved on).
 */
export const LEDGER_ACTIONS = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"];

/** Let `fn` read and write the send ledger `table` (the worker). */
export function grantLedger(table: DynamodbTable, fn: BundledFunction): void {
  fn.addToRolePolicy({ sid: "SendLedger", actions: LEDGER_ACTIONS, resources: [table.arn] });
}

/** The one ledger action of an ingress that records platform delivery statuses (`SendLedger.seen`). */
export const LEDGER_SEEN_ACTIONS = ["dynamodb:UpdateItem"];

/**
 * Let `fn` record in the send ledger `table` that the platform confirmed a reply chunk (the WhatsApp ingress,
 * from delivery status webhooks): `UpdateItem` only, so it can neither read replies nor create entries, and
 * only on the entries of `channel`'s envelopes (ids `<channel>:…`), never a conversation's session item.
 */
export function grantLedgerSeen(table: DynamodbTable, fn: BundledFunction, channel: string): void {
  fn.addToRolePolicy({
    sid: "RecordDeliveryStatus",
    actions: LEDGER_SEEN_ACTIONS,
    resources: [table.arn],
    conditions: [
      { test: "ForAllValues:StringLike", variable: "dynamodb:LeadingKeys", values: [`${channel}:*`] },
    ],
  });
}

/** Let `fn` send messages to `queue` (ingress → SQS). */
export function grantSend(queue: SqsQueue, fn: BundledFunction): void {
  fn.addToRolePolicy({ sid: "SendToQueue", actions: QUEUE_SEND_ACTIONS, resources: [queue.arn] });
}

/**
 * Let `fn` consume `queue` through an event source mapping and change message visibility (SQS → worker);
 * `sid` names the statement (a second queue needs a name of its own).
 */
export function grantConsume(queue: SqsQueue, fn: BundledFunction, sid = "ConsumeQueue"): void {
  fn.addToRolePolicy({ sid, actions: QUEUE_CONSUME_ACTIONS, resources: [queue.arn] });
}

/** Let `fn` read the one secret `secretArn` (SSE with the AWS managed key, so no KMS grant). */
export function grantSecretRead(secretArn: string, fn: BundledFunction): void {
  fn.addToRolePolicy({ sid: "ReadSecret", actions: SECRET_READ_ACTIONS, resources: [secretArn] });
}

export interface GrantInvokeAgentOptions {
  /**
   * Also allow `InvokeAgentRuntimeForUser` (needed to pass `runtimeUserId`): `true`/`false`, or a raw Terraform
   * boolean expression such as `var.enable_agent_user_id`, decided at plan time.
   * @default false
   */
  readonly forUser?: boolean | string;
  /**
   * The endpoint the function invokes (the `qualifier`), e.g. `DEFAULT` or `${var.agent_qualifier}`: the grant
   * covers the runtime and this one endpoint only. @default "DEFAULT"
   */
  readonly qualifier?: string;
}

/**
 * Let `fn` invoke the AgentCore runtime `runtimeArn` and stop its sessions, through the one endpoint it is
 * configured with. Resources: the runtime and `<runtimeArn>/runtime-endpoint/<qualifier>` (invocations are
 * authorized against the endpoint the qualifier names, so another endpoint of the same runtime, a staging
 * one say, stays out of reach).
 */
export function grantInvokeAgent(
  runtimeArn: string,
  fn: BundledFunction,
  options: GrantInvokeAgentOptions = {},
): void {
  const forUser = options.forUser ?? false;
  let actions: string[];
  if (typeof forUser === "boolean") {
    actions = forUser ? [...AGENT_INVOKE_ACTIONS, AGENT_INVOKE_FOR_USER_ACTION] : AGENT_INVOKE_ACTIONS;
  } else {
    const list = (a: string[]) => `[${a.map((x) => JSON.stringify(x)).join(", ")}]`;
    actions = tfList(
      `${forUser} ? ${list([...AGENT_INVOKE_ACTIONS, AGENT_INVOKE_FOR_USER_ACTION])} : ${list(AGENT_INVOKE_ACTIONS)}`,
    );
  }
  fn.addToRolePolicy({
    sid: "InvokeAgent",
    actions,
    resources: [runtimeArn, `${runtimeArn}/runtime-endpoint/${options.qualifier ?? "DEFAULT"}`],
  });
}
