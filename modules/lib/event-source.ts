import { LambdaEventSourceMapping } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import { Construct } from "constructs";
import { baseName, named, type TerraformNameProps } from "./expr.ts";
import type { BundledFunction } from "./function.ts";
import { grantConsume } from "./grants.ts";
import { checkRange, type FifoQueuePair } from "./queue.ts";

/** Lambda's limits for a FIFO queue event source. */
export const FIFO_MAX_BATCH_SIZE = 10;
export const MIN_MAXIMUM_CONCURRENCY = 2;
export const MAX_MAXIMUM_CONCURRENCY = 1000;

export interface QueueEventSourceProps extends TerraformNameProps {
  /** The queue pair whose main queue feeds the function. */
  readonly queues: FifoQueuePair;
  /** The consumer; it is granted the consume actions on the main queue. */
  readonly fn: BundledFunction;
  /** Messages per invocation, 1–10 (the FIFO maximum). */
  readonly batchSize: number;
  /** Upper bound of concurrent invocations this source starts (`scaling_config.maximum_concurrency`), 2–1000. */
  readonly maxConcurrency: number;
  /** The `sid` of the consume grant (a function with two event sources needs two). @default "ConsumeQueue" */
  readonly grantSid?: string;
  readonly tags?: Record<string, string>;
}

/**
 * The SQS → Lambda event source mapping of a worker: partial batch responses (`ReportBatchItemFailures`, so
 * one failed record does not redeliver the whole batch) and a concurrency cap. Grants `fn` what it needs.
 * Terraform name: `aws_lambda_event_source_mapping.<terraformName>`.
 */
export class QueueEventSource extends Construct {
  readonly mapping: LambdaEventSourceMapping;

  constructor(scope: Construct, id: string, props: QueueEventSourceProps) {
    super(scope, id);
    const tfName = baseName(id, props);
    checkRange("batchSize", props.batchSize, 1, FIFO_MAX_BATCH_SIZE);
    checkRange("maxConcurrency", props.maxConcurrency, MIN_MAXIMUM_CONCURRENCY, MAX_MAXIMUM_CONCURRENCY);
    grantConsume(props.queues.queue, props.fn, props.grantSid);
    this.mapping = named(
      new LambdaEventSourceMapping(this, "Mapping", {
        eventSourceArn: props.queues.queue.arn,
        functionName: props.fn.function.arn,
        batchSize: props.batchSize,
        functionResponseTypes: ["ReportBatchItemFailures"],
        scalingConfig: { maximumConcurrency: props.maxConcurrency },
        tags: props.tags,
      }),
      tfName,
    );
  }
}
