import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueueRedriveAllowPolicy } from "@cdktf/provider-aws/lib/sqs-queue-redrive-allow-policy";
import { Op, Token } from "cdktf";
import { Construct } from "constructs";
import {
  baseName,
  isToken,
  logicalName,
  named,
  type TerraformNameProps,
  tfObject,
  tfString,
} from "./expr.ts";

/** Lambda's rule for SQS event sources: visibility timeout at least this many times the function timeout. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

const DAY_SECONDS = 86_400;

export interface FifoQueuePairProps extends TerraformNameProps {
  /**
   * Base name of both queues, without `.fifo`: the main queue is `<name>.fifo`, the DLQ `<name>-dlq.fifo`.
   * @example `${tfString("var.name")}`
   */
  readonly name: string;
  /** Visibility timeout of the main queue, in seconds; at least 6 × `consumerTimeoutSeconds`. */
  readonly visibilityTimeoutSeconds: number;
  /** Timeout of the Lambda function that consumes the main queue, in seconds (checked against the visibility timeout). */
  readonly consumerTimeoutSeconds: number;
  /** Receives of a message before SQS moves it to the DLQ (the redrive `maxReceiveCount`), 1–1000. */
  readonly maxReceiveCount: number;
  /** How long the main queue keeps a message, in seconds. @default 345600 (4 days) */
  readonly messageRetentionSeconds?: number;
  /** How long the DLQ keeps a message, in seconds (the SQS maximum). @default 1209600 (14 days) */
  readonly dlqMessageRetentionSeconds?: number;
  readonly tags?: Record<string, string>;
}

/**
 * A FIFO queue with its FIFO dead-letter queue: SSE-SQS on both, the main queue redriving to the DLQ after
 * `maxReceiveCount` receives, and the DLQ accepting redrive only from its main queue.
 *
 * Content-based deduplication is off: producers set `MessageDeduplicationId` (the platform's event id).
 * Terraform names: `aws_sqs_queue.<terraformName>`, `aws_sqs_queue.<terraformName>_dlq` (`dlq` when it is `this`).
 *
 * @example new FifoQueuePair(this, "this", { name, visibilityTimeoutSeconds: 1800, consumerTimeoutSeconds: 300, maxReceiveCount: 3 })
 */
export class FifoQueuePair extends Construct {
  /** The main queue the ingress sends to and the worker consumes. */
  readonly queue: SqsQueue;
  /** The dead-letter queue: messages that failed `maxReceiveCount` times. */
  readonly dlq: SqsQueue;
  readonly maxReceiveCount: number;

  constructor(scope: Construct, id: string, props: FifoQueuePairProps) {
    super(scope, id);
    const tfName = baseName(id, props);
    checkVisibility(props.visibilityTimeoutSeconds, props.consumerTimeoutSeconds);
    checkRange("maxReceiveCount", props.maxReceiveCount, 1, 1000);
    this.maxReceiveCount = props.maxReceiveCount;

    this.dlq = named(
      new SqsQueue(this, "Dlq", {
        name: `${props.name}-dlq.fifo`,
        fifoQueue: true,
        contentBasedDeduplication: false,
        sqsManagedSseEnabled: true,
        messageRetentionSeconds: props.dlqMessageRetentionSeconds ?? 14 * DAY_SECONDS,
        tags: props.tags,
      }),
      logicalName(tfName, "dlq"),
    );

    this.queue = named(
      new SqsQueue(this, "Queue", {
        name: `${props.name}.fifo`,
        fifoQueue: true,
        contentBasedDeduplication: false,
        sqsManagedSseEnabled: true,
        visibilityTimeoutSeconds: props.visibilityTimeoutSeconds,
        messageRetentionSeconds: props.messageRetentionSeconds ?? 4 * DAY_SECONDS,
        redrivePolicy: tfString(
          `jsonencode(${tfObject(this, { deadLetterTargetArn: this.dlq.arn, maxReceiveCount: props.maxReceiveCount })})`,
        ),
        tags: props.tags,
        lifecycle: visibilityPrecondition(props.visibilityTimeoutSeconds, props.consumerTimeoutSeconds),
      }),
      tfName,
    );

    named(
      new SqsQueueRedriveAllowPolicy(this, "DlqRedriveAllow", {
        queueUrl: this.dlq.url,
        redriveAllowPolicy: tfString(
          `jsonencode(${tfObject(this, { redrivePermission: "byQueue", sourceQueueArns: [this.queue.arn] })})`,
        ),
      }),
      logicalName(tfName, "dlq"),
    );
  }
}

/** Fail at synth when both timeouts are literals and break the rule. */
function checkVisibility(visibility: number, consumer: number): void {
  if (isToken(visibility) || isToken(consumer)) return;
  if (visibility < VISIBILITY_TIMEOUT_FACTOR * consumer) {
    throw new Error(
      `FifoQueuePair: visibilityTimeoutSeconds is ${visibility}, below ${VISIBILITY_TIMEOUT_FACTOR} × consumerTimeoutSeconds ` +
        `(${VISIBILITY_TIMEOUT_FACTOR} × ${consumer} = ${VISIBILITY_TIMEOUT_FACTOR * consumer}); ` +
        "raise it or shorten the function timeout, or SQS redelivers messages the function is still processing",
    );
  }
}

/** When either timeout is a Terraform expression, the same rule becomes a precondition checked at plan. */
function visibilityPrecondition(visibility: number, consumer: number) {
  if (!isToken(visibility) && !isToken(consumer)) return undefined;
  const v = Token.asString(visibility);
  const c = Token.asString(consumer);
  return {
    precondition: [
      {
        condition: Op.gte(visibility, Op.mul(VISIBILITY_TIMEOUT_FACTOR, consumer)),
        errorMessage:
          `The queue visibility timeout (${v} s) must be at least ${VISIBILITY_TIMEOUT_FACTOR} × the worker timeout ` +
          `(${VISIBILITY_TIMEOUT_FACTOR} × ${c} s); raise it or shorten the worker timeout.`,
      },
    ],
  };
}

/** A literal range check for props that are not Terraform expressions. */
export function checkRange(prop: string, value: number, min: number, max: number): void {
  if (isToken(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${prop} is ${value}; it must be an integer from ${min} to ${max}`);
  }
}
