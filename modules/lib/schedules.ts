import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SchedulerSchedule } from "@cdktf/provider-aws/lib/scheduler-schedule";
import { SchedulerScheduleGroup } from "@cdktf/provider-aws/lib/scheduler-schedule-group";
import type { TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { addr, expressionOf, local, named, tfNumber, tfString } from "./expr.ts";
import { QUEUE_SEND_ACTIONS } from "./grants.ts";
import type { ChannelPipeline } from "./pipeline.ts";
import type { ChannelVariables } from "./variables.ts";

/** The context attribute EventBridge Scheduler replaces with a firing's time (kept literal in the input). */
export const SCHEDULED_TIME = "<aws.scheduler.scheduled-time>";

/** How long the scheduler keeps trying to put a firing on the queue: a morning summary at noon is no use. */
export const SCHEDULE_MAX_EVENT_AGE_SECONDS = 3600;

export interface ChannelSchedulesProps {
  /** The channel's name as its envelopes carry it (`telegram`, `whatsapp-personal` …). */
  readonly channel: string;
  /** The module's `schedules` input (variables.ts). */
  readonly schedules: TerraformVariable;
  /** The pipeline whose main queue the firings go to (and whose name, role path and boundary they share). */
  readonly pipeline: ChannelPipeline;
  readonly name: string;
  readonly rolePath?: string;
  readonly permissionsBoundary?: string;
  readonly tags?: Record<string, string>;
}

/**
 * The `schedules` input made real: an EventBridge Scheduler schedule group named `name`, one schedule per
 * entry putting the scheduled invocation (handlers/core/schedule/message.ts) on the main queue in its
 * conversation's message group, and the role the scheduler uses (`<name>-sched`, trusting the scheduler of
 * this account only, allowed `sqs:SendMessage` on the main queue and nothing else). The main queue gets
 * content-based deduplication while there are schedules (EventBridge Scheduler sets no deduplication id on
 * FIFO targets): the body names the firing's time, so a firing the scheduler retries is queued once.
 *
 * Terraform names: `aws_scheduler_schedule_group.this`, `aws_scheduler_schedule.this` (for_each by name),
 * `aws_iam_role.scheduler`, `aws_iam_role_policy.scheduler`, `local.schedule_inputs`.
 */
export class ChannelSchedules extends Construct {
  constructor(scope: Construct, id: string, props: ChannelSchedulesProps) {
    super(scope, id);
    const list = addr(props.schedules);
    const any = `length(${list}) > 0`;
    const count = tfNumber(`${any} ? 1 : 0`);
    const expr = (value: unknown) => expressionOf(this, value);
    const queue = props.pipeline.queues.queue;
    queue.addOverride("content_based_deduplication", `\${${any}}`);

    const group = named(
      new SchedulerScheduleGroup(this, "Group", { count, name: props.name, tags: props.tags }),
      "this",
    );
    const account = `split(":", ${expr(queue.arn)})[4]`;
    const role = named(
      new IamRole(this, "Role", {
        count,
        name: `${props.name}-sched`,
        path: props.rolePath,
        permissionsBoundary: props.permissionsBoundary,
        assumeRolePolicy: tfString(
          `jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "scheduler.amazonaws.com" }, Condition = { StringEquals = { "aws:SourceAccount" = ${account} } } }] })`,
        ),
        tags: props.tags,
      }),
      "scheduler",
    );
    named(
      new IamRolePolicy(this, "Policy", {
        count,
        name: `${props.name}-sched`,
        role: tfString(`${addr(role)}[0].id`),
        policy: tfString(
          `jsonencode({ Version = "2012-10-17", Statement = [{ Sid = "SendToQueue", Effect = "Allow", Action = ${JSON.stringify(QUEUE_SEND_ACTIONS)}, Resource = ${expr(queue.arn)} }] })`,
        ),
      }),
      "scheduler",
    );

    // Each firing's message group: its conversation, as the ingress names it (handlers/core/queue.ts fifoId).
    const conversations = local(
      this,
      "schedule_conversations",
      `{ for s in ${list} : s.name => join(":", compact([${JSON.stringify(props.channel)}, s.conversation, s.thread])) }`,
    );
    const groups = local(
      this,
      "schedule_message_groups",
      `{ for name, key in ${addr(conversations)} : name => length(key) <= 128 && can(regex("^[!-~]+$", key)) ? key : sha256(key) }`,
    );
    // Each firing's message: jsonencode does the escaping, then the time placeholder becomes the scheduler's
    // context attribute, literal (jsonencode would write its < and > as \u003c and \u003e, which the
    // scheduler would not replace).
    const inputs = local(
      this,
      "schedule_inputs",
      `{ for s in ${list} : s.name => replace(jsonencode({ kind = "schedule", v = 1, channel = ${JSON.stringify(props.channel)}, name = s.name, conversation = s.conversation, thread = s.thread, prompt = s.prompt, template = s.template, time = "@" }), "\\"time\\":\\"@\\"", "\\"time\\":\\"${SCHEDULED_TIME}\\"") }`,
    );
    const schedule = named(
      new SchedulerSchedule(this, "Schedule", {
        name: tfString("each.key"),
        groupName: tfString(`${addr(group)}[0].name`),
        scheduleExpression: tfString("each.value.expression"),
        scheduleExpressionTimezone: tfString("each.value.timezone"),
        state: tfString(`each.value.enabled ? "ENABLED" : "DISABLED"`),
        flexibleTimeWindow: { mode: "OFF" },
        target: {
          arn: queue.arn,
          roleArn: tfString(`${addr(role)}[0].arn`),
          input: tfString(`${addr(inputs)}[each.key]`),
          sqsParameters: { messageGroupId: tfString(`${addr(groups)}[each.key]`) },
          retryPolicy: { maximumEventAgeInSeconds: SCHEDULE_MAX_EVENT_AGE_SECONDS, maximumRetryAttempts: 20 },
        },
      }),
      "this",
    );
    schedule.addOverride("for_each", `\${{ for s in ${list} : s.name => s }}`);
  }
}

/**
 * The `schedules` of a channel module, from its shared inputs.
 * @example channelSchedules(this, "telegram", v, pipeline)
 */
export function channelSchedules(
  scope: Construct,
  channel: string,
  v: ChannelVariables,
  pipeline: ChannelPipeline,
): ChannelSchedules {
  return new ChannelSchedules(scope, "Schedules", {
    channel,
    schedules: v.schedules,
    pipeline,
    name: v.name.stringValue,
    rolePath: v.iamRolePath.stringValue,
    permissionsBoundary: v.iamRolePermissionsBoundary.stringValue,
    tags: v.tags.value,
  });
}
