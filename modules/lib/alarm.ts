import { CloudwatchLogMetricFilter } from "@cdktf/provider-aws/lib/cloudwatch-log-metric-filter";
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

export interface CapAlarmProps extends TerraformNameProps {
  /** The worker's log group, where it logs `access.cap_reached` once a day when the cap is crossed. */
  readonly logGroupName: string;
  /** Alarm name, e.g. `${name}-daily-cap-reached`. */
  readonly alarmName: string;
  /** The metric's namespace, one per deployment, e.g. `AgentcoreRelay/${name}`. */
  readonly metricNamespace: string;
  /** Raw Terraform boolean expression deciding whether the filter and the alarm exist. */
  readonly create: string;
  /** Raw Terraform expression of an SNS topic ARN to notify (alarm only), or null for none. */
  readonly snsTopicArn: string;
  readonly tags?: Record<string, string>;
}

/**
 * Alarm when the worker logs that the deployment's daily invocation cap is reached (`access.cap_reached`, a
 * metric filter on its log group counting into `DailyCapReached` in the deployment's own namespace): the admins
 * are told in their chats, and whoever watches the alarm topic too. Terraform names:
 * `aws_cloudwatch_log_metric_filter.<terraformName>`, `aws_cloudwatch_metric_alarm.<terraformName>`.
 */
export class CapAlarm extends Construct {
  readonly filter: CloudwatchLogMetricFilter;
  readonly alarm: CloudwatchMetricAlarm;

  constructor(scope: Construct, id: string, props: CapAlarmProps) {
    super(scope, id);
    const tfName = baseName(id, props);
    const count = tfNumber(`${props.create} ? 1 : 0`);
    const metric = { name: "DailyCapReached", namespace: props.metricNamespace };
    this.filter = named(
      new CloudwatchLogMetricFilter(this, "Filter", {
        count,
        name: props.alarmName,
        logGroupName: props.logGroupName,
        pattern: '{ $.event = "access.cap_reached" }',
        metricTransformation: {
          ...metric,
          value: "1",
          unit: "Count",
        },
      }),
      tfName,
    );
    const actions = tfList(`${props.snsTopicArn} == null ? [] : [${props.snsTopicArn}]`);
    this.alarm = named(
      new CloudwatchMetricAlarm(this, "Alarm", {
        count,
        alarmName: props.alarmName,
        alarmDescription:
          "The daily cap of agent invocations was reached: users are told to come back tomorrow (UTC).",
        namespace: metric.namespace,
        metricName: metric.name,
        statistic: "Sum",
        period: 300,
        evaluationPeriods: 1,
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
        alarmActions: actions,
        tags: props.tags,
      }),
      tfName,
    );
  }
}
