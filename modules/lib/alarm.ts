import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { Construct } from "constructs";
import { baseName, named, type TerraformNameProps, tfList, tfNumber } from "./expr.ts";
import type { FifoQueuePair } from "./queue.ts";

export interface DlqAlarmProps extends TerraformNameProps {
  readonly queues: FifoQueuePair;
  /** Alarm name, e.g. `${name}-dlq-not-empty`. */
  readonly alarmName: string;
  /** Raw Terraform boolean expression deciding whether the alarm exists, e.g. `var.create_dlq_alarm`. */
  readonly create: string;
  /** Raw Terraform expression of an SNS topic ARN to notify (alarm and OK), or null for none, e.g. `var.alarm_sns_topic_arn`. */
  readonly snsTopicArn: string;
  readonly tags?: Record<string, string>;
}

/**
 * Alarm when the DLQ holds any message (`ApproximateNumberOfMessagesVisible` > 0, maximum over 5 minutes):
 * a message there is one a user did not get an answer to. Terraform name: `aws_cloudwatch_metric_alarm.<terraformName>`.
 */
export class DlqAlarm extends Construct {
  readonly alarm: CloudwatchMetricAlarm;

  constructor(scope: Construct, id: string, props: DlqAlarmProps) {
    super(scope, id);
    const tfName = baseName(id, props);
    const actions = tfList(`${props.snsTopicArn} == null ? [] : [${props.snsTopicArn}]`);
    this.alarm = named(
      new CloudwatchMetricAlarm(this, "Alarm", {
        count: tfNumber(`${props.create} ? 1 : 0`),
        alarmName: props.alarmName,
        alarmDescription: `Messages in ${props.queues.dlq.name}: the worker gave up on them after the last retry.`,
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: props.queues.dlq.name },
        statistic: "Maximum",
        period: 300,
        evaluationPeriods: 1,
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
        alarmActions: actions,
        okActions: actions,
        tags: props.tags,
      }),
      tfName,
    );
  }
}
