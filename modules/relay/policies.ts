import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import type { Construct } from "constructs";
import { named } from "../lib/index.ts";
import { KEY_USE_ACTIONS } from "./bucket.ts";

/**
 * The relay's IAM policies as `aws_iam_policy_document`s: exact actions on exact ARNs. The statements of
 * an integration that may be off are `dynamic` blocks over the ARNs they grant (none when it is off), so
 * every statement keeps its own type; a conditional choosing between tuples of different lengths is not
 * valid Terraform. The one `*` resource is `ecr:GetAuthorizationToken`, which AWS does not scope.
 */

/** Actions the relay calls on each integration's resources. */
export const RELAY_ACTIONS = {
  sendToQueue: ["sqs:SendMessage"],
  consumeOutbound: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"],
  readSecret: ["secretsmanager:GetSecretValue"],
  stateObjects: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
  listState: ["s3:ListBucket"],
  useStateKey: KEY_USE_ACTIONS,
  pullImage: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
  authorizeRegistry: ["ecr:GetAuthorizationToken"],
  writeLogs: ["logs:CreateLogStream", "logs:PutLogEvents"],
  storeMedia: ["s3:PutObject"],
} as const;

/** A statement granted only `when` a feature is on (an integration, the created repository). */
export interface OptionalStatement {
  readonly sid: string;
  readonly actions: readonly string[];
  /** The resources' ARNs (evaluated only when the statement is on). */
  readonly resources: readonly string[];
  /** Raw Terraform boolean expression, e.g. `var.enable_discord`. */
  readonly when: string;
}

/** An always-present statement. */
export interface FixedStatement {
  readonly sid: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

/** `data.aws_iam_policy_document.<name>` of fixed statements and optional (dynamic) ones. */
export function policyDocument(
  scope: Construct,
  name: string,
  fixed: readonly FixedStatement[],
  optional: readonly OptionalStatement[],
): DataAwsIamPolicyDocument {
  const document = named(
    new DataAwsIamPolicyDocument(scope, `${name}-policy-document`, {
      statement: fixed.map((s) => ({
        sid: s.sid,
        effect: "Allow",
        actions: [...s.actions],
        resources: [...s.resources],
      })),
    }),
    name,
  );
  if (optional.length > 0) {
    document.addOverride(
      "dynamic.statement",
      optional.map((s) => ({
        for_each: `\${${s.when} ? [1] : []}`,
        content: { sid: s.sid, effect: "Allow", actions: [...s.actions], resources: [...s.resources] },
      })),
    );
  }
  return document;
}

/**
 * The execution role: pull the image from the created repository (none with `image_uri`), write the task's
 * logs, and read the Discord secret to inject its `bot_token` as DISCORD_BOT_TOKEN (ECS `secrets`), so the
 * relay itself needs no Secrets Manager access (nor its SDK in memory).
 */
export function executionPolicyDocument(
  scope: Construct,
  o: {
    /** Raw boolean expression: the module created the image's repository. */
    pullsFromRepository: string;
    /** ARN of the created repository (only read when `pullsFromRepository`). */
    repositoryArn: string;
    logGroupArn: string;
    /** Raw boolean expression: Discord is on. */
    discord: string;
    discordSecretArn: string;
  },
): DataAwsIamPolicyDocument {
  return policyDocument(
    scope,
    "execution",
    [{ sid: "WriteLogs", actions: RELAY_ACTIONS.writeLogs, resources: [`${o.logGroupArn}:*`] }],
    [
      {
        sid: "AuthorizeRegistry",
        actions: RELAY_ACTIONS.authorizeRegistry,
        resources: ["*"],
        when: o.pullsFromRepository,
      },
      {
        sid: "PullImage",
        actions: RELAY_ACTIONS.pullImage,
        resources: [o.repositoryArn],
        when: o.pullsFromRepository,
      },
      {
        sid: "ReadDiscordSecret",
        actions: RELAY_ACTIONS.readSecret,
        resources: [o.discordSecretArn],
        when: o.discord,
      },
    ],
  );
}

/**
 * The task role: send to the enabled channels' queues, consume the outbound queue, the lease of the state
 * bucket and its own prefixes of it (the Discord session; the WhatsApp auth state), and the state's KMS key
 * (whose own policy grants the same to this role alone). `s3:ListBucket` on the bucket (which holds only
 * this relay's state) is what makes S3 answer 404 for an object not written yet, instead of 403; the relay
 * also lists the auth state to clear it after a logout.
 */
export function taskPolicyDocument(
  scope: Construct,
  o: {
    bucketArn: string;
    /** The state bucket's KMS key. */
    keyArn: string;
    /** The lease object (relay/lease.ts): every task reads and writes it, whatever it relays. */
    leaseKey: string;
    /** Raw boolean expressions: which integrations are on. */
    discord: string;
    whatsapp: string;
    discordQueueArn: string;
    whatsappQueueArn: string;
    outboundQueueArn: string;
    discordPrefix: string;
    authPrefix: string;
    /** Raw boolean expression: the relay stores WhatsApp personal's files in the module's media bucket. */
    whatsappMedia: string;
    /** The WhatsApp-personal module's media bucket (only read when `whatsappMedia`). */
    whatsappMediaBucketArn: string;
    /** Where in it the relay writes (relay/whatsapp/media.ts). */
    whatsappMediaPrefix: string;
  },
): DataAwsIamPolicyDocument {
  const objects = (prefix: string) => [`${o.bucketArn}/${prefix}*`];
  return policyDocument(
    scope,
    "task",
    [
      { sid: "ListStateBucket", actions: RELAY_ACTIONS.listState, resources: [o.bucketArn] },
      { sid: "StateLease", actions: RELAY_ACTIONS.stateObjects, resources: [`${o.bucketArn}/${o.leaseKey}`] },
      { sid: "UseStateKey", actions: RELAY_ACTIONS.useStateKey, resources: [o.keyArn] },
    ],
    [
      {
        sid: "SendToDiscordQueue",
        actions: RELAY_ACTIONS.sendToQueue,
        resources: [o.discordQueueArn],
        when: o.discord,
      },
      {
        sid: "DiscordSessionObjects",
        actions: RELAY_ACTIONS.stateObjects,
        resources: objects(o.discordPrefix),
        when: o.discord,
      },
      {
        sid: "SendToWhatsAppQueue",
        actions: RELAY_ACTIONS.sendToQueue,
        resources: [o.whatsappQueueArn],
        when: o.whatsapp,
      },
      {
        sid: "ConsumeOutboundQueue",
        actions: RELAY_ACTIONS.consumeOutbound,
        resources: [o.outboundQueueArn],
        when: o.whatsapp,
      },
      {
        sid: "AuthStateObjects",
        actions: RELAY_ACTIONS.stateObjects,
        resources: objects(o.authPrefix),
        when: o.whatsapp,
      },
      {
        sid: "StoreWhatsAppMedia",
        actions: RELAY_ACTIONS.storeMedia,
        resources: [`${o.whatsappMediaBucketArn}/${o.whatsappMediaPrefix}*`],
        when: o.whatsappMedia,
      },
    ],
  );
}
